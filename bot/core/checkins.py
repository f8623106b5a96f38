"""Scheduled check-ins, the channel's time zone and the statement review: pure handlers.

A rule change emits ``Schedule("checkin", at)`` (or ``Unschedule``); the shell sends
``Tick("checkin")`` at that moment and the check-in says what matters in the current
phase. The engine, not the shell, decides whether there is anything worth saying: a
paused channel, or one that ignored the previous check-in, is left in peace.

Tick kinds: ``checkin``, ``checkin_missed`` (the shell found the slot too late: move on
to the next one without posting), ``review``. ``vote_deadline`` belongs to
:mod:`bot.core.agreement`. The sub-command words (``now``, ``off``, ``pause``...) are the
``checkin`` words of the language files.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.core import draft_writer, perspectives
from bot.core.context import Turn
from bot.core.dates import calendar
from bot.core.model import CheckinState, MessageKind, Observed, Phase, Schedule, TaskStatus, TickKind, Unschedule
from bot.core.schedule import (
    Rule,
    ScheduleError,
    local_date,
    next_occurrence,
    parse_deadline,
    parse_pause,
    parse_rule,
    zone,
)

# Consecutive unanswered check-ins after which we say so once and go quiet.
QUIET_AFTER = {Phase.AGREED: 1}
QUIET_AFTER_DEFAULT = 2

# State that, when a person changes it, counts as activity in the channel.
_ACTIVITY_FIELDS = ("phase", "step", "answers", "drafts", "rounds", "statement", "tasks", "parked")


# --------------------------------------------------------------------------- helpers


def _set(turn: Turn, **changes: Any) -> None:
    turn.update(checkins=replace(turn.state.checkins, **changes))


def today(turn: Turn) -> date:
    return local_date(turn.now, zone(turn.state.timezone))


def when(turn: Turn, instant: datetime) -> str:
    """``Mon 30 Nov 2026, 09:00`` in the channel's time zone and language."""
    return calendar(turn.script, turn.state.language).moment(instant, turn.state.timezone)


def on_day(turn: Turn, value: date) -> str:
    """``Mon 4 Jan 2027``: a calendar date in the channel's language."""
    return calendar(turn.script, turn.state.language).day(value)


def describe(turn: Turn, rule: Rule) -> str:
    names = turn.t("day_names").split()
    days = ", ".join(names[d] for d in rule.days)
    clock = rule.at.strftime("%H:%M")
    return turn.t(f"rule_{rule.kind}", days=days, time=clock, interval=rule.interval)


def tell_error(turn: Turn, error: ScheduleError, text: str) -> None:
    """A polite refusal that shows a valid example (the text key depends on what failed)."""
    key = {"rule": "checkin_usage", "deadline": "deadline_usage", "past": "deadline_past",
           "pause": "pause_usage", "timezone": "tz_unknown"}[error.code]
    turn.tell(key, text=text)


def _may_change(turn: Turn) -> bool:
    """Anyone sets up a channel where nothing runs; during a session, its facilitator."""
    return turn.state.phase is Phase.IDLE or turn.steers()


def _rule(turn: Turn) -> Rule | None:
    text = turn.state.checkins.rule
    return parse_rule(text, today(turn)) if text else None


def _pause_date(state: CheckinState) -> date | None:
    return date.fromisoformat(state.paused_until) if state.paused_until else None


def reschedule(turn: Turn) -> datetime | None:
    """Ask the shell for the next check-in slot (after a pause, if any); None when off."""
    rule = _rule(turn)
    if rule is None:
        _set(turn, next_at=None)
        turn.emit(Unschedule(kind=TickKind.CHECKIN))
        return None
    resume = _pause_date(turn.state.checkins)
    if resume is not None and resume <= today(turn):
        _set(turn, paused_until=None)
        resume = None
    at = next_occurrence(rule, turn.now, turn.state.timezone, resume)
    _set(turn, next_at=at)
    turn.emit(Schedule(kind=TickKind.CHECKIN, at=at))
    return at


def note_activity(turn: Turn, before: object) -> None:
    """Called by ``decide`` after a person's event: did it change the work itself?"""
    state = turn.state
    # Identity first: a field the event left alone is the same object (states are immutable).
    if any(
        (old := getattr(before, name)) is not (new := getattr(state, name)) and old != new
        for name in _ACTIVITY_FIELDS
    ):
        _set(turn, last_activity_at=turn.now, backed_off=False, unanswered=0)


# --------------------------------------------------------------------------- commands


def checkin(turn: Turn, args: str) -> None:
    head, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    word = turn.script.means("checkin", head) if head else "status"
    switch = turn.script.means("checkin", rest)
    if word == "status" and not rest:
        _status(turn)
    elif word == "now" and not rest:
        _checkin_now(turn)
    elif word == "off" and not rest:
        if _may_change(turn):
            _set(turn, rule="", paused_until=None)
            reschedule(turn)
            turn.post(turn.t("checkin_off"))
    elif word == "pause":
        _pause(turn, rest, args)
    elif word == "resume" and not rest:
        _resume(turn)
    elif word == "mentions" and switch in ("on", "off"):
        if _may_change(turn):
            on = switch == "on"
            _set(turn, mentions=on)
            turn.post(turn.t("checkin_mentions_on" if on else "checkin_mentions_off"))
    else:
        _set_rule(turn, args)


def _checkin_now(turn: Turn) -> None:
    """A check-in on request: it can mention everyone, so it is the facilitator's (or an admin's)."""
    if not turn.is_facilitator:
        turn.tell("checkin_now_facilitator_only", facilitator=turn.name(turn.state.facilitator))
        return
    until = _mentions_resume_at(turn)
    if post_checkin(turn) and until is not None:
        minutes = int(turn.policy.checkin_mention_cooldown.total_seconds() // 60)
        turn.tell("checkin_now_no_mentions", minutes=minutes, at=when(turn, until))


def _set_rule(turn: Turn, args: str) -> None:
    try:
        rule = parse_rule(args, today(turn), turn.script.lexicon("schedule"))
    except ScheduleError as error:
        tell_error(turn, error, args)
        return
    if not _may_change(turn):
        return
    _set(turn, rule=rule.canonical(), backed_off=False, unanswered=0)
    at = reschedule(turn)
    assert at is not None
    turn.post(turn.t("checkin_set", rule=describe(turn, rule), zone=turn.state.timezone, next=when(turn, at)))


def _pause(turn: Turn, rest: str, args: str) -> None:
    try:
        resume = parse_pause(rest, today(turn), turn.script.lexicon("schedule"))
    except ScheduleError as error:
        tell_error(turn, error if error.code != "rule" else ScheduleError("pause"), args)
        return
    if not turn.state.checkins.rule:
        turn.tell("checkin_none")
        return
    if not _may_change(turn):
        return
    _set(turn, paused_until=resume.isoformat())
    at = reschedule(turn)
    assert at is not None
    turn.post(turn.t("checkin_paused", date=on_day(turn, resume), next=when(turn, at)))


def _resume(turn: Turn) -> None:
    if turn.state.checkins.paused_until is None:
        turn.tell("checkin_not_paused")
        return
    if not _may_change(turn):
        return
    _set(turn, paused_until=None)
    at = reschedule(turn)
    if at is None:
        turn.post(turn.t("checkin_off"))
    else:
        turn.post(turn.t("checkin_resumed", next=when(turn, at)))


def _status(turn: Turn) -> None:
    state = turn.state.checkins
    rule = _rule(turn)
    if rule is None:
        lines = [turn.t("checkin_none")]
    else:
        lines = [turn.t("checkin_status", rule=describe(turn, rule), zone=turn.state.timezone,
                        next=when(turn, state.next_at) if state.next_at else "-")]
        if state.paused_until:
            lines.append(turn.t("checkin_status_paused", date=on_day(turn, date.fromisoformat(state.paused_until))))
        lines.append(turn.t("checkin_status_mentions_on" if state.mentions else "checkin_status_mentions_off"))
    vote_round = turn.state.open_round
    if vote_round is not None and vote_round.deadline is not None:
        lines.append(turn.t("checkin_status_vote", at=when(turn, vote_round.deadline)))
    if state.review_at is not None:
        lines.append(turn.t("checkin_status_review", at=when(turn, state.review_at)))
    turn.tell_text("\n".join(lines))


def tz(turn: Turn, args: str) -> None:
    name = args.strip()
    if not name:
        turn.tell("tz_current", zone=turn.state.timezone, time=when(turn, turn.now))
        return
    try:
        zone(name)
    except ScheduleError as error:
        tell_error(turn, error, name)
        return
    if not _may_change(turn):
        return
    turn.update(timezone=name)
    turn.post(turn.t("tz_set", zone=name, time=when(turn, turn.now)))
    if turn.state.checkins.rule:
        reschedule(turn)  # same wall-clock time, new zone


def review(turn: Turn, args: str) -> None:
    text = args.strip()
    if turn.script.means("checkin", text) == "off":
        _set(turn, review_at=None)
        turn.emit(Unschedule(kind=TickKind.REVIEW))
        turn.post(turn.t("review_off"))
        return
    if turn.state.phase is not Phase.AGREED:
        turn.tell("review_not_agreed")
        return
    if not text:
        turn.tell("review_usage")
        return
    try:
        at = parse_deadline(text, turn.now, turn.state.timezone, turn.script.lexicon("schedule"))
    except ScheduleError as error:
        tell_error(turn, error, text)
        return
    _set(turn, review_at=at)
    turn.emit(Schedule(kind=TickKind.REVIEW, at=at))
    turn.post(turn.t("review_set", at=when(turn, at)))


# --------------------------------------------------------------------------- ticks


def tick(turn: Turn, kind: TickKind) -> None:
    if kind in (TickKind.CHECKIN, TickKind.CHECKIN_MISSED):
        _checkin_tick(turn, missed=kind is TickKind.CHECKIN_MISSED)
    elif kind is TickKind.REVIEW:
        _review_tick(turn)


def _checkin_tick(turn: Turn, *, missed: bool) -> None:
    state = turn.state.checkins
    if not state.rule:
        turn.emit(Unschedule(kind=TickKind.CHECKIN))  # the rule went away (off, reset)
        return
    if state.next_at is not None and turn.now < state.next_at:
        turn.emit(Schedule(kind=TickKind.CHECKIN, at=state.next_at))  # an old slot; keep the current one
        return
    reschedule(turn)
    if missed:
        turn.emit(Observed(what="checkin_missed"))
        return
    resume = _pause_date(turn.state.checkins)
    if turn.state.phase is Phase.IDLE or (resume is not None and today(turn) < resume):
        return
    answered = state.last_posted_at is None or (
        state.last_activity_at is not None and state.last_activity_at > state.last_posted_at
    )
    unanswered = 0 if answered else state.unanswered + 1
    if unanswered >= QUIET_AFTER.get(turn.state.phase, QUIET_AFTER_DEFAULT):
        if state.backed_off:
            _set(turn, unanswered=unanswered)
            return
        turn.post(turn.t("checkin_backoff"), kind=MessageKind.CHECKIN, title=turn.t("checkin_title"))
        _set(turn, backed_off=True, unanswered=unanswered, last_posted_at=turn.now)
        return
    post_checkin(turn)
    _set(turn, unanswered=unanswered)


def post_checkin(turn: Turn) -> bool:
    """The check-in itself: what matters now, for the phase we are in. True if the cool-down
    held back mentions it would have made.

    Within the mention cool-down it still says where we are, with counts instead of names:
    whoever asked gets the overview, and nobody is paged twice in a short while.
    """
    state = turn.state
    composer = _COMPOSERS.get(state.phase)
    if composer is None:
        return False
    cooling = _mentions_resume_at(turn) is not None
    text, mentioned = composer(turn, state.checkins.mentions and not cooling)
    held = cooling and state.checkins.mentions and bool(composer(turn, True)[1])
    turn.post(text, kind=MessageKind.CHECKIN, title=turn.t("checkin_title"), mentions=tuple(mentioned))
    _set(turn, last_posted_at=turn.now, backed_off=False, unanswered=0)
    if mentioned:
        _set(turn, last_mentioned_at=turn.now)
    return held


def _mentions_resume_at(turn: Turn) -> datetime | None:
    """When the channel may be mentioned again; None: now (no recent mention, or no cool-down)."""
    last, cooldown = turn.state.checkins.last_mentioned_at, turn.policy.checkin_mention_cooldown
    if last is None or cooldown <= timedelta(0) or turn.now >= last + cooldown:
        return None
    return last + cooldown


def _people(turn: Turn, users: list[str]) -> str:
    return ", ".join(turn.name(u) for u in users)


def _analysis(turn: Turn, names: bool) -> tuple[str, list[str]]:
    state = turn.state
    answered = {a.user for a in state.answers if a.step == state.step}
    waiting = [u for u in state.participants if u not in answered]
    lines = [turn.t("checkin_analysis", number=state.step + 1, total=len(turn.questions),
                    title=turn.question.title, prompt=turn.question.prompt,
                    count=len(answered & set(state.participants)), people=len(state.participants))]
    lines += perspectives.room_lines(turn, names)
    if not waiting:
        lines.append(turn.t("checkin_analysis_all", facilitator=turn.name(state.facilitator)))
        return "\n".join(lines), []
    if not names:
        return "\n".join(lines), []
    lines.append(turn.t("checkin_waiting_answer", names=_people(turn, waiting)))
    return "\n".join(lines), waiting


def _drafting(turn: Turn, names: bool = False) -> tuple[str, list[str]]:
    current = turn.state.current_draft
    if current is None:
        return turn.t("checkin_drafting_none"), []
    text = draft_writer.quoted(current.text, turn.script, turn.state.language)
    return turn.t("checkin_drafting", version=current.version, text=text), []


def _voting(turn: Turn, names: bool) -> tuple[str, list[str]]:
    state = turn.state
    vote_round = state.open_round
    if vote_round is None:  # pragma: no cover - VOTING always has an open round
        return _drafting(turn)
    voted = {v.user for v in vote_round.votes}
    waiting = [u for u in state.participants if u not in voted]
    lines = [turn.t("checkin_voting", version=vote_round.version, voted=len(voted & set(state.participants)),
                    total=len(state.participants))]
    mentioned = waiting if waiting and names else []
    if mentioned:
        lines.append(turn.t("checkin_waiting_vote", names=_people(turn, mentioned)))
    if vote_round.deadline is not None:
        lines.append(turn.t("checkin_deadline", at=when(turn, vote_round.deadline)))
    else:
        lines.append(turn.t("checkin_no_deadline"))
    return "\n".join(lines), mentioned


def _agreed(turn: Turn, names: bool) -> tuple[str, list[str]]:
    return turn.t("checkin_agreed", **_statement_params(turn)), []


def _statement_params(turn: Turn) -> dict[str, object]:
    state = turn.state
    statement = state.statement
    open_tasks = [t for t in state.tasks if t.status is not TaskStatus.DONE]
    if open_tasks:
        tasks = "\n".join([turn.t("checkin_tasks_header"),
                           *(turn.t("task_line", id=t.id, owner=turn.name(t.owner), text=t.text)
                             for t in open_tasks)])
    else:
        tasks = turn.t("checkin_no_tasks")
    return {
        "version": statement.version if statement else "-",
        "text": statement.text if statement else "",
        "agreed": when(turn, statement.agreed_at) if statement else "-",
        "tasks": tasks,
    }


_COMPOSERS = {Phase.ANALYSIS: _analysis, Phase.DRAFTING: _drafting, Phase.VOTING: _voting,
              Phase.AGREED: _agreed}


def _review_tick(turn: Turn) -> None:
    state = turn.state.checkins
    if state.review_at is None:
        turn.emit(Unschedule(kind=TickKind.REVIEW))
        return
    if turn.now < state.review_at:
        turn.emit(Schedule(kind=TickKind.REVIEW, at=state.review_at))
        return
    _set(turn, review_at=None)
    turn.emit(Unschedule(kind=TickKind.REVIEW))
    if turn.state.phase is not Phase.AGREED:
        return  # reopened meanwhile: the statement is being redrafted anyway
    turn.post(turn.t("review", **_statement_params(turn)), kind=MessageKind.CHECKIN, title=turn.t("review_title"))
    _set(turn, last_posted_at=turn.now)
