"""The conversation engine: ``decide(state, event, script, now) -> Decision``.

Pure: no I/O, no clock, no SDKs. Every inbound event goes through :func:`decide`, which
routes it to the handler of its subcommand or treats it as a chat message.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import datetime

from bot.core import agreement, checkins, parking, session
from bot.core.commands import MAX_MESSAGE_CHARS, Command, clean, parse
from bot.core.context import Turn
from bot.core.model import (
    ButtonPressed,
    ChannelState,
    CommandIssued,
    Decision,
    InboundEvent,
    Phase,
    TextMessage,
    Throttled,
    Tick,
)
from bot.core.script import Script

RECENT_EVENTS = 64

Handler = Callable[[Turn, str], None]

HANDLERS: dict[str, Handler] = {
    "start": session.start,
    "status": session.status,
    "next": session.next_step,
    "back": session.back,
    "ready": session.ready,
    "lang": session.lang,
    "help": session.help_,
    "reset": session.reset,
    "purge": session.purge,
    "facilitator": session.hand_over,
    "guard": parking.guard,
    "redirect": parking.redirect,
    "parked": parking.parked,
    "notask": parking.notask,
    "task": parking.task,
    "tasks": parking.tasks,
    "done": parking.done,
    "draft": agreement.draft,
    "vote": agreement.vote,
    "agree": agreement.agree,
    "concern": agreement.concern,
    "object": agreement.object_,
    "abstain": agreement.abstain,
    "close": agreement.close,
    "reopen": agreement.reopen,
    "export": session.export,
    "checkin": checkins.checkin,
    "tz": checkins.tz,
    "review": checkins.review,
}

# Subcommands that work before a session is started.
WITHOUT_SESSION = {"start", "help", "lang", "status", "export", "parked", "tasks", "tz"}


def new_state(channel: str, language: str = "en", timezone: str = "UTC") -> ChannelState:
    return ChannelState(channel=channel, language=language, timezone=timezone)


def decide(state: ChannelState, event: InboundEvent, script: Script, now: datetime) -> Decision:
    """Apply one event to a channel's state; return the new state and the effects."""
    if event.event_id in state.recent_events:
        return Decision(state)
    turn = Turn(state, event, script, now)
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
    if not isinstance(event, Tick):
        checkins.note_activity(turn, state)
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
    if turn.state.phase is Phase.IDLE and name not in WITHOUT_SESSION:
        turn.tell("no_session")
        return
    if name not in {"help", "status", "export", "parked", "tasks"}:
        turn.join()
    HANDLERS[name](turn, args)


def _unknown(turn: Turn, command: Command) -> None:
    aliases = turn.script.aliases()
    word = command.word.lower()
    close = difflib.get_close_matches(word, sorted(HANDLERS), n=1) or [
        aliases[match] for match in difflib.get_close_matches(word, list(aliases), n=1)
    ]
    if close:
        turn.tell("unknown_command_suggest", word=command.word, suggestion=close[0])
    else:
        turn.tell("unknown_command", word=command.word)


def _button(turn: Turn, event: ButtonPressed) -> None:
    if turn.state.phase is Phase.IDLE:
        turn.tell("no_session")
        return
    if event.action == "cmd":
        command = parse(event.value, turn.script.aliases())
        if command.name:
            _run(turn, command.name, command.args)
        return
    turn.join()
    if event.action == "vote":
        agreement.vote_button(turn, event.value, event.text)
    elif event.action == "release":
        parking.release_button(turn, event.value)
    else:
        turn.tell("stale_button")


def _message(turn: Turn, event: TextMessage) -> None:
    if turn.state.phase in (Phase.IDLE, Phase.AGREED):
        return  # ordinary chat: not ours to keep
    text = clean(event.text)
    if not text:
        return
    if len(text) > MAX_MESSAGE_CHARS:
        turn.reply_text(turn.t("too_long", length=len(text), limit=MAX_MESSAGE_CHARS))
        return
    if parking.held_back(turn, text, event.message_id):
        return
    if turn.state.phase is Phase.ANALYSIS:
        session.record_answer(turn, text)
