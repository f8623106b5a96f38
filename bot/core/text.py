"""Text from outside, made safe to keep: no lone UTF-16 surrogates.

A Python ``str`` can hold a lone surrogate (``"\\udce9"``): JSON's ``\\udce9`` escape decodes
to one, and so does a Latin-1 or cp1252 byte read as UTF-8 with ``surrogateescape``. It is
not a character, cannot be encoded as UTF-8, and crashed the storage codec (the console
died on a replay file; on Slack a whole inbox batch failed). The edges clean what they
receive with :func:`clean`; the engine and storage then only ever see valid text.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


def excerpt(text: str, limit: int = 100) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters (with "…") when longer:
    enough of someone's message to recognise it when the bot quotes it back."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,;:.-—") + " …"


def clean(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the usual "unreadable" mark)."""
    if text.isascii():
        return text
    return _SURROGATE.sub(REPLACEMENT, text)
