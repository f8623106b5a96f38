"""What the learned guard looks at in a message: words, their prefixes, word pairs and triples.

Why hashed word n-grams: "who does what" is said in word combinations ("pak ik op", "can
you take", "is for the"), and a linear model over words, word pairs and triples, with a
crude stem for inflection, measured best of the variants tried (docs/guard.md). Features are
hashed into a fixed table with a stable hash (CRC-32), so the model file is one array and
nothing here depends on the process (Python's own ``hash`` is salted per run).

Each feature remembers which words of the message produced it, so the model can say
which words made it think so (``Evidence``), quoted from the user's own text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache
from zlib import crc32

#: The feature table has 2**BITS slots; the model file stores one weight per slot.
BITS = 20
MASK = (1 << BITS) - 1
#: Only the start of a very long message is read, which bounds the guard's cost.
MAX_CHARS = 2_000
#: Words longer than this also count by their first PREFIX letters (a crude, language-free stem).
PREFIX = 5
#: A reply this short ("me", "doe ik", "I can") is read together with the message before it.
SHORT_REPLY = 5

NAME = "@n"  # a participant's name or an @mention
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"<@[\w.-]+>|@[\w.-]+")
_DIGITS = re.compile(r"\d+")
#: Words (letters, digits, apostrophes inside words), single emoji or punctuation marks.
_TOKEN = re.compile(r"[\w@]+(?:'[\w]+)*|[^\w\s]")
_AMBIGUOUS_NAMES = frozenset((
    "ben", "will", "mark", "bill", "may", "rob", "pat", "guy", "frank", "hope", "joy", "max", "an", "van", "de",
    "den", "ter", "bas", "kim", "sky", "april", "june", "august", "rose",
))


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the normalised message and where it sits in the user's original text."""

    text: str
    start: int
    end: int


@lru_cache(maxsize=256)
def _name_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    """One regex for a roster; names that are also common words must be capitalised."""
    plain: list[str] = []
    capital: list[str] = []
    for raw in sorted(names, key=len, reverse=True):
        name = raw.strip().lstrip("@")
        if len(name) < 2:
            continue
        if name.lower() in _AMBIGUOUS_NAMES:
            capital.append(re.escape(name[:1].upper() + name[1:]))
        else:
            plain.append(re.escape(name))
    parts = [f"(?i:{'|'.join(plain)})"] if plain else []
    if capital:
        parts.append("|".join(capital))
    if not parts:
        return None
    return re.compile(rf"(?<![\w@])@?(?:{'|'.join(parts)})(?!\w)")


def tokens(text: str, names: Collection[str] = ()) -> list[Token]:
    """The message as lower-case tokens; names, mentions, links and numbers become placeholders.

    Positions refer to ``text`` itself, so evidence can be quoted exactly as written.
    """
    text = text[:MAX_CHARS]
    spans: list[tuple[int, int, str]] = []  # placeholders: (start, end, token)
    pattern = _name_pattern(frozenset(names)) if names else None
    for regex, placeholder in ((_URL, "http"), (pattern, NAME), (_MENTION, NAME)):
        if regex is None:
            continue
        for found in regex.finditer(text):
            if not any(s < found.end() and found.start() < e for s, e, _ in spans):
                spans.append((found.start(), found.end(), placeholder))
    spans.sort()
    out: list[Token] = []
    cursor = 0
    for start, end, placeholder in (*spans, (len(text), len(text), "")):
        for found in _TOKEN.finditer(text, cursor, start):
            word = _DIGITS.sub("0", found.group().translate(_APOSTROPHES).lower())
            out.append(Token(word, found.start(), found.end()))
        if placeholder:
            out.append(Token(placeholder, start, end))
        cursor = end
    return out


def slot(feature: str) -> int:
    """The table slot of a feature (stable across processes and machines)."""
    return crc32(feature.encode()) & MASK


def word_features(word: str) -> tuple[str, ...]:
    """The word itself and, for a longer word, its first five letters.

    The prefix is a poor man's stem: "oppakken", "oppakt", "opgepakt"… and "handling",
    "handled" share it. Character n-grams inside words were measured too (grouped
    cross-validation, docs/guard.md) and did worse: they tie unrelated words together.
    """
    if len(word) > PREFIX and word[0].isalpha():
        return ("w:" + word, "p:" + word[:PREFIX])
    return ("w:" + word,)


@lru_cache(maxsize=65_536)
def word_slots(word: str) -> tuple[int, ...]:
    """:func:`word_features`, hashed (chat vocabulary repeats, so most words cost one lookup)."""
    return tuple(slot(feature) for feature in word_features(word))


def _length_bucket(count: int) -> str:
    for limit, name in ((1, "1"), (2, "2"), (3, "3"), (5, "4-5"), (8, "6-8"), (14, "9-14"), (25, "15-25")):
        if count <= limit:
            return name
    return "26+"


def named_features(message: list[Token], context: list[Token] | None = None) -> Iterator[tuple[str, int, int]]:
    """(feature, first token, last token) for every feature of a message; -1 for whole-message ones."""
    for i, token in enumerate(message):
        for feature in word_features(token.text):
            yield feature, i, i
    yield from _message_features(message, context)


def features(message: list[Token], context: list[Token] | None = None) -> Iterator[tuple[int, int, int]]:
    """:func:`named_features`, hashed to table slots (the words' own from a cache)."""
    for i, token in enumerate(message):
        for hashed in word_slots(token.text):
            yield hashed, i, i
    for feature, first, last in _message_features(message, context):
        yield slot(feature), first, last


def _message_features(message: list[Token], context: list[Token] | None) -> Iterator[tuple[str, int, int]]:
    """Length, question mark, word pairs and triples, and for a short reply the message before.

    Context (the message just before, in the channel or the thread) is read only for short
    replies: "I can" after "who can take the schools?" is a claim, "I can" alone is not.
    """
    words = [t.text for t in message]
    yield "len:" + _length_bucket(len(words)), -1, -1
    if "?" in words:
        yield "q:?", -1, -1
    padded = ["^", *words, "$"]
    for i in range(len(padded) - 1):
        yield "b:" + padded[i] + " " + padded[i + 1], max(i - 1, 0), min(i, len(words) - 1)
    for i in range(len(words) - 2):
        yield "t:" + " ".join(words[i:i + 3]), i, i + 2
    if context and len(words) <= SHORT_REPLY:
        # What the message before asked, not all its words: how it opens, whether it asks, whom it names.
        before = [t.text for t in context[-40:]]
        yield "sr", -1, -1
        if "?" in before:
            yield "sr:?", -1, -1
        if NAME in before:
            yield "sr:@", -1, -1
        yield "sr:^" + " ".join(before[:1]), -1, -1
        yield "sr:^" + " ".join(before[:2]), -1, -1
        for word in words:
            yield "sr&" + word, -1, -1
