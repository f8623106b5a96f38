"""Scoring the guard on a labelled set: the same arithmetic for the benchmark and the tests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from benchmarks.guard_data import Example
from bot.core.guard import TaskTalkModel, detect

#: The figures issue 14 asks the shipped model to reach on the blind test (per language, default strictness).
TARGETS = {
    "singles": {"precision": 0.95, "recall": 0.90},
    "chat": {"f1": 0.85, "false_alarms": 0.02},
    "threads": {"false_alarms": 0.005, "recall": 0.85},
}

#: What the shipped model keeps on blind set a (tests/guard/test_blind_figures.py), a little under what
#: it reached when it was trained: a retrain that does worse fails. Where it equals TARGETS the issue's
#: figure is met; the rest are not met yet (docs/guard.md, "How well it does").
FLOORS = {
    "singles": {"precision": 0.95, "recall": 0.70, "strict_recall": 0.88},
    "chat": {"f1": 0.85, "false_alarms": 0.06},
    "threads": {"false_alarms": 0.025, "recall": 0.70},
}


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_alarms(self) -> float:
        """Share of ordinary messages (not task talk) that would be held."""
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    def line(self) -> str:
        return (f"n={self.n:<5} P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"false alarms {100 * self.false_alarms:.2f}% ({self.fp}/{self.fp + self.tn})")


def probabilities(model: TaskTalkModel, examples: Iterable[Example]) -> list[tuple[float, bool]]:
    """(probability, gold label) per example, with its names and context as the bot would have them."""
    return [(detect(e.text, model, e.names, context=e.context).score, e.task_talk) for e in examples]


def score_at(scored: list[tuple[float, bool]], threshold: float) -> Score:
    tp = sum(1 for p, gold in scored if gold and p >= threshold)
    fp = sum(1 for p, gold in scored if not gold and p >= threshold)
    fn = sum(1 for p, gold in scored if gold and p < threshold)
    return Score(tp, fp, fn, len(scored) - tp - fp - fn)


def score(model: TaskTalkModel, examples: Iterable[Example], strict: bool = False) -> Score:
    return score_at(probabilities(model, examples), model.strict if strict else model.gentle)
