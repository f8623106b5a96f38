"""Split a message into clauses, the scope of cues and vetoes.

"The problem is that nobody follows up, so I'll take care of housing": the analysis veto
("nobody", "the problem is") must not reach the claim after "so". Splitting at sentence
punctuation and at a few connectives gives ConText-style termination.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(
    r"[.;!?\n]+(?=\s|$)|[;!?\n]+|(?:,\s*|\s+)(?=(?:so|but|then|dus|maar|en dan|daarom|anyway)\b)"
)


def split_clauses(text: str) -> list[str]:
    """Non-empty clauses of ``text`` (already lowercased and normalised)."""
    return [part for part in (p.strip() for p in _SPLIT.split(text)) if part]
