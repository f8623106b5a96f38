"""Drafting and the consent round: draft versions, votes, outcome, reopening.

Consent rule (stated in the vote message before anyone votes): the statement is agreed
when at least a quorum of participants agree and no objection stands. An objection sends
the channel back to drafting at once; a vote counts only for the version it was cast on.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core import checkins, draft_writer, parking, redraft, sharing
from bot.core.commands import MAX_MESSAGE_CHARS, clean, split_flag
from bot.core.context import Turn
from bot.core.model import (
    AskReason,
    ButtonAction,
    ButtonPressed,
    Choice,
    Draft,
    Edit,
    MessageKind,
    Outcome,
    Phase,
    Schedule,
    Statement,
    TickKind,
    Unschedule,
    Vote,
    VoteRound,
)
from bot.core.schedule import ScheduleError, parse_deadline

# The typed votes that need a reason, as buttons show them where buttons do not exist.
REASON_COMMANDS = {Choice.CONCERN: "/problem concern <text>", Choice.OBJECT: "/problem object <reason>"}


def quorum(turn: Turn) -> int:
    """Agreement needs a majority of those who contributed, and at least two people."""
    return max(2, len(turn.state.contributors) // 2 + 1)


def draft(turn: Turn, args: str) -> None:
    state = turn.state
    if not args:
        current = state.current_draft
        if current is None:
            turn.tell("nothing_to_draft" if state.phase is Phase.DRAFTING else "no_draft_yet")
        elif state.phase in (Phase.DRAFTING, Phase.VOTING):
            redraft.offer(turn, current)
        else:
            turn.tell("draft_show", version=current.version, text=current.text)
        return
    if state.phase is Phase.ANALYSIS:
        turn.tell("draft_in_analysis")
        return
    if state.phase is Phase.AGREED:
        turn.tell("draft_when_agreed")
        return
    previous = state.current_draft
    if previous is not None and previous.text == args:
        turn.tell("draft_unchanged", version=previous.version)
        return
    if state.open_round is not None:
        _finish_round(turn, Outcome.SUPERSEDED)
        turn.post(turn.t("vote_superseded"))
    version = len(state.drafts) + 1
    turn.enter(Phase.DRAFTING, drafts=(*turn.state.drafts, Draft(version, args, turn.sender.id, turn.now)))
    turn.post(
        turn.t("draft_proposed", user=turn.sender.name, version=version, text=args),
        kind=MessageKind.DRAFT,
        title=turn.t("draft_title", version=version),
        buttons=(turn.button("button_open_vote", ButtonAction.CMD, "vote", "/problem vote", "primary"),
                 redraft.edit_button(turn, version)),
        changes=redraft.changes(turn, previous, args, version),
    )


def draft_button(turn: Turn, value: str, text: str | None) -> None:
    """The Edit button (offer the current draft), or an edit of version ``value`` coming back
    (Slack's dialog): the next version, unless the draft moved on meanwhile."""
    current = turn.state.current_draft
    if current is None or not value.isdigit() or turn.state.phase not in (Phase.DRAFTING, Phase.VOTING):
        turn.tell("stale_button")
        return
    if text is None:
        redraft.offer(turn, current)
        return
    text = clean(text)
    if int(value) != current.version:
        turn.tell("draft_edit_outdated", version=int(value), current=current.version, text=text)
        return
    if len(text) > MAX_MESSAGE_CHARS:
        turn.tell("too_long", length=len(text), limit=MAX_MESSAGE_CHARS)
        return
    if text:
        draft(turn, text)


def draft_reply(turn: Turn, version: int, text: str) -> bool:
    """A reply to the message of draft ``version`` (Telegram) is the next version, when that
    draft is the current one; otherwise it is an ordinary message (False)."""
    current = turn.state.current_draft
    if current is None or current.version != version or turn.state.phase not in (Phase.DRAFTING, Phase.VOTING):
        return False
    turn.join()
    draft(turn, text)
    return True


def vote(turn: Turn, args: str) -> None:
    state = turn.state
    if state.phase is Phase.VOTING:
        turn.tell("vote_already_open")
        return
    if state.phase is not Phase.DRAFTING:
        turn.tell("vote_needs_draft")
        return
    if state.current_draft is None or not state.current_draft.text.strip():
        turn.tell("vote_empty_draft")
        return
    rest, until = args.strip(), None
    for flag in turn.script.lexicon("deadline"):
        rest, until = split_flag(args, flag)
        if until is not None:
            break
    if rest or until == "":
        turn.tell("vote_usage")
        return
    deadline = None
    if until is not None:
        try:
            deadline = parse_deadline(until, turn.now, state.timezone, turn.script.lexicon("schedule"))
        except ScheduleError as error:
            checkins.tell_error(turn, error, until)
            return
    number = len(state.rounds) + 1
    new_round = VoteRound(number, state.current_draft.version, turn.sender.id, turn.now, deadline=deadline)
    turn.enter(Phase.VOTING, rounds=(*state.rounds, new_round),
               checkins=replace(state.checkins, vote_deadline=deadline))
    if deadline is not None:
        turn.emit(Schedule(kind=TickKind.VOTE_DEADLINE, at=deadline))
    text, buttons = _vote_message(turn, new_round)
    turn.post(text, kind=MessageKind.VOTE, title=turn.t("vote_title", version=new_round.version),
              buttons=buttons, key=f"vote:{number}")


def _vote_message(turn: Turn, vote_round: VoteRound) -> tuple[str, tuple]:
    current = turn.state.current_draft
    assert current is not None
    text = turn.t(
        "vote_message",
        version=vote_round.version,
        text=draft_writer.quoted(current.text, turn.script, turn.state.language),
        quorum=quorum(turn),
        voted=len(vote_round.votes),
        total=len(turn.state.participants),
    )
    if vote_round.deadline is not None:
        text += "\n" + turn.t("vote_deadline_line", at=checkins.when(turn, vote_round.deadline))
    text += "\n" + _how_it_ends(turn, vote_round)
    v = vote_round.version
    buttons = (
        turn.button("button_agree", ButtonAction.VOTE, f"agree:{v}", "/problem agree", "primary"),
        turn.button("button_concern", ButtonAction.VOTE, f"concern:{v}", REASON_COMMANDS[Choice.CONCERN]),
        turn.button("button_object", ButtonAction.VOTE, f"object:{v}", REASON_COMMANDS[Choice.OBJECT], "danger"),
        turn.button("button_abstain", ButtonAction.VOTE, f"abstain:{v}", "/problem abstain"),
    )
    return text, buttons


def _how_it_ends(turn: Turn, vote_round: VoteRound) -> str:
    """Who the round waits for and what closes it, so a round that sits there says why."""
    voted = {v.user for v in vote_round.votes}
    waiting = [turn.name(uid) for uid in turn.state.participants if uid not in voted]
    key = "vote_waiting_deadline" if vote_round.deadline is not None else "vote_waiting"
    return turn.t(key, names=turn.names(waiting), facilitator=turn.name(turn.state.facilitator))


def agree(turn: Turn, args: str) -> None:
    _cast(turn, Choice.AGREE, args, None)


def concern(turn: Turn, args: str) -> None:
    _cast(turn, Choice.CONCERN, args, None)


def object_(turn: Turn, args: str) -> None:
    _cast(turn, Choice.OBJECT, args, None)


def abstain(turn: Turn, args: str) -> None:
    _cast(turn, Choice.ABSTAIN, args, None)


def vote_button(turn: Turn, value: str, reason: str | None) -> None:
    choice_text, _, version_text = value.partition(":")
    try:
        choice = Choice(choice_text)
        version = int(version_text)
    except ValueError:
        turn.tell("stale_button")
        return
    _cast(turn, choice, reason or "", version)


def _cast(turn: Turn, choice: Choice, reason: str, version: int | None) -> None:
    vote_round = turn.state.open_round
    if vote_round is None:
        turn.tell("no_vote_open")
        return
    if version is not None and version != vote_round.version:
        turn.tell("vote_wrong_version", version=version, current=vote_round.version)
        return
    if choice in REASON_COMMANDS and not reason:
        _ask_reason(turn, choice, vote_round.version)
        return
    user = turn.sender.id
    cast = Vote(user, choice, vote_round.version, reason, turn.now)
    votes = (*[v for v in vote_round.votes if v.user != user], cast)
    vote_round = replace(vote_round, votes=votes)
    _replace_round(turn, vote_round)
    if choice is Choice.OBJECT:
        _finish_round(turn, Outcome.OBJECTED)
        turn.enter(Phase.DRAFTING)
        turn.post(turn.t("objected", user=turn.sender.name, reason=reason, version=vote_round.version),
                  kind=MessageKind.RESULT)
        return
    turn.tell(f"voted_{choice.value}", version=vote_round.version)
    if set(turn.state.participants) <= {v.user for v in votes}:
        _conclude(turn)  # everyone has voted: the closing edit replaces the count
        return
    text, buttons = _vote_message(turn, vote_round)
    turn.emit(Edit(key=f"vote:{vote_round.number}", text=text, kind=MessageKind.VOTE,
                   title=turn.t("vote_title", version=vote_round.version), buttons=buttons))


def _ask_reason(turn: Turn, choice: Choice, version: int) -> None:
    """A concern or objection needs a reason: ask the voter (nothing is recorded yet)."""
    event, sender = turn.event, turn.sender
    turn.emit(AskReason(
        user=sender.id,
        name=sender.name,
        text=turn.t(f"{choice.value}_needs_reason", version=version),
        message_id=getattr(event, "message_id", None),
        choice=choice,
        version=version,
        command=turn.typed(REASON_COMMANDS[choice]),
        language=turn.state.language,
        trigger=event.trigger if isinstance(event, ButtonPressed) else None,
    ))


def close(turn: Turn, args: str) -> None:
    if turn.state.open_round is None:
        turn.tell("no_vote_open")
        return
    _conclude(turn)


def tick(turn: Turn, kind: TickKind) -> None:
    """At the round's deadline the round closes by the usual rule; stale wake-ups do nothing."""
    if kind is not TickKind.VOTE_DEADLINE:
        return
    vote_round = turn.state.open_round
    if vote_round is None or vote_round.deadline is None:
        turn.emit(Unschedule(kind=TickKind.VOTE_DEADLINE))
        return
    if turn.now < vote_round.deadline:
        turn.emit(Schedule(kind=TickKind.VOTE_DEADLINE, at=vote_round.deadline))
        return
    turn.post(turn.t("vote_deadline_passed", at=checkins.when(turn, vote_round.deadline),
                     version=vote_round.version), kind=MessageKind.RESULT)
    _conclude(turn)


def _conclude(turn: Turn) -> None:
    """Close the open round by the consent rule: quorum of agrees and no objection."""
    vote_round = turn.state.open_round
    assert vote_round is not None
    agrees = sum(1 for v in vote_round.votes if v.choice is Choice.AGREE)
    needed = quorum(turn)
    if agrees < needed:
        _finish_round(turn, Outcome.NO_QUORUM)
        turn.enter(Phase.DRAFTING)
        reasons = [turn.t("concern_line", user=turn.name(v.user), reason=v.reason)
                   for v in vote_round.votes if v.choice is Choice.CONCERN]
        turn.post("\n".join([turn.t("no_quorum", agrees=agrees, quorum=needed), *reasons]), kind=MessageKind.RESULT)
        return
    current = turn.state.current_draft
    assert current is not None
    _finish_round(turn, Outcome.AGREED)
    statement = Statement(current.text, current.version, turn.now)
    turn.enter(Phase.AGREED, statement=statement)
    concerns = [v for v in vote_round.votes if v.choice is Choice.CONCERN]
    concern_lines = "".join(turn.t("concern_line", user=turn.name(v.user), reason=v.reason) + "\n"
                            for v in concerns)
    turn.post(turn.t("agreed", text=statement.text, version=statement.version, agrees=agrees,
                     concerns=concern_lines.rstrip()),
              kind=MessageKind.RESULT, title=turn.t("agreed_title"))
    sharing.post_card(turn)
    _return_parked(turn)


def _return_parked(turn: Turn) -> None:
    """Parked proposals come back as candidate tasks, each with its "Make this a task" button;
    after a reopen, only those not made into a task yet."""
    waiting = [p for p in turn.state.parked if not p.released and p.task is None]
    if not waiting:
        return
    lines = "\n".join(turn.t("candidate_line", id=p.id, user=turn.name(p.user), text=p.text) for p in waiting)
    word = turn.script.word(turn.state.language, "from_parked")
    turn.post(turn.t("candidates", lines=lines, word=word), title=turn.t("candidates_title"),
              buttons=parking.candidate_buttons(turn, waiting))


def _replace_round(turn: Turn, vote_round: VoteRound) -> None:
    rounds = tuple(vote_round if r.number == vote_round.number else r for r in turn.state.rounds)
    turn.update(rounds=rounds)


def _finish_round(turn: Turn, outcome: Outcome) -> None:
    vote_round = turn.state.open_round
    if vote_round is None:
        return
    closed = replace(vote_round, outcome=outcome, closed_at=turn.now)
    _replace_round(turn, closed)
    turn.update(checkins=replace(turn.state.checkins, vote_deadline=None))
    tally = {c: sum(1 for v in closed.votes if v.choice is c) for c in Choice}
    turn.emit(Edit(key=f"vote:{closed.number}", kind=MessageKind.VOTE,
                   title=turn.t("vote_title", version=closed.version),
                   text=turn.t("vote_closed", version=closed.version, outcome=turn.t(f"outcome_{outcome}"),
                               agree=tally[Choice.AGREE], concern=tally[Choice.CONCERN],
                               object=tally[Choice.OBJECT], abstain=tally[Choice.ABSTAIN])))
    turn.emit(Unschedule(kind=TickKind.VOTE_DEADLINE))


def reopen(turn: Turn, args: str) -> None:
    if turn.state.phase is not Phase.AGREED:
        turn.tell("reopen_not_agreed")
        return
    if not args:
        turn.tell("reopen_needs_reason")
        return
    turn.enter(Phase.DRAFTING)
    turn.post(turn.t("reopened", user=turn.sender.name, reason=args), kind=MessageKind.RESULT)
