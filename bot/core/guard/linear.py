"""The learned task-talk model: one weight per feature slot, a bias and two thresholds.

Why a linear model on hashed n-grams: measured against a multilingual sentence-embedding
model and a cascade of the two on the blind test (see docs/guard.md), it was as accurate
where it matters and two orders of magnitude faster, it needs no numeric library at run
time, its file is small, and every decision can be traced back to the words that made it.

The model is data: the shell reads the file (``bot/shell/guard_model.py``) and hands the
object to the engine; nothing here reads a file or a clock.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.guard.features import MASK, Token, features


@dataclass(frozen=True, slots=True)
class Evidence:
    """Which words made the model think so: a span of the user's own text, and its weight."""

    quote: str
    start: int
    end: int
    weight: float


@dataclass(frozen=True, slots=True)
class Scored:
    probability: float
    evidence: Evidence | None


@dataclass(frozen=True, eq=False)
class TaskTalkModel:
    """Weights as 16-bit integers (``scale`` turns them back into floats), one per slot."""

    weights: array  # array("h"), length MASK + 1
    scale: float
    bias: float
    gentle: float  # probability at or above which the guard holds at gentle
    strict: float  # ... and at strict (lower: strict holds more)
    version: str = "unversioned"
    info: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weights) != MASK + 1:
            raise ValueError(f"a task-talk model needs {MASK + 1} weights, this one has {len(self.weights)}")
        if not 0.0 < self.strict <= self.gentle < 1.0:
            raise ValueError("thresholds must satisfy 0 < strict <= gentle < 1")

    def score(self, text: str, message: list[Token], context: list[Token] | None = None,
              explain: bool = True) -> Scored:
        """The probability that ``message`` is task talk, and the words that weighed most."""
        weights, scale = self.weights, self.scale
        total = self.bias
        seen: set[int] = set()
        per_token = [0.0] * len(message)
        for hashed, first, last in features(message, context):
            if hashed in seen:
                continue
            seen.add(hashed)
            weight = weights[hashed] * scale
            total += weight
            if explain and first >= 0 and weight > 0.0:
                share = weight / (last - first + 1)
                for i in range(first, last + 1):
                    per_token[i] += share
        probability = 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, total))))
        return Scored(probability, _evidence(text, message, per_token) if explain else None)


def _evidence(text: str, message: Sequence[Token], per_token: list[float], widest: int = 8) -> Evidence | None:
    """The run of at most ``widest`` words with the most weight, grown to its clause's edges."""
    best, best_span = 0.0, (0, -1)
    for i in range(len(message)):
        running = 0.0
        for j in range(i, min(i + widest, len(message))):
            if j > i and message[j - 1].text in _SENTENCE_ENDS:
                break  # a quote never runs across the end of a sentence
            running += per_token[j]
            if running > best:
                best, best_span = running, (i, j)
    first, last = best_span
    if last < first:
        return None
    while first > 0 and last - first < 11 and message[first - 1].text not in _CLAUSE_EDGES:
        first -= 1
    while last + 1 < len(message) and last - first < 11 and message[last + 1].text not in _CLAUSE_EDGES:
        last += 1
    while last > first and message[last].text in _SENTENCE_ENDS:
        last -= 1
    start, end = message[first].start, message[last].end
    return Evidence(text[start:end], start, end, round(best, 3))


_SENTENCE_ENDS = frozenset(".;!?")
_CLAUSE_EDGES = _SENTENCE_ENDS | frozenset(",:()[]") | frozenset(["but", "maar", "so", "dus", "and", "en"])
