"""What the statement card shows: the agreed statement as a picture people look at.

The core decides the words (in the channel's language); the shell draws them
(``bot/shell/card_image.py``). Every field is finished text: the drawing knows no language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StatementCard:
    """The lines of one statement card, top to bottom."""

    title: str  # "Our shared problem" / "Ons gedeelde probleem"
    topic: str  # the session's topic ("" when none was given)
    statement: str  # the agreed (or current) statement, as written: may hold line breaks
    version_line: str  # "Version 3 · agreed on 4 December 2026"
    agreement_line: str  # "Agreed by 5 of 6: police, housing, debt counselling"
    concerns_title: str  # "Concerns on record" (shown only with concerns)
    concerns: tuple[str, ...] = ()  # "carol (housing): the budget is unclear"
    footer: str = "Voordenken"
    version: int = 0  # the statement's version (for file names; the picture shows version_line)
