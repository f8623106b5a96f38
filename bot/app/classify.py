"""``voordenken classify``: run the task-talk detector from the command line.

With text arguments it prints one verdict per argument; with ``--jsonl`` it reads JSON
objects with a ``text`` field from stdin and writes each back with ``task_talk``,
``score`` and ``lang`` added. Bad lines are reported on stderr and make the exit status
non-zero, but every good line is still answered (a batch should not die on one line).
"""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from bot.core.guard.detector import detect
from bot.core.model import Strictness


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voordenken classify", description="Classify messages as task talk (who does what) or not."
    )
    parser.add_argument("texts", nargs="*", help="messages to classify (omit with --jsonl)")
    parser.add_argument(
        "--jsonl", action="store_true", help="read JSON objects with a 'text' field from stdin"
    )
    parser.add_argument(
        "--strictness",
        choices=[Strictness.GENTLE.value, Strictness.STRICT.value],
        default=Strictness.GENTLE.value,
    )
    parser.add_argument("--names", default="", help='participant names, comma-separated: "Mark,Sarah"')
    return parser


def classify_main(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Entry point; returns the exit status (0 ok, 1 some bad input lines, 2 usage error)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the message
        return int(exc.code) if isinstance(exc.code, int) else 2
    strictness = Strictness(args.strictness)
    names = [n.strip() for n in args.names.split(",") if n.strip()]
    if args.jsonl:
        if args.texts:
            print("voordenken classify: give texts as arguments or --jsonl on stdin, not both", file=stderr)
            return 2
        return _classify_jsonl(stdin, stdout, stderr, strictness, names)
    if not args.texts:
        print("voordenken classify: nothing to classify (give texts or --jsonl)", file=stderr)
        return 2
    for text in args.texts:
        verdict = detect(text, names)
        held = verdict.holds(strictness)
        label = "task talk" if held else "ok"
        cue = f"  ({verdict.family}: '{verdict.cue}')" if held and verdict.cue else ""
        print(f"{label}\t{verdict.score:.2f}\t{verdict.lang}\t{text}{cue}", file=stdout)
    return 0


def _classify_jsonl(
    stdin: TextIO, stdout: TextIO, stderr: TextIO, strictness: Strictness, names: list[str]
) -> int:
    bad = 0
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise ValueError("expected a JSON object with a string 'text' field")
            line_names = obj.get("names", names)
            if not isinstance(line_names, list) or not all(isinstance(n, str) for n in line_names):
                raise ValueError("'names' must be a list of strings")
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            print(f"voordenken classify: line {number}: {exc}", file=stderr)
            continue
        verdict = detect(obj["text"], line_names)
        obj["task_talk"] = verdict.holds(strictness)
        obj["score"] = verdict.score
        obj["lang"] = verdict.lang
        print(json.dumps(obj, ensure_ascii=False), file=stdout)
    if bad:
        print(f"voordenken classify: {bad} bad line(s)", file=stderr)
        return 1
    return 0
