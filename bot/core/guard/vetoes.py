"""Clause-scoped vetoes: contexts in which a cue is *not* task division.

ConText/NegEx idea: a trigger (negation, deferral, past, hypothetical, …) only acts inside
its clause. Each veto names the cue families it can cancel: "that's not our job" is a
deflection *because* of its negation, so negation never cancels ``deflect``.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

from bot.core.guard.cues import ACTION_ITEM, ASSIGN, CLAIM, DEFLECT, DIVIDE, OWNER_QUESTION

_ALL = frozenset({CLAIM, ASSIGN, OWNER_QUESTION, ACTION_ITEM, DIVIDE, DEFLECT})
_NOT_DEFLECT = _ALL - {DEFLECT}
_PERSONAL = frozenset({CLAIM, ASSIGN, OWNER_QUESTION})

_MONTHS_EN = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTHS_NL = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"


@dataclass(frozen=True, slots=True)
class Veto:
    """A clause context that cancels cues of ``families``.

    ``before_cue`` limits it to triggers left of the cue ("if …" scopes forward only).
    """

    name: str
    families: frozenset[str]
    regex: re.Pattern[str]
    before_cue: bool = False


VETOES: tuple[Veto, ...] = (
    Veto(
        "negation",
        _NOT_DEFLECT,
        re.compile(
            r"\b(?:not|no need|no (?:action|owners?|tasks?|roles?|division)|never|nothing|none|rather not|"
            r"niet|geen|nooit|niks|niets|hoeven|hoeft|(?:don|doesn|didn|won|can|isn|aren|wasn|weren|shouldn|"
            r"wouldn|couldn|haven|hasn|mustn|ain)'?t)\b"
        ),
    ),
    Veto(
        "deferral",
        _NOT_DEFLECT,
        re.compile(
            r"\b(?:yet|later|until|till|park|parkeren|hold off|hold (?:the|on|it)|wait|wachten|too early|"
            r"premature\w*|first the|after we|once we|once the|before we|uitstellen|te vroeg|voordat|zodra|"
            r"na de probleemstelling|dan pas|straks pas|eerst (?:het|de) probleem)\b"
        ),
    ),
    Veto(
        "process",
        _NOT_DEFLECT,
        re.compile(
            r"^(?:when|wanneer|how(?! about)|hoe|at what point|what happens|wat gebeurt|why(?! don'?t we)|"
            r"waarom|is there|is er|how long|hoelang|op welk moment)\b|"
            r"\b(?:bot|process|proces|phase|fase|vote|voting|stemmen|agenda|session|sessie)\b"
        ),
    ),
    Veto(
        "past",
        _ALL,
        re.compile(
            rf"\b(?:said|says|told|promised|mentioned|claimed|agreed to|offered to|used to|"
            rf"(?:should|would|could|might|must)(?:'ve| have)|"
            rf"last (?:week|month|year|time|night|\w+day)|yesterday|"
            rf"ago|back then|previously|previous|earlier this|the other day|"
            rf"in (?:{_MONTHS_EN})|in (?:19|20)\d\d|"
            rf"zei|zeiden|zegt|beloofde|beloofden|vertelde|vorige|vorig|gisteren|geleden|toen|vroeger|destijds|"
            rf"in (?:{_MONTHS_NL})|pakte|pakten|belde|belden|nam|regelde|regelden|deed|deden|wees|"
            rf"handelde|handelden|werd|ging|gingen|opgepakt|aangepakt|gebeld|verdeeld|toegewezen|opgesplitst|"
            rf"overgenomen|gerepareerd|hadden|zou(?! (?:jij|je|u|jullie)\b))\b"
        ),
    ),
    Veto(
        "hypothetical",
        _ALL,
        re.compile(
            r"\b(?:suppose|supposing|imagine|what if|even if|in case|assuming|hypothetically|say (?:the|we)|"
            r"would(?! (?:you|anyone|someone|somebody)\b)|stel dat|stel je voor|mocht|mochten|indien|wat als|"
            r"ook als|zouden)\b"
        ),
    ),
    Veto(
        "hypothetical",
        _ALL,
        re.compile(r"\b(?:if|als (?:we|wij|je|jij|jullie|ik|iemand|het|de|die|er|ze|zij|hij))\b"),
        before_cue=True,
    ),
    Veto(
        "habitual",
        _PERSONAL,
        re.compile(
            r"\b(?:always|usually|normally|typically|currently|generally|often|tends? to|every time|altijd|"
            r"meestal|normaal|normaliter|vaak|tegenwoordig|doorgaans|steeds|telkens)\b"
        ),
    ),
    Veto(
        "problem analysis",
        _NOT_DEFLECT,
        re.compile(
            r"\b(?:nobody|no one|no-one|noone|niemand|someone else|somebody else|een ander|iemand anders|"
            r"unclear|"
            r"onduidelijk|not clear|niet duidelijk|(?:don'?t|doesn'?t|do not) know (?:who|what)|weten niet|"
            r"weet niet|the problem is|the issue is|issue is that|problem is that|the real issue|"
            r"part of the (?:issue|problem)|which is why|that'?s why|het probleem is|het echte probleem|"
            r"deel van het (?:probleem|patroon)|everyone assumes|iedereen denkt|iedereen aanneemt|"
            r"elke instantie|every agency|each party|elke partij|versnipperd|fragmented)\b"
        ),
    ),
    Veto(
        "problem statement",
        _PERSONAL,
        re.compile(
            r"\b(?:problem statement|probleemstelling|statement|wording|formulering|summar\w+|samenvat\w*|"
            r"vat\b.{0,40}\bsamen|rephrase|herformul\w+|first draft|the draft|a draft|het concept|"
            r"eerste versie|"
            r"first version|kortere versie|shorter version|in (?:one|een|één) (?:sentence|zin)|"
            r"causes|oorzaken|"
            r"(?:write down|describe|formulate|define|summari[sz]e) (?:the|our) problem|the problem as|"
            r"(?:het|ons) probleem\b.{0,30}"
            r"\b(?:opschrijven|beschrijven|formuleren|verwoorden|vatten|zeggen))\b"
        ),
    ),
    Veto(
        "social",
        _PERSONAL,
        re.compile(
            r"\b(?:late|coffee|koffie|lunch|lunchen|brb|offline|holiday|vakantie|sick|ziek|be back|zo terug|"
            r"quieter room|stillere ruimte|back in \d+)\b"
        ),
    ),
)

# Objects of information gathering: a claim about these is fact-finding, capped to strict.
INFO_OBJECT = re.compile(
    r"\b(?:figures|numbers|data|logs?|stats|statistics|how many|how often|how long|cijfers|\w+cijfers|"
    r"\w*data|\w*logs?|hoeveel|hoe vaak|hoe lang|gegevens)\b"
)
# "first the problem, then the task split": the deferral reaches across the "then" split.
FIRST_THEN = re.compile(r"\b(?:first|eerst)\b.{0,80}?\b(?:then|dan)\b")


def veto_for(clause: str, family: str, cue_start: int, possible: Container[int] | None = None) -> str | None:
    """Name of the first veto that cancels a ``family`` cue starting at ``cue_start``, else None.

    ``possible`` (indices into VETOES) skips vetoes whose trigger words are absent.
    """
    for index, veto in enumerate(VETOES):
        if family not in veto.families or (possible is not None and index not in possible):
            continue
        match = veto.regex.search(clause)
        if match is None:
            continue
        if veto.before_cue and match.start() > cue_start:
            continue
        return veto.name
    return None
