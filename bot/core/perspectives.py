"""Who speaks for what: the disciplines in the room, which of them have been heard, and who
takes up the room.

The seed of the method is that the shared problem only appears when every perspective is on
the table; these are the numbers that let a facilitator see at a glance which one is not.
A person's discipline is what they said with ``/problem iam``, else what an answer of theirs
introduced ("Police here.").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core import draft_writer
from bot.core.context import Turn
from bot.core.model import ChannelState, Phase
from bot.core.script import Script

MAX_DISCIPLINE_CHARS = 80
DOMINANT_SHARE = 0.5  # one discipline wrote more than half of the words …
DOMINANT_MIN_WORDS = 40  # … of at least this many, with at least two disciplines in the room


def disciplines(state: ChannelState, script: Script) -> dict[str, str]:
    """user id -> discipline, for everyone who named one (``/problem iam`` wins over an introduction)."""
    words = script.pack(state.language).draft_words
    return dict(draft_writer.gather(state.answers, words, state.perspectives).disciplines)


@dataclass(frozen=True, slots=True)
class Share:
    """What one discipline (or one person who named none) contributed."""

    label: str  # the discipline, or the person's name
    people: tuple[str, ...]  # user ids, in order of first answer
    messages: int
    words: int


@dataclass(frozen=True, slots=True)
class Balance:
    """Contributions per discipline, most words first."""

    shares: tuple[Share, ...]

    @property
    def words(self) -> int:
        return sum(share.words for share in self.shares)

    @property
    def messages(self) -> int:
        return sum(share.messages for share in self.shares)

    def percent(self, share: Share) -> int:
        return round(100 * share.words / self.words) if self.words else 0

    @property
    def dominant(self) -> Share | None:
        """The discipline that took more than half of the words, once there is enough to judge."""
        if len(self.shares) < 2 or self.words < DOMINANT_MIN_WORDS:
            return None
        top = self.shares[0]
        return top if top.words > DOMINANT_SHARE * self.words else None


def balance(state: ChannelState, script: Script, step: int | None = None,
            known: Mapping[str, str] | None = None) -> Balance:
    """The answers (of question ``step``, or all) counted per discipline: messages and words."""
    known = disciplines(state, script) if known is None else known
    groups: dict[str, tuple[str, list[str], list[int]]] = {}  # key -> label, people, [messages, words]
    for answer in state.answers:
        if step is not None and answer.step != step:
            continue
        label = known.get(answer.user) or state.participants.get(answer.user, answer.user)
        key = _key(label) if answer.user in known else f"\0{answer.user}"
        found = groups.setdefault(key, (label, [], [0, 0]))
        if answer.user not in found[1]:
            found[1].append(answer.user)
        found[2][0] += 1
        found[2][1] += len(answer.text.split())
    shares = [Share(label, tuple(people), counts[0], counts[1]) for label, people, counts in groups.values()]
    shares.sort(key=lambda share: (-share.words, -share.messages))
    return Balance(tuple(shares))


@dataclass(frozen=True, slots=True)
class Heard:
    """Of one question: the disciplines heard, and those present but silent."""

    heard: tuple[str, ...]  # disciplines (or names) of those who answered
    silent: tuple[tuple[str, tuple[str, ...]], ...]  # a discipline nobody answered for, and its people
    unnamed: tuple[str, ...]  # silent participants who named no discipline (user ids)


def heard(state: ChannelState, script: Script, step: int, known: Mapping[str, str] | None = None) -> Heard:
    known = disciplines(state, script) if known is None else known
    answered = list(dict.fromkeys(a.user for a in state.answers if a.step == step))
    heard_labels = list(dict.fromkeys(known.get(u) or state.participants.get(u, u) for u in answered))
    heard_keys = {_key(known[u]) for u in answered if u in known}
    silent: dict[str, tuple[str, list[str]]] = {}
    unnamed: list[str] = []
    for user in state.participants:
        if user in answered:
            continue
        if user not in known:
            unnamed.append(user)
        elif _key(known[user]) not in heard_keys:
            silent.setdefault(_key(known[user]), (known[user], []))[1].append(user)
    return Heard(tuple(heard_labels), tuple((label, tuple(people)) for label, people in silent.values()),
                 tuple(unnamed))


def cleaned(text: str) -> str:
    """A discipline as people will see it: one line, no mention syntax, not too long."""
    text = " ".join(text.replace("<", " ").replace(">", " ").split()).strip(" .,;:")
    return text[:MAX_DISCIPLINE_CHARS].rstrip()


def _key(discipline: str) -> str:
    return " ".join(discipline.lower().split())


# --------------------------------------------------------------------------- in the chat


def iam(turn: Turn, args: str) -> None:
    """``/problem iam police, community officer``: what the sender speaks for (``@carol housing``:
    the facilitator says it for someone else). Alone, it takes the platform profile's title."""
    target, rest = turn.sender.id, args.strip()
    if rest.startswith(("@", "<@")):
        named = _participant_named(turn, rest)
        if named is None:
            turn.tell("iam_who", who=rest.split()[0])
            return
        target, rest = named
        if target != turn.sender.id and not turn.steers():
            return
    discipline = cleaned(rest) or (cleaned(turn.sender.title) if target == turn.sender.id else "")
    if not discipline:
        current = turn.state.perspectives.get(target)
        turn.tell("iam_current" if current else "iam_usage", discipline=current or "")
        return
    turn.update(perspectives={**turn.state.perspectives, target: discipline})
    turn.post(turn.t("iam_set", name=turn.name(target), discipline=discipline))


def _participant_named(turn: Turn, text: str) -> tuple[str, str] | None:
    """The participant ``text`` starts with (``<@U1>``, ``@Carol Smith``), and the rest of it."""
    if text.startswith("<@"):
        mention, _, rest = text.partition(">")
        user = mention[2:].split("|")[0]
        return (user, rest) if user in turn.state.participants else None
    lowered = text[1:].lower()
    best: tuple[str, str] | None = None
    longest = 0
    for user, name in turn.state.participants.items():
        for candidate in (name, user):
            end = lowered[len(candidate):len(candidate) + 1]
            if candidate and lowered.startswith(candidate.lower()) and end in ("", " ", ",", ":") \
                    and len(candidate) > longest:
                best, longest = (user, text[1 + len(candidate):].lstrip(" ,:")), len(candidate)
    return best


def attributed(turn: Turn) -> bool:
    """Whether the open question asks for perspectives (the script's ``attributed`` questions)."""
    words = turn.script.pack(turn.state.language).draft_words
    return turn.question.id in words.attributed


def room_lines(turn: Turn, names: bool = True) -> list[str]:
    """For a perspectives question: the disciplines heard on it, those present but silent, and
    who has not said what they speak for. Empty for any other question. Without ``names``
    (a check-in in its mention cool-down) disciplines only, and a count of the others."""
    if turn.state.phase is not Phase.ANALYSIS or not attributed(turn):
        return []
    known = disciplines(turn.state, turn.script)
    found = heard(turn.state, turn.script, turn.state.step, known)
    lines = [turn.t("perspectives_heard", heard=", ".join(found.heard) or turn.t("perspectives_nobody"))]
    if names:
        waiting = [f"{label} ({turn.names([turn.name(u) for u in people])})" for label, people in found.silent]
        waiting += [turn.name(u) for u in found.unnamed]
    else:
        waiting = [label for label, _ in found.silent]
        waiting += [turn.t("perspectives_others", count=len(found.unnamed))] if found.unnamed else []
    lines.append(turn.t("perspectives_not_yet", silent=", ".join(waiting)) if waiting
                 else turn.t("perspectives_all_heard"))
    unnamed = [u for u in turn.state.participants if u not in known]
    if unnamed and names:
        lines.append(turn.t("perspectives_unnamed", names=turn.names([turn.name(u) for u in unnamed])))
    return lines


def balance_lines(turn: Turn) -> list[str]:
    """``status``: who has written how much, on this question and in all, and who dominates."""
    state = turn.state
    if not state.answers:
        return []
    known = disciplines(state, turn.script)
    lines = []
    if state.phase is Phase.ANALYSIS:
        here = balance(state, turn.script, state.step, known)
        if here.shares:
            lines.append(turn.t("status_balance_question", shares=_shares(turn, here)))
    overall = balance(state, turn.script, None, known)
    lines.append(turn.t("status_balance", shares=_shares(turn, overall)))
    top = overall.dominant
    if top is not None:
        lines.append(turn.t("status_dominant", label=top.label, percent=overall.percent(top)))
    return lines


def _shares(turn: Turn, counted: Balance) -> str:
    return ", ".join(turn.t("balance_share", label=share.label, percent=counted.percent(share),
                            messages=share.messages, words=share.words) for share in counted.shares)
