"""``voordenken classify``: run the task-talk guard from the command line.

With text arguments it prints one verdict per argument (``--explain``: the evidence, the
features that weighed most, and the thresholds); with ``--jsonl`` it reads JSON objects
with a ``text`` field (and optionally ``names`` and ``context``) from stdin and writes each
back with ``task_talk``, ``score``, ``lang`` and ``evidence`` added. Bad lines are reported
on stderr and make the exit status non-zero, but every good line is still answered.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

from bot.core.guard import TaskTalkModel, Verdict, detect
from bot.core.guard.features import SHORT_REPLY, named_features, slot, tokens
from bot.core.model import Strictness
from bot.shell.guard_model import ModelFileError, read_model, shipped_model

TOP_FEATURES = 8


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
    parser.add_argument("--context", default=None, help="the message just before (for short replies)")
    parser.add_argument("--explain", action="store_true", help="print the evidence behind each verdict")
    parser.add_argument("--model", type=Path, default=None, help="a model file instead of the shipped one")
    return parser


def classify_main(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Entry point; returns the exit status (0 ok, 1 some bad input lines, 2 usage error)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the message
        return int(exc.code) if isinstance(exc.code, int) else 2
    try:
        model = read_model(args.model) if args.model else shipped_model()
    except ModelFileError as exc:
        print(f"voordenken classify: {exc}", file=stderr)
        return 2
    strictness = Strictness(args.strictness)
    names = [n.strip() for n in args.names.split(",") if n.strip()]
    if args.jsonl:
        if args.texts:
            print("voordenken classify: give texts as arguments or --jsonl on stdin, not both", file=stderr)
            return 2
        return _classify_jsonl(model, stdin, stdout, stderr, strictness, names)
    if not args.texts:
        print("voordenken classify: nothing to classify (give texts or --jsonl)", file=stderr)
        return 2
    for text in args.texts:
        verdict = detect(text, model, names, context=args.context)
        held = verdict.holds(strictness)
        label = "task talk" if held else "ok"
        cue = f"  (“{verdict.cue}”)" if held and verdict.cue else ""
        print(f"{label}\t{verdict.score:.2f}\t{verdict.lang}\t{text}{cue}", file=stdout)
        if args.explain:
            print(explain(model, verdict, text, names, args.context), file=stdout)
    return 0


def explain(model: TaskTalkModel, verdict: Verdict, text: str, names: list[str], context: str | None) -> str:
    """The evidence: thresholds, the words quoted, and the features that pushed most either way."""
    message = tokens(text, names)
    before = tokens(context, names) if context else None
    weighed: dict[str, float] = {}
    for feature, _, _ in named_features(message, before):
        weighed.setdefault(feature, model.weights[slot(feature)] * model.scale)
    ranked = sorted(weighed.items(), key=lambda item: -abs(item[1]))[:TOP_FEATURES]
    lines = [f"  probability {verdict.score:.3f}; held at gentle from {model.gentle:.3f}, at strict from "
             f"{model.strict:.3f} (model {model.version})"]
    if verdict.evidence is not None:
        lines.append(f"  evidence: “{verdict.evidence.quote}” (weight {verdict.evidence.weight:+.2f})")
    if context and len(message) <= SHORT_REPLY:
        lines.append(f"  read as a reply to: “{context}”")
    lines.append("  features: " + ", ".join(f"{_readable(name)} {weight:+.2f}" for name, weight in ranked))
    return "\n".join(lines)


def _readable(feature: str) -> str:
    """``p:huisb`` → ``prefix 'huisb'``: the feature names of ``features.named_features`` for people."""
    if feature.startswith("sr&"):
        return f"short reply '{feature[3:]}'"
    kind, _, value = feature.partition(":")
    what = {"w": "word", "p": "prefix", "b": "pair", "t": "triple", "len": "length", "q": "question",
            "sr": "reply to"}.get(kind, kind)
    return f"{what} '{value}'" if value else what


def _classify_jsonl(model: TaskTalkModel, stdin: TextIO, stdout: TextIO, stderr: TextIO, strictness: Strictness,
                    names: list[str]) -> int:
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
            context = obj.get("context")
            if context is not None and not isinstance(context, str):
                raise ValueError("'context' must be a string")
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            print(f"voordenken classify: line {number}: {exc}", file=stderr)
            continue
        verdict = detect(obj["text"], model, line_names, context=context)
        obj["task_talk"] = verdict.holds(strictness)
        obj["score"] = verdict.score
        obj["lang"] = verdict.lang
        obj["evidence"] = verdict.cue
        print(json.dumps(obj, ensure_ascii=False), file=stdout)
    if bad:
        print(f"voordenken classify: {bad} bad line(s)", file=stderr)
        return 1
    return 0
