"""Offline nl/en language guess from function words.

Why not simplemma's ``langdetect``: its first call loads dictionaries (~0.6 s) and each
call costs ~40 µs, which alone would eat the detector's whole per-message budget. The
guard only needs nl-vs-en to pick the reply language, and short chat messages are
dominated by function words, so counting those is both fast and accurate enough.
"""

from __future__ import annotations

import re

_NL = frozenset(
    [
        "de",
        "het",
        "een",
        "en",
        "ik",
        "je",
        "jij",
        "jullie",
        "wij",
        "we",
        "ze",
        "zij",
        "hij",
        "hem",
        "haar",
        "ons",
        "onze",
        "mijn",
        "mij",
        "me",
        "dat",
        "dit",
        "die",
        "deze",
        "is",
        "zijn",
        "ben",
        "bent",
        "was",
        "waren",
        "wordt",
        "worden",
        "word",
        "heb",
        "hebt",
        "heeft",
        "hebben",
        "had",
        "kan",
        "kun",
        "kunt",
        "kunnen",
        "wil",
        "wilt",
        "willen",
        "zal",
        "zullen",
        "zou",
        "zouden",
        "moet",
        "moeten",
        "mag",
        "mogen",
        "gaat",
        "gaan",
        "ga",
        "doe",
        "doet",
        "doen",
        "niet",
        "geen",
        "nog",
        "wel",
        "ook",
        "maar",
        "dus",
        "want",
        "omdat",
        "als",
        "dan",
        "toen",
        "van",
        "voor",
        "met",
        "aan",
        "op",
        "uit",
        "naar",
        "bij",
        "om",
        "over",
        "onder",
        "tussen",
        "tot",
        "door",
        "er",
        "hier",
        "daar",
        "waar",
        "wie",
        "wat",
        "waarom",
        "wanneer",
        "hoe",
        "welke",
        "iets",
        "niets",
        "niks",
        "iemand",
        "niemand",
        "alles",
        "allemaal",
        "even",
        "eens",
        "graag",
        "toch",
        "nu",
        "al",
        "ook",
        "heel",
        "veel",
        "weer",
        "zo",
        "mee",
        "laat",
        "laten",
        "goedemorgen",
        "hoi",
        "bedankt",
        "dank",
        "jullie",
        "oke",
        "oké",
        "ja",
        "nee",
        "eigenlijk",
        "misschien",
        "volgens",
        "eigenaar",
        "huurders",
        "bewoners",
        "brieven",
        "brief",
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "morgen",
        "vandaag",
    ]
)
_EN = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "me",
        "him",
        "her",
        "us",
        "them",
        "my",
        "your",
        "our",
        "their",
        "this",
        "that",
        "these",
        "those",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "being",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "not",
        "no",
        "yes",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "from",
        "by",
        "about",
        "as",
        "into",
        "over",
        "after",
        "before",
        "between",
        "who",
        "what",
        "why",
        "when",
        "where",
        "which",
        "how",
        "there",
        "here",
        "some",
        "any",
        "all",
        "just",
        "also",
        "but",
        "so",
        "then",
        "than",
        "if",
        "or",
        "because",
        "let",
        "let's",
        "i'll",
        "i'm",
        "i've",
        "you're",
        "we'll",
        "it's",
        "that's",
        "don't",
        "can't",
        "won't",
        "what's",
        "who's",
        "thanks",
        "thank",
        "hi",
        "hello",
        "morning",
        "please",
        "yeah",
        "okay",
        "ok",
        "sure",
        "anyone",
        "someone",
        "nobody",
        "everyone",
        "up",
        "out",
        "thx",
        "thnx",
        "lol",
    ]
)
_WORD = re.compile(r"[a-zà-ÿ']+")
# Spelling hints for messages without function words ("schuldhulpverlening oppakken?").
_NL_HINT = re.compile(r"ij|oe|ui|aa|uu|sch|eeu|ieu|cht")
_EN_HINT = re.compile(r"th|wh|ing\b|ph|tion|ou|ea|ck\b|w")


def guess_language(lowered: str) -> str:
    """Return ``"nl"`` or ``"en"`` for already-lowercased text (ties go to Dutch hints, then ``"en"``)."""
    nl = en = 0
    for word in _WORD.findall(lowered):
        if word in _NL:
            nl += 1
        if word in _EN:
            en += 1
    if nl != en:
        return "nl" if nl > en else "en"
    nl_hints = len(_NL_HINT.findall(lowered))
    en_hints = len(_EN_HINT.findall(lowered))
    return "nl" if nl_hints > en_hints else "en"


# Words both languages write the same way ("in", "is", "was", "ok"): no evidence either way.
_BOTH = frozenset(["in", "is", "was", "we", "me", "had", "over", "ok", "die", "hem", "ben", "van"])
# More Dutch spellings, for topics that are a few nouns ("Dakloosheid in Zuid", "huiselijk geweld").
_NL_SUFFIX = re.compile(r"heid\b|lijk|isch|uw")
CONFIDENT = 2  # a function word counts 2, a spelling hint 1; below this margin, nobody can tell


def confident_language(text: str) -> str | None:
    """``"nl"`` or ``"en"`` when ``text`` clearly is that language, else None.

    Stricter than :func:`guess_language` (which must always answer): a channel changes its
    language on this, so "ok", "domestic violence" or a lone name decide nothing.
    """
    lowered = text.lower()
    score = 0
    for word in _WORD.findall(lowered):
        if word in _BOTH:
            continue
        score += 2 * ((word in _NL) - (word in _EN))
    score += len(_NL_HINT.findall(lowered)) + len(_NL_SUFFIX.findall(lowered))
    score -= len(_EN_HINT.findall(lowered))
    if score >= CONFIDENT:
        return "nl"
    if score <= -CONFIDENT:
        return "en"
    return None
