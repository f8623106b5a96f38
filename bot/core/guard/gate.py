"""Cheap pre-selection of cues by their first literal word.

Running ~100 regexes on every clause costs ~180 µs; the guard's budget is 50 µs per
message. Almost every cue must begin with one of a few literal words ("who", "ik",
"actiepunt", a name token), so the regex parse tree tells us which words a clause must
contain before a cue can possibly match. Cues without such a word always run.
"""

from __future__ import annotations

import re
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

WORD = re.compile(r"[\w\x01]+")
_LIMIT = 400


def _firsts(seq: object) -> tuple[set[str], bool]:
    """Literal prefixes any match of ``seq`` must start with, and whether ``seq`` was all literal."""
    prefixes = {""}
    for op, av in seq:  # type: ignore[attr-defined]
        if op is sre_c.AT or op is sre_c.ASSERT or op is sre_c.ASSERT_NOT:
            if prefixes == {""}:
                continue  # zero-width at the start: the match still starts at a word
            return {p + "\x00" for p in prefixes}, False  # \x00 marks "a word boundary follows"
        if op is sre_c.LITERAL:
            prefixes = {p + chr(av) for p in prefixes}
            continue
        if op is sre_c.IN and len(av) <= 8 and all(item_op is sre_c.LITERAL for item_op, _ in av):
            sub, complete = {chr(code) for _, code in av}, True  # sre factors "ap|ai" into "a[pi]"
        elif op is sre_c.SUBPATTERN:
            sub, complete = _firsts(av[-1])
        elif op is sre_c.BRANCH:
            sub, complete = set(), True
            for branch in av[1]:
                got, done = _firsts(branch)
                sub |= got
                complete = complete and done
        else:
            return prefixes, False
        prefixes = {p + s for p in prefixes for s in sub}
        if len(prefixes) > _LIMIT:
            return {""}, False
        if not complete:
            return prefixes, False
    return prefixes, True


def first_words(pattern: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(whole first words, substrings) one of which a match needs; None if no usable gate.

    A prefix like ``"who "`` yields the whole word ``who``; a prefix that may end inside a
    word (``"organi"``) can only be checked as a substring.
    """
    prefixes, _ = _firsts(sre_parse.parse(pattern))
    words: set[str] = set()
    subs: set[str] = set()
    for prefix in prefixes:
        match = WORD.match(prefix)
        if match is None:
            return None
        word = match.group(0)
        if match.end() < len(prefix):
            words.add(word)
        else:
            subs.add(word)
    return frozenset(words), frozenset(subs)


class GateIndex:
    """Maps a clause's words to the patterns (by position in ``patterns``) that could match.

    ``lookup(word)`` is cached per word: chat vocabulary repeats, so most words cost one
    dict lookup. Patterns with an explicit gate (substrings) or without a usable first word
    are reported separately and searched as a whole.
    """

    def __init__(self, patterns: list[tuple[re.Pattern[str], tuple[str, ...]]], max_prefix: int = 14) -> None:
        self._by_word: dict[str, list[int]] = {}
        self._by_prefix: dict[str, list[int]] = {}
        regex_gates: dict[tuple[str, ...], list[int]] = {}
        always: list[int] = []
        for index, (pattern, explicit) in enumerate(patterns):
            if explicit:
                regex_gates.setdefault(explicit, []).append(index)
                continue
            gate = first_words(pattern.pattern)
            if gate is None or any(len(sub) > max_prefix for sub in gate[1]):
                always.append(index)
                continue
            for word in gate[0]:
                self._by_word.setdefault(word, []).append(index)
            for sub in gate[1]:
                self._by_prefix.setdefault(sub, []).append(index)
        #: (substring regex, pattern indices): one search per distinct explicit gate
        self.regex_gates = tuple(
            (re.compile("|".join(re.escape(g) for g in gate)), tuple(indices))
            for gate, indices in regex_gates.items()
        )
        self.always = tuple(always)
        self._prefix_lengths = tuple(sorted({len(p) for p in self._by_prefix}))
        self._cache: dict[str, tuple[int, ...]] = {}

    def candidates(self, clause: str) -> dict[int, list[int] | None]:
        """Pattern index -> token starts where it may match (``None``: search the whole clause)."""
        starts: dict[int, list[int] | None] = dict.fromkeys(self.always)
        cached = self._cache.get
        lookup = self.lookup
        for token in WORD.finditer(clause):
            word = token.group()
            hits = cached(word)
            if hits is None:
                hits = lookup(word)
            if not hits:
                continue
            start = token.start()
            for index in hits:
                positions = starts.get(index)
                if positions is None:
                    if index not in starts:
                        starts[index] = [start]
                else:
                    positions.append(start)
        for gate, indices in self.regex_gates:
            if gate.search(clause) is not None:
                for index in indices:
                    starts[index] = None
        return starts

    def lookup(self, word: str) -> tuple[int, ...]:
        """Indices of the patterns that may start at a token ``word``."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        found = set(self._by_word.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            found.update(self._by_prefix.get(word[:length], ()))
        result = tuple(sorted(found))
        if len(self._cache) > 50_000:  # arbitrary input must not grow memory without bound
            self._cache.clear()
        self._cache[word] = result
        return result
