"""Task-talk detector: rules for "who does what" talk in Dutch and English (issue 3).

Why rules and not a model: the guard runs on every message, must explain itself ("this
looks like task division: 'ik pak … op'"), must work offline and start instantly, and the
research notes show that explicit division talk is lexical. Every message is checked
against both languages' cues (code-switching is normal), clause by clause, and each cue
can be cancelled by a veto in its own clause (negation, deferral, past, hypothetical,
problem analysis, …). The message score is the best surviving clause score.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from bot.core.guard.clauses import split_clauses
from bot.core.guard.cues import DEFLECT, EN_CUES, NL_CUES, Cue
from bot.core.guard.gate import GateIndex
from bot.core.guard.language import guess_language
from bot.core.guard.lexicon import DEADLINE
from bot.core.guard.vetoes import FIRST_THEN, INFO_OBJECT, VETOES, veto_for
from bot.core.model import Strictness

#: Score at or above which a message is held, per strictness (off/observe never hold).
THRESHOLDS: dict[Strictness, float] = {Strictness.GENTLE: 0.7, Strictness.STRICT: 0.45}
#: Only the start of very long messages is analysed, which keeps the guard's cost bounded.
MAX_CHARS = 20_000
#: Information gathering is capped here: below gentle, at or above strict.
INFO_CAP = 0.5
#: A deadline ("by friday", "morgen") only strengthens a cue that already fired.
DEADLINE_BONUS = 0.1

_NAME_TOKEN = "\x01"
# Strongest first, so a clause stops looking once nothing stronger is left.
_CUES: tuple[Cue, ...] = tuple(sorted(EN_CUES + NL_CUES, key=lambda c: -c.score))


# One gate index over cues, then vetoes, then the deadline pattern (see gate.py).
_N_CUES = len(_CUES)
_N_VETOES = len(VETOES)
_DEADLINE_ID = _N_CUES + _N_VETOES
_INDEX = GateIndex(
    [(cue.regex, cue.gate) for cue in _CUES] + [(veto.regex, ()) for veto in VETOES] + [(DEADLINE, ())]
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "\x01": " "})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_MENTION = re.compile(r"@[\w.-]+")
# Participant names that are also common words ("Ben" / "ik ben", "Will" / "I will") only
# count when capitalised or @mentioned.
_AMBIGUOUS_NAMES = frozenset(
    [
        "ben",
        "will",
        "mark",
        "bill",
        "may",
        "rob",
        "pat",
        "guy",
        "frank",
        "hope",
        "joy",
        "max",
        "an",
        "van",
        "de",
        "den",
        "ter",
        "bas",
        "kim",
        "sky",
        "april",
        "june",
        "august",
        "rose",
    ]
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The detector's judgement of one message; ``cue`` explains it to the team."""

    task_talk: bool  # verdict at the default strictness (gentle)
    score: float  # 0..1
    lang: str  # "nl" | "en"
    cue: str | None  # short human-readable cue that fired, e.g. "ik pak … op"
    family: str | None = None  # claim | assign | owner_question | action_item | divide | deflect

    def holds(self, strictness: Strictness) -> bool:
        """Whether the guard holds this message at ``strictness`` (off/observe: never)."""
        threshold = THRESHOLDS.get(strictness)
        return threshold is not None and self.score >= threshold


@lru_cache(maxsize=256)
def _name_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    """One regex for a roster: case-insensitive, except ambiguous names must be capitalised."""
    plain: list[str] = []
    capital: list[str] = []
    for raw in sorted(names, key=len, reverse=True):
        name = raw.strip().lstrip("@")
        if not name:
            continue
        if name.lower() in _AMBIGUOUS_NAMES:
            capital.append(re.escape(name[:1].upper() + name[1:]))
        else:
            plain.append(re.escape(name))
    parts = []
    if plain:
        parts.append(f"(?i:{'|'.join(plain)})")
    if capital:
        parts.append("|".join(capital))
    if not parts:
        return None
    return re.compile(rf"(?<![\w@])@?(?:{'|'.join(parts)})(?!\w)")


def _normalise(text: str, names: Collection[str]) -> tuple[str, str | None]:
    """Lowercased text with names replaced by the name token; also the first name seen."""
    text = text.translate(_APOSTROPHES)
    first: str | None = None
    if names:
        pattern = _name_pattern(frozenset(names))
        if pattern is not None:
            found = pattern.search(text)
            if found is not None:
                first = found.group(0)
                text = pattern.sub(_NAME_TOKEN, text)
    if "@" in text:
        found = _MENTION.search(text)
        if found is not None:
            first = first or found.group(0)
            text = _MENTION.sub(_NAME_TOKEN, text)
    return _SPACES.sub(" ", text.lower()), first


def _label(cue: Cue, match: re.Match[str], name: str | None) -> str:
    label = cue.label
    if "{v}" in label:
        verb = match.groupdict().get("v") or "…"
        label = label.replace("{v}", verb)
    if "<name>" in label or "<naam>" in label:
        shown = name or "…"
        label = label.replace("<name>", shown).replace("<naam>", shown)
    return label


def _score_clause(clause: str, deferred: bool, name: str | None) -> tuple[float, Cue | None, str | None]:
    best_score, best_cue, best_label = 0.0, None, None
    deadline: bool | None = None
    starts = _INDEX.candidates(clause)
    if not starts:
        return best_score, best_cue, best_label
    possible_vetoes: set[int] | None = None
    for index in sorted(starts):
        if index >= _N_CUES:
            break
        cue = _CUES[index]
        if cue.score <= best_score:
            break
        positions = starts[index]
        match: re.Match[str] | None = None
        if positions is None:
            match = cue.regex.search(clause)
        else:
            for position in positions:
                match = cue.regex.match(clause, position)
                if match is not None:
                    break
        if match is None:
            continue
        if deferred and cue.family != DEFLECT:
            continue
        if possible_vetoes is None:
            possible_vetoes = {i - _N_CUES for i in starts if _N_CUES <= i < _DEADLINE_ID}
        if veto_for(clause, cue.family, match.start(), possible_vetoes) is not None:
            continue
        score = cue.score
        if cue.info or (cue.family != DEFLECT and INFO_OBJECT.search(clause) and cue.score < 0.95):
            score = min(score, INFO_CAP)
        else:
            if deadline is None:
                deadline = _DEADLINE_ID in starts and DEADLINE.search(clause) is not None
            if deadline:
                score = min(1.0, score + DEADLINE_BONUS)
        if score > best_score:
            best_score, best_cue, best_label = score, cue, _label(cue, match, name)
    return best_score, best_cue, best_label


def detect(text: str, names: Collection[str] = ()) -> Verdict:
    """Judge one chat message; ``names`` are the channel participants' display names."""
    if not isinstance(text, str):
        text = str(text)
    lowered, first_name = _normalise(text[:MAX_CHARS], names)
    lang = guess_language(lowered)
    deferred = ("first" in lowered or "eerst" in lowered) and FIRST_THEN.search(lowered) is not None
    best_score, best_cue, best_label = 0.0, None, None
    for clause in split_clauses(lowered):
        score, cue, label = _score_clause(clause, deferred, first_name)
        if score > best_score:
            best_score, best_cue, best_label = score, cue, label
    best_score = round(min(1.0, max(0.0, best_score)), 3)
    return Verdict(
        task_talk=best_score >= THRESHOLDS[Strictness.GENTLE],
        score=best_score,
        lang=lang,
        cue=best_label,
        family=best_cue.family if best_cue is not None else None,
    )
