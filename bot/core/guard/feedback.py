"""A channel's corrections as training data, in the corpus's own format (benchmarks/corpus/GUIDELINE.md).

``voordenken feedback export`` writes these rows; a maintainer reviews them and adds them to
``benchmarks/corpus/train/`` before ``make train-guard``. Only the message and its label
leave: no user ids (they are pseudonymous per platform, but they are still identifiers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.core.guard.detector import language_of
from bot.core.guard.features import tokens
from bot.core.guard.lessons import Lesson


def training_rows(lessons: Sequence[Lesson], released: Iterable[str],
                  participants: Mapping[str, str]) -> list[dict[str, object]]:
    """One row per lesson, then per released message the lessons do not already hold."""
    names = sorted(participants.values())
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for text, task_talk, how in [*((lesson.text, lesson.task_talk, "lesson") for lesson in lessons),
                                 *((text, False, "released") for text in released)]:
        if text in seen:
            continue
        seen.add(text)
        lang = language_of(tokens(text))
        rows.append({"text": text, "task_talk": task_talk, "kind": None,
                     "lang": lang, "register": "chat", "team": "other", "author": None, "names": names,
                     "context": None, "thread": None, "turn": None, "pair": None, "source": f"feedback:{how}"})
    return rows
