"""The labelled corpus of task talk, read the same way by training, tests and benchmarks.

Layout (benchmarks/corpus/, see GUIDELINE.md for what the labels mean):
- ``train/*.jsonl``: what the model learns from (plus the two files of the first corpus);
- ``blind/a/``: the blind test, written from the guideline alone and frozen before training
  (``blind/a/FROZEN.sha256``); ``blind/b/``: the second, fresh blind set written after it.

Messages of a conversation (``thread``, ``turn``) get the turn before them as context.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
TRAIN = CORPUS / "train"
BLIND = CORPUS / "blind"
FIRST_CORPUS = (CORPUS / "task_talk.dev.jsonl", CORPUS / "task_talk.test.jsonl")


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    task_talk: bool
    lang: str
    register: str
    kind: str
    names: tuple[str, ...]
    context: str | None
    thread: str | None
    group: str  # examples of one group (a conversation, a minimal pair) stay in one fold
    source: str


def read(path: Path) -> list[Example]:
    """The examples of one JSONL file, with each conversation turn's context filled in."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    threads: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        if row.get("thread"):
            threads[str(row["thread"])].append(row)
    previous: dict[int, str] = {}
    for turns in threads.values():
        turns.sort(key=lambda r: int(str(r.get("turn") or 0)))
        for before, row in pairwise(turns):
            previous[id(row)] = str(before["text"])
    out = []
    for number, row in enumerate(rows):
        ident = str(row.get("id") or f"{path.stem}-{number}")
        thread = str(row["thread"]) if row.get("thread") else None
        names = row.get("names") or []
        out.append(Example(
            id=ident, text=str(row["text"]), task_talk=bool(row["task_talk"]), lang=str(row.get("lang") or "?"),
            register=str(row.get("register") or "formal"), kind=str(row.get("kind") or row.get("family") or ""),
            names=tuple(str(n) for n in names) if isinstance(names, list) else (),
            context=str(row["context"]) if row.get("context") else previous.get(id(row)),
            thread=thread, group=f"{path.stem}:{thread or row.get('pair') or ident}", source=path.stem,
        ))
    return out


def read_all(paths: Iterable[Path]) -> list[Example]:
    return [example for path in sorted(paths) for example in read(path)]


def training_set() -> list[Example]:
    return read_all([*TRAIN.glob("*.jsonl"), *FIRST_CORPUS])


def blind_set(name: str) -> dict[str, list[Example]]:
    """A blind set by file (``singles_nl``, ``singles_en``, ``chat``, ``threads``); empty if not written."""
    folder = BLIND / name
    return {path.stem: read(path) for path in sorted(folder.glob("*.jsonl"))}


def corpus_digest() -> str:
    """SHA-256 over the training files (names and bytes): the shipped model records the one it learnt from."""
    digest = hashlib.sha256()
    for path in sorted([*TRAIN.glob("*.jsonl"), *FIRST_CORPUS]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def frozen_digests(name: str) -> dict[str, str]:
    """The SHA-256 of each file of a blind set as recorded when it was frozen (``FROZEN.sha256``)."""
    lines = (BLIND / name / "FROZEN.sha256").read_text(encoding="utf-8").splitlines()
    return {file: digest for digest, file in (line.split() for line in lines if line.strip())}


def current_digests(name: str) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted((BLIND / name).glob("*.jsonl"))}
