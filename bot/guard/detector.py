"""Placeholder first detector; replaced by the measured detector (issue 3)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from bot.model import Strictness

THRESHOLDS = {Strictness.GENTLE: 0.7, Strictness.STRICT: 0.4}

_CUES = [
    (re.compile(r"\b(i'll|i will|let me)\s+(take|handle|call|contact|do|pick)\b", re.I), "I'll …"),
    (re.compile(r"\bwho\s+(is going to|will|does)\b", re.I), "who …?"),
    (re.compile(r"\bik\s+(pak|regel|bel|neem)\b", re.I), "ik pak … op"),
    (re.compile(r"\bwie\s+(gaat|doet|pakt)\b", re.I), "wie gaat …?"),
]


@dataclass(frozen=True, slots=True)
class Verdict:
    task_talk: bool
    score: float
    lang: str
    cue: str | None = None

    def holds(self, strictness: Strictness) -> bool:
        threshold = THRESHOLDS.get(strictness)
        return threshold is not None and self.score >= threshold


def detect(text: str, names: Collection[str] = ()) -> Verdict:
    lang = "nl" if re.search(r"\b(ik|wie|de|het|een|niet)\b", text, re.I) else "en"
    for pattern, cue in _CUES:
        if pattern.search(text):
            return Verdict(True, 0.9, lang, cue)
    return Verdict(False, 0.0, lang, None)
