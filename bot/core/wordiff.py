"""A short word-level diff of two draft versions: what a reader needs to see what changed.

Pure. The result is a few runs of words (unchanged context, removed, added, and gaps for
the unchanged stretches left out) that each platform marks up its own way; a version that
shares too little with the previous one is reported as rewritten instead of a diff as long
as the text itself.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.core.model import Change, ChangeKind

CONTEXT = 3  # unchanged words shown either side of a change
MAX_RUNS = 8  # places of change shown; the rest are counted
MAX_RUN_WORDS = 30  # a longer added or removed run is cut
REWRITTEN_BELOW = 0.5  # word similarity under which the new version counts as rewritten


@dataclass(frozen=True, slots=True)
class WordDiff:
    parts: tuple[Change, ...]
    similarity: float  # 0..1, difflib's ratio over the words
    runs: int  # places where words changed
    shown: int  # of which ``parts`` shows this many

    @property
    def unchanged(self) -> bool:
        """Only spacing or line breaks differ."""
        return self.runs == 0

    @property
    def rewritten(self) -> bool:
        return self.runs > 0 and self.similarity < REWRITTEN_BELOW


def word_diff(old: str, new: str, *, context: int = CONTEXT, max_runs: int = MAX_RUNS) -> WordDiff:
    """The changes from ``old`` to ``new``, word by word, with ``context`` words around each."""
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    ops = matcher.get_opcodes()
    changed = [i for i, op in enumerate(ops) if op[0] != "equal"]
    if not changed:
        return WordDiff((), 1.0, 0, 0)
    last = changed[min(len(changed), max_runs) - 1]
    parts: list[Change] = []
    for index in range(max(changed[0] - 1, 0), min(last + 2, len(ops))):
        tag, i1, i2, j1, j2 = ops[index]
        if tag == "equal":
            parts.extend(_context(a[i1:i2], follows=index > 0, leads=index < last, context=context))
            continue
        if i2 > i1:
            parts.append(Change(ChangeKind.REMOVED, _cut(a[i1:i2])))
        if j2 > j1:
            parts.append(Change(ChangeKind.ADDED, _cut(b[j1:j2])))
    if last + 2 < len(ops):
        parts.append(Change(ChangeKind.GAP))  # more changes, not shown
    merged = [p for i, p in enumerate(parts) if not (p.kind is ChangeKind.GAP and i and parts[i - 1] == p)]
    return WordDiff(tuple(merged), matcher.ratio(), len(changed), min(len(changed), max_runs))


def _context(words: list[str], *, follows: bool, leads: bool, context: int) -> list[Change]:
    """Unchanged words: their end before the first change, their start after the last one shown,
    both ends between two changes (``follows``: a change precedes them; ``leads``: one follows)."""
    if follows and leads:
        if len(words) <= 2 * context + 1:
            return [Change(ChangeKind.SAME, " ".join(words))]
        return [Change(ChangeKind.SAME, " ".join(words[:context])), Change(ChangeKind.GAP),
                Change(ChangeKind.SAME, " ".join(words[-context:]))]
    if leads:
        gap = [Change(ChangeKind.GAP)] if len(words) > context else []
        return [*gap, Change(ChangeKind.SAME, " ".join(words[-context:]))]
    gap = [Change(ChangeKind.GAP)] if len(words) > context else []
    return [Change(ChangeKind.SAME, " ".join(words[:context])), *gap]


def _cut(words: list[str]) -> str:
    return " ".join(words) if len(words) <= MAX_RUN_WORDS else " ".join(words[:MAX_RUN_WORDS]) + " …"
