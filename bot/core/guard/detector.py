"""Is this message dividing or claiming work? The learned guard's verdict, with its reasons.

The decision is the model's (``linear.py``, trained on the corpus in benchmarks/corpus by
``make train-guard``); what the channel taught it comes first: a message very like one the
team released (``notask``) or parked by hand (``/problem park``) gets that label at once.
Every verdict carries its evidence in the user's own words, so the redirect can quote it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.core.guard.features import Token, tokens
from bot.core.guard.language import guess_language
from bot.core.guard.lessons import Lesson, closest_lesson
from bot.core.guard.linear import Evidence, TaskTalkModel


@dataclass(frozen=True, slots=True)
class Verdict:
    """The guard's judgement of one message; ``cue`` quotes what made it think so."""

    task_talk: bool  # held at the default strictness (gentle)
    score: float  # probability, 0..1
    lang: str  # "nl" | "en"
    strict: bool = False  # held at strict
    lesson: Lesson | None = None  # the channel's correction that decided, if one did
    evidence: Evidence | None = None

    @property
    def cue(self) -> str | None:
        """The user's own words that weighed most, e.g. "ik pak de scholen wel op" (the redirect quotes them)."""
        return self.evidence.quote if self.evidence is not None else None

    def holds(self, strictness: str) -> bool:
        """Whether the guard holds this message at ``strictness`` (a ``Strictness``; off/observe: never)."""
        if strictness == "gentle":
            return self.task_talk
        return strictness == "strict" and self.strict


def language_of(message: Sequence[Token]) -> str:
    """``"nl"`` or ``"en"`` for a tokenised message (names and links already placeholders)."""
    return guess_language(" ".join(t.text for t in message))


def detect(text: str, model: TaskTalkModel, names: Collection[str] = (), *, context: str | None = None,
           lessons: Sequence[Lesson] = ()) -> Verdict:
    """Judge one chat message; ``names`` are the channel's people, ``context`` the message before it."""
    if not isinstance(text, str):
        text = str(text)
    message = tokens(text, names)
    lang = language_of(message)
    lesson = closest_lesson(message, lessons) if lessons else None
    if lesson is not None:  # the channel said so about a message like this: the redirect quotes it whole
        return Verdict(lesson.task_talk, 1.0 if lesson.task_talk else 0.0, lang, lesson.task_talk, lesson)
    before = tokens(context, names) if context else None
    scored = model.score(text, message, before)
    probability = scored.probability
    evidence = scored.evidence
    return Verdict(
        task_talk=probability >= model.gentle,
        score=probability,
        lang=lang,
        strict=probability >= model.strict,
        evidence=evidence,
    )
