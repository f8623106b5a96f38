"""Reading and writing the task-talk model file (the shell's side of the learned guard).

The file is gzip: one line of JSON (thresholds, scale, where it came from, its measured
figures), then the weights as little-endian 16-bit integers. ``make train-guard`` writes
it deterministically (no time stamp in the gzip header), so the same corpus gives the same
bytes and a changed model shows up in ``git diff --stat``.
"""

from __future__ import annotations

import gzip
import json
import sys
from array import array
from importlib.resources import files
from pathlib import Path

from bot.core.guard.linear import TaskTalkModel

FORMAT = 1
SHIPPED = "task_talk.model.gz"


class ModelFileError(ValueError):
    """The model file is missing, damaged or of another format; the message says which."""


def read_model(path: Path) -> TaskTalkModel:
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ModelFileError(f"cannot read the task-talk model {path}: {exc}") from exc
    header_line, _, body = raw.partition(b"\n")
    try:
        header = json.loads(header_line)
        if header.get("format") != FORMAT:
            raise ModelFileError(f"{path} is a task-talk model of format {header.get('format')}, not {FORMAT}")
        weights = array("h")
        weights.frombytes(body)
        if sys.byteorder != "little":
            weights.byteswap()
        return TaskTalkModel(weights=weights, scale=float(header["scale"]), bias=float(header["bias"]),
                             gentle=float(header["gentle"]), strict=float(header["strict"]),
                             version=str(header.get("version", "unversioned")), info=header.get("info", {}))
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{path} is not a task-talk model: {exc}") from exc


def write_model(model: TaskTalkModel, path: Path) -> None:
    header = {"format": FORMAT, "version": model.version, "scale": model.scale, "bias": model.bias,
              "gentle": model.gentle, "strict": model.strict, "info": model.info}
    weights = array("h", model.weights)
    if sys.byteorder != "little":
        weights.byteswap()
    payload = json.dumps(header, sort_keys=True, ensure_ascii=False).encode() + b"\n" + weights.tobytes()
    path.write_bytes(gzip.compress(payload, compresslevel=9, mtime=0))


def shipped_path() -> Path:
    return Path(str(files("bot.shell") / "models" / SHIPPED))


def shipped_model() -> TaskTalkModel:
    """The model that ships with the bot (the composition root reads it once and hands it on)."""
    return read_model(shipped_path())
