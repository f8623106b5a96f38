"""What a channel taught its guard: released false alarms and messages parked by hand.

A team's own words repeat ("I'll take the minutes" in a team where that is not task talk,
"de GGD doet de huisbezoeken" where it is). A nearest-neighbour memory of corrected
messages applies a correction at once, to the next message that is nearly the same,
without retraining; ``voordenken feedback export`` hands the lessons to the next training.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from bot.core.guard.features import Token, tokens, word_slots


@dataclass(frozen=True, slots=True)
class Lesson:
    """A correction: ``text`` is (or is not) task talk in this channel, as ``by`` said at ``at``."""

    text: str
    task_talk: bool
    by: str
    at: datetime


#: How alike (cosine over words and pieces of words) a message must be to a lesson to take its label.
ALIKE = 0.8


@lru_cache(maxsize=1024)
def _signature(text: str) -> frozenset[int]:
    return _slots(tokens(text))


def _slots(message: Sequence[Token]) -> frozenset[int]:
    return frozenset(hashed for token in message for hashed in word_slots(token.text))


def closest_lesson(message: Sequence[Token], lessons: Sequence[Lesson]) -> Lesson | None:
    """The most alike lesson, if it is alike enough (the newest wins a tie)."""
    mine = _slots(message)
    if not mine:
        return None
    best, best_score = None, ALIKE
    for lesson in lessons:
        theirs = _signature(lesson.text)
        if not theirs:
            continue
        score = len(mine & theirs) / math.sqrt(len(mine) * len(theirs))
        if score >= best_score:
            best, best_score = lesson, score
    return best
