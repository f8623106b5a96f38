"""The conversation engine: ``decide(state, event, script, now) -> Decision``.

Pure: no I/O, no clock, no SDKs. Every inbound event goes through :func:`decide`, which
routes it to the handler of its subcommand or treats it as a chat message.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core import agreement, checkins, parking, perspectives, session, sharing
from bot.core.commands import MAX_MESSAGE_CHARS, Command, clean, parse
from bot.core.context import Turn
from bot.core.model import (
    ButtonAction,
    ButtonPressed,
    ChannelState,
    CommandIssued,
    Decision,
    DraftWritten,
    InboundEvent,
    Phase,
    Policy,
    TextMessage,
    Throttled,
    Tick,
)
from bot.core.script import Script

RECENT_EVENTS = 64

Handler = Callable[[Turn, str], None]


@dataclass(frozen=True, slots=True)
class Route:
    """How a subcommand runs: its handler, and the checks every use of it gets first.

    ``session``: refused with "no session" while none runs. ``joins``: the sender becomes a
    participant (a look at the session does not make one). ``facilitator``: only the
    facilitator (or an admin) may use it at all; handlers check conditional rights themselves.
    """

    handler: Handler
    session: bool = True
    joins: bool = True
    facilitator: bool = False


COMMANDS: dict[str, Route] = {
    "start": Route(session.start, session=False),
    "status": Route(session.status, session=False, joins=False),
    "next": Route(session.next_step, facilitator=True),
    "back": Route(session.back, facilitator=True),
    "ready": Route(session.ready),
    "lang": Route(session.lang, session=False),
    "help": Route(session.help_, session=False, joins=False),
    "reset": Route(session.reset, facilitator=True),
    "purge": Route(session.purge, session=False),  # the facilitator's, while a session runs
    "facilitator": Route(session.hand_over, facilitator=True),
    "iam": Route(perspectives.iam, session=False),
    "guard": Route(parking.guard),
    "redirect": Route(parking.redirect),
    "parked": Route(parking.parked, session=False, joins=False),
    "notask": Route(parking.notask),
    "park": Route(parking.park_by_hand),
    "task": Route(parking.task),
    "tasks": Route(parking.tasks, session=False, joins=False),
    "done": Route(parking.done),
    "draft": Route(agreement.draft),
    "vote": Route(agreement.vote),
    "agree": Route(agreement.agree),
    "concern": Route(agreement.concern),
    "object": Route(agreement.object_),
    "abstain": Route(agreement.abstain),
    "close": Route(agreement.close, facilitator=True),
    "reopen": Route(agreement.reopen),
    "export": Route(session.export, session=False, joins=False),
    "card": Route(sharing.card, session=False, joins=False),
    "page": Route(sharing.page, session=False, joins=False),
    "checkin": Route(checkins.checkin),  # "now" (it mentions people) is the facilitator's
    "tz": Route(checkins.tz, session=False),
    "review": Route(checkins.review),
}


def new_state(channel: str, language: str = "en", timezone: str = "UTC") -> ChannelState:
    return ChannelState(channel=channel, language=language, timezone=timezone)


DEFAULT_POLICY = Policy()


def decide(state: ChannelState, event: InboundEvent, script: Script, now: datetime,
           policy: Policy = DEFAULT_POLICY) -> Decision:
    """Apply one event to a channel's state; return the new state and the effects."""
    if event.event_id in state.recent_events:
        return Decision(state)
    turn = Turn(state, event, script, now, policy)
    if isinstance(event, CommandIssued):
        _command(turn, event)
    elif isinstance(event, ButtonPressed):
        _button(turn, event)
    elif isinstance(event, TextMessage):
        _message(turn, event)
    elif isinstance(event, Tick):
        agreement.tick(turn, event.kind)
        checkins.tick(turn, event.kind)
    elif isinstance(event, Throttled) and event.notify:
        turn.tell("slow_down")
    elif isinstance(event, DraftWritten):
        session.draft_written(turn, event)
    if not isinstance(event, Tick | DraftWritten):
        checkins.note_activity(turn, state)
    if turn.state.last_said is not None and turn.state.phase in (Phase.IDLE, Phase.AGREED):
        turn.update(last_said=None)  # the guard's context is kept only while it guards
    recent = (*turn.state.recent_events, event.event_id)[-RECENT_EVENTS:]
    turn.update(recent_events=recent)
    return Decision(turn.state, tuple(turn.effects))


def _command(turn: Turn, event: CommandIssued) -> None:
    text = clean(event.text)
    if len(text) > MAX_MESSAGE_CHARS:
        turn.tell("too_long", length=len(text), limit=MAX_MESSAGE_CHARS)
        return
    command = parse(text, turn.script.aliases())
    if not command.name:
        _unknown(turn, command)
        return
    _run(turn, command.name, command.args)


def _run(turn: Turn, name: str, args: str) -> None:
    route = COMMANDS[name]
    if route.session and turn.state.phase is Phase.IDLE:
        turn.tell("no_session")
        return
    if route.joins:
        turn.join()
    if route.facilitator and not turn.steers():
        return
    route.handler(turn, args)


def _unknown(turn: Turn, command: Command) -> None:
    aliases = turn.script.aliases()
    word = command.word.lower()
    close = difflib.get_close_matches(word, sorted(COMMANDS), n=1) or [
        aliases[match] for match in difflib.get_close_matches(word, list(aliases), n=1)
    ]
    if close:
        turn.tell("unknown_command_suggest", word=command.word,
                  suggestion=turn.script.subcommand(turn.state.language, close[0]))
    else:
        turn.tell("unknown_command", word=command.word)


def _button(turn: Turn, event: ButtonPressed) -> None:
    if event.action == ButtonAction.CMD:
        # Its command's route decides whether it needs a session (a purge does not).
        command = parse(event.value, turn.script.aliases())
        if command.name:
            _run(turn, command.name, command.args)
        return
    if turn.state.phase is Phase.IDLE:
        turn.tell("no_session")
        return
    turn.join()
    match event.action:
        case ButtonAction.VOTE:
            agreement.vote_button(turn, event.value, event.text)
        case ButtonAction.RELEASE:
            parking.release_button(turn, event.value)
        case ButtonAction.DRAFT:
            agreement.draft_button(turn, event.value, event.text)


def _message(turn: Turn, event: TextMessage) -> None:
    if turn.state.phase in (Phase.IDLE, Phase.AGREED):
        return  # ordinary chat: not ours to keep
    text = clean(event.text)
    if not text:
        return
    if len(text) > MAX_MESSAGE_CHARS:
        turn.reply_text(turn.t("too_long", length=len(text), limit=MAX_MESSAGE_CHARS))
        return
    if event.draft_reply is not None and agreement.draft_reply(turn, event.draft_reply, text):
        return
    if parking.held_back(turn, text, event.message_id):
        return
    if turn.state.phase is Phase.ANALYSIS:
        session.record_answer(turn, text)
