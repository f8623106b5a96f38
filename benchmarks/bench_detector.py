"""Benchmark the task-talk guard on the blind test sets (issue 14): ``make bench``.

Prints, for each blind set that exists (``a``: written before training and frozen;
``b``: written after the model was done), per language and register the figures issue 14
sets, how strictness trades recall for false alarms, and the guard's speed, start-up and
memory. The blind sets are never used for training or for choosing thresholds.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.guard_data import Example, blind_set, training_set  # noqa: E402
from benchmarks.guard_eval import TARGETS, Score, probabilities, score_at  # noqa: E402
from bot.core.guard import TaskTalkModel, detect  # noqa: E402
from bot.shell.guard_model import read_model, shipped_model  # noqa: E402

CURVE = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def figures(model: TaskTalkModel, sets: dict[str, list[Example]]) -> dict[str, tuple[Score, Score]]:
    """(gentle, strict) scores per part of a blind set: singles per language, chat, threads."""
    parts: dict[str, list[Example]] = {}
    for name, examples in sets.items():
        if name.startswith("singles"):
            parts[name] = examples
        elif name == "chat":
            for lang in ("nl", "en"):
                parts[f"chat_{lang}"] = [e for e in examples if e.lang == lang]
            parts["chat"] = examples
        elif name == "threads":
            parts["threads"] = examples
    out = {}
    for name, examples in parts.items():
        scored = probabilities(model, examples)
        out[name] = (score_at(scored, model.gentle), score_at(scored, model.strict))
    return out


def verdict_line(name: str, gentle: Score) -> str:
    kind = "singles" if name.startswith("singles") else "chat" if name.startswith("chat") else "threads"
    checks = []
    for metric, floor in TARGETS[kind].items():
        value = getattr(gentle, metric)
        ok = value <= floor if metric == "false_alarms" else value >= floor
        checks.append(f"{metric} {'≤' if metric == 'false_alarms' else '≥'} {floor}: {'met' if ok else 'NOT met'}")
    return "; ".join(checks)


def report(model: TaskTalkModel, label: str, sets: dict[str, list[Example]]) -> dict[str, float]:
    print(f"\n-- blind set {label}: {sum(len(v) for v in sets.values())} messages --")
    f1s = {}
    for name, (gentle, strict) in figures(model, sets).items():
        print(f"{name:<12} gentle {gentle.line()}")
        print(f"{'':<12} strict {strict.line()}")
        print(f"{'':<12} targets: {verdict_line(name, gentle)}")
        f1s[name] = gentle.f1
    everything = [e for examples in sets.values() for e in examples]
    scored = probabilities(model, everything)
    print("strictness curve over the whole set (threshold: precision / recall / false alarms):")
    for threshold in sorted({*CURVE, model.gentle, model.strict}):
        s = score_at(scored, threshold)
        mark = " <- gentle" if threshold == model.gentle else " <- strict" if threshold == model.strict else ""
        print(f"  {threshold:.3f}: {s.precision:.3f} / {s.recall:.3f} / {100 * s.false_alarms:.2f}%{mark}")
    return f1s


def speed(model: TaskTalkModel, stream: list[Example]) -> None:
    items = [(e.text, e.names, e.context) for e in stream]
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for text, names, context in items:
            detect(text, model, names, context=context)
        best = max(best, len(items) / (time.perf_counter() - start))
    latencies = []
    for text, names, context in items[:2000]:
        start = time.perf_counter()
        detect(text, model, names, context=context)
        latencies.append(time.perf_counter() - start)
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    print(f"\nspeed on a thread-like stream ({len(items)} messages, one core): {best:,.0f} messages/s; "
          f"p99 for one message {p99:.2f} ms (target ≥ 2,000/s, p99 ≤ 20 ms)")


def _rss_mb() -> float:
    """Resident memory of this process now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def startup_and_memory(stream: list[Example]) -> None:
    code = ("import time; t = time.perf_counter(); from bot.app.classify import classify_main; "
            "import io, sys; classify_main(['ik pak de scholen op'], io.StringIO(), io.StringIO(), sys.stderr); "
            "print(time.perf_counter() - t)")
    seconds = min(float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                                       check=True).stdout) for _ in range(3))
    print(f"start-up of voordenken classify (imports, model, first verdict): {seconds:.3f} s (target ≤ 1 s)")
    before = _rss_mb()
    model = shipped_model()
    for example in stream:
        detect(example.text, model, example.names, context=example.context)
    print(f"memory added by the model and {len(stream)} verdicts (caches included): {_rss_mb() - before:.1f} MB "
          "(target ≤ 150 MB)")


def agreement() -> None:
    """Cohen's kappa between the writers' labels and a second labeller's, on the double-labelled sample."""
    path = ROOT / "benchmarks" / "corpus" / "agreement" / "double_labelled.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    n = len(rows)
    observed = sum(r["first"] == r["second"] for r in rows) / n
    first, second = sum(r["first"] for r in rows) / n, sum(r["second"] for r in rows) / n
    expected = first * second + (1 - first) * (1 - second)
    kappa = (observed - expected) / (1 - expected)
    kinds = sum(r["first_kind"] == r["second_kind"] for r in rows) / n
    print(f"labelling agreement on {n} double-labelled messages: {100 * observed:.1f}% (Cohen's kappa {kappa:.2f}); "
          f"same kind {100 * kinds:.1f}%")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, help="a model file instead of the shipped one")
    args = parser.parse_args(argv)
    stream = [e for e in training_set() if e.thread] or training_set()
    startup_and_memory(stream)  # first: the memory figure needs a process that has not loaded the model yet
    model = read_model(args.model) if args.model else shipped_model()
    print(f"model {model.version}: thresholds gentle {model.gentle:.3f}, strict {model.strict:.3f}; "
          f"{model.info.get('training_messages', '?')} training messages")
    f1s = {}
    for label in ("a", "b"):
        sets = blind_set(label)
        if sets:
            f1s[label] = report(model, label, sets)
    if "a" in f1s and "b" in f1s:
        for name in sorted(set(f1s["a"]) & set(f1s["b"])):
            gap = f1s["b"][name] - f1s["a"][name]
            print(f"F1 gap b - a, {name}: {gap:+.3f} (target within ±0.05)")
    speed(model, stream)
    agreement()
    print(f"peak memory of this benchmark: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
