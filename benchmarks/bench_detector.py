"""Benchmark the task-talk detector on the held-out test split (issue 3).

Run from the repo root: ``python -m benchmarks.bench_detector`` (or ``python
benchmarks/bench_detector.py``). Prints precision/recall/F1 and messages/s per language
and strictness, the false-alarm rate on a natural mix (about 1 in 20 messages is task
talk), and the detector's start-up (import) time. ``--split dev`` evaluates the tuning
split instead. The test split is never used for tuning.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.core.guard import detect  # noqa: E402
from bot.core.model import Strictness  # noqa: E402

CORPUS = ROOT / "benchmarks" / "corpus"
TARGETS = (
    "targets (test, per language): gentle P>=0.95 R>=0.90; strict R>=0.95; natural-mix false alarms <=0.5%"
)


def load(split: str) -> list[dict[str, object]]:
    """The labelled messages of one split."""
    path = CORPUS / f"task_talk.{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _names(row: dict[str, object]) -> list[str]:
    names = row.get("names") or []
    return [str(n) for n in names] if isinstance(names, list) else []


def throughput(rows: list[dict[str, object]], seconds: float = 0.5) -> float:
    """Messages per second on one core (best of a few timed rounds)."""
    items = [(str(r["text"]), _names(r)) for r in rows]
    best = 0.0
    deadline = time.perf_counter() + seconds
    while True:
        start = time.perf_counter()
        for text, names in items:
            detect(text, names)
        best = max(best, len(items) / (time.perf_counter() - start))
        if time.perf_counter() > deadline:
            return best


def scores(rows: list[dict[str, object]], strictness: Strictness) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``holds(strictness)`` against the labels."""
    tp = fp = fn = 0
    for row in rows:
        held = detect(str(row["text"]), _names(row)).holds(strictness)
        gold = bool(row["task_talk"])
        tp += held and gold
        fp += held and not gold
        fn += gold and not held
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def natural_mix(rows: list[dict[str, object]], size: int = 2000, seed: int = 7) -> list[dict[str, object]]:
    """Resample the split to about 1 positive in 20 (negatives reused)."""
    rng = random.Random(seed)
    positives = [r for r in rows if r["task_talk"]]
    negatives = [r for r in rows if not r["task_talk"]]
    n_pos = size // 20
    return [rng.choice(positives) for _ in range(n_pos)] + [
        rng.choice(negatives) for _ in range(size - n_pos)
    ]


def startup_seconds() -> float:
    """Wall time of ``import bot.core.guard`` plus a first call, in a fresh interpreter (best of 3)."""
    code = (
        "import time; t=time.perf_counter(); import bot.core.guard; bot.core.guard.detect('hallo'); "
        "print(time.perf_counter()-t)"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        runs.append(float(out.stdout.strip()))
    return min(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", default="test", choices=["test", "dev"])
    args = parser.parse_args(argv)
    rows = load(args.split)
    print(f"split: {args.split} ({len(rows)} messages, {sum(bool(r['task_talk']) for r in rows)} task talk)")
    print(f"{'lang':<5} {'strictness':<10} {'n':>4} {'precision':>9} {'recall':>7} {'F1':>6} {'msgs/s':>9}")
    for lang in ("en", "nl", "all"):
        subset = rows if lang == "all" else [r for r in rows if r["lang"] == lang]
        speed = throughput(subset)
        for strictness in (Strictness.GENTLE, Strictness.STRICT):
            p, r, f = scores(subset, strictness)
            print(
                f"{lang:<5} {strictness.value:<10} {len(subset):>4} "
                f"{p:>9.3f} {r:>7.3f} {f:>6.3f} {speed:>9,.0f}"
            )
    mix = natural_mix(rows)
    negatives = [r for r in mix if not r["task_talk"]]
    for strictness in (Strictness.GENTLE, Strictness.STRICT):
        alarms = sum(detect(str(r["text"]), _names(r)).holds(strictness) for r in negatives)
        print(
            f"natural mix (1:19, {len(mix)} msgs) {strictness.value}: false alarms on other messages "
            f"{alarms}/{len(negatives)} = {100 * alarms / len(negatives):.2f}%"
        )
    print(f"natural mix throughput: {throughput(mix):,.0f} msgs/s (one core)")
    langs = [r for r in rows if detect(str(r["text"]), _names(r)).lang == r["lang"]]
    print(f"language id accuracy: {len(langs)}/{len(rows)} = {100 * len(langs) / len(rows):.1f}%")
    print(f"start-up (import + first call): {startup_seconds():.3f} s")
    print(TARGETS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
