"""Parse the text after ``/problem`` into a canonical subcommand and its arguments."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

MAX_MESSAGE_CHARS = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # canonical subcommand, or "" when the word is unknown
    args: str
    word: str  # as typed


def clean(text: str) -> str:
    """Drop control and bidi-override characters, normalise, and trim.

    Newlines and tabs stay: people paste multi-line drafts.
    """
    text = unicodedata.normalize("NFC", text)
    return _CONTROL.sub("", text).strip()


def parse(text: str, aliases: Mapping[str, str]) -> Command:
    words = text.split(maxsplit=1)
    if not words:
        return Command("help", "", "")
    word = words[0]
    args = words[1].strip() if len(words) > 1 else ""
    return Command(aliases.get(word.lower(), ""), args, word)


def split_flag(args: str, flag: str) -> tuple[str, str | None]:
    """Split ``"text --until fri 17:00"`` into ``("text", "fri 17:00")``."""
    head, sep, tail = args.partition(flag)
    return (head.strip(), tail.strip()) if sep else (args.strip(), None)
