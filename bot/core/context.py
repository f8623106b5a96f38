"""The working context of one ``decide`` call: state so far, effects so far, helpers.

Handlers take a :class:`Turn`, replace its state and append effects; nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.core.model import (
    Button,
    ButtonAction,
    ButtonPressed,
    Changes,
    ChannelState,
    CommandIssued,
    Effect,
    InboundEvent,
    Mention,
    MessageKind,
    Notify,
    Phase,
    Policy,
    Post,
    Reply,
    Sender,
    TextMessage,
    Throttled,
)
from bot.core.phases import PhaseError, check
from bot.core.script import Question, Script

MENTION = re.compile(r"^<?@?([^>\s|]+)(?:\|[^>]*)?>?$")


@dataclass
class Turn:
    state: ChannelState
    event: InboundEvent
    script: Script
    now: datetime
    policy: Policy = field(default_factory=Policy)
    effects: list[Effect] = field(default_factory=list)

    # ------------------------------------------------------------------ reading

    @property
    def sender(self) -> Sender:
        if isinstance(self.event, TextMessage | CommandIssued | ButtonPressed | Throttled):
            return self.event.sender
        return Sender("bot", "Voordenken")

    @property
    def is_facilitator(self) -> bool:
        return self.sender.id == self.state.facilitator or self.sender.is_admin

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.script.questions(self.state.language)

    @property
    def question(self) -> Question:
        return self.questions[min(self.state.step, len(self.questions) - 1)]

    def name(self, user: str | None) -> str:
        if user is None:
            return "-"
        return self.state.participants.get(user, user)

    def names(self, names: list[str]) -> str:
        """``Bob``, ``Bob and Dave``, ``Bob, Carol and Dave`` in the channel's language."""
        if len(names) <= 1:
            return "".join(names) or "-"
        return self.t("list_and", first=", ".join(names[:-1]), last=names[-1])

    def t(self, key: str, **params: object) -> str:
        return self.script.text(self.state.language, key, **params)

    def typed(self, command: str) -> str:
        """A typed command in the channel's language (``/problem ready`` -> ``/probleem klaar``)."""
        return self.script.typed(self.state.language, command)

    def button(self, label_key: str, action: ButtonAction, value: str, command: str,
               style: str | None = None) -> Button:
        return Button(self.t(label_key), action, value, self.typed(command), style)

    def steers(self) -> bool:
        """Whether the sender leads the session; if not, they are told who does."""
        if self.is_facilitator:
            return True
        self.tell("facilitator_only", facilitator=self.name(self.state.facilitator))
        return False

    # ------------------------------------------------------------------ changing

    def update(self, **changes: Any) -> None:
        """Change fields of the state; the phase changes only through :meth:`enter` or :meth:`begin`."""
        if "phase" in changes:
            raise PhaseError("the phase changes through Turn.enter, which checks the transition")
        self.state = replace(self.state, **changes)

    def enter(self, phase: Phase, **changes: Any) -> None:
        """Move the session to ``phase`` (a transition :mod:`bot.core.phases` allows)."""
        check(self.state.phase, phase)
        self.state = replace(self.state, phase=phase, **changes)

    def begin(self, state: ChannelState) -> None:
        """Replace the whole state (start, reset, purge); its phase must be allowed to follow."""
        check(self.state.phase, state.phase)
        self.state = state

    def join(self) -> None:
        """Count the sender as a participant of the session."""
        sender = self.sender
        if sender.id == "bot" or self.state.participants.get(sender.id) == sender.name:
            return
        self.update(participants={**self.state.participants, sender.id: sender.name})

    def next_id(self) -> int:
        value = self.state.next_id
        self.update(next_id=value + 1)
        return value

    def emit(self, effect: Effect) -> None:
        self.effects.append(effect)

    def post(self, text: str, *, kind: MessageKind = MessageKind.INFO, title: str | None = None,
             buttons: tuple[Button, ...] = (), key: str | None = None, mentions: tuple[str, ...] = (),
             changes: Changes | None = None) -> None:
        """Post publicly; ``mentions`` are user ids named in ``text`` whom the platform should notify."""
        named = tuple(Mention(uid, self.name(uid)) for uid in mentions)
        self.emit(Post(text=text, kind=kind, title=title, buttons=buttons, key=key, mentions=named,
                       changes=changes))

    def tell(self, key: str, **params: object) -> None:
        """A private note to the sender (ephemeral where the platform allows)."""
        self.tell_text(self.t(key, **params))

    def tell_text(self, text: str, buttons: tuple[Button, ...] = ()) -> None:
        message_id = getattr(self.event, "message_id", None)
        sender = self.sender
        self.emit(Notify(user=sender.id, name=sender.name, text=text, message_id=message_id, buttons=buttons))

    def reply_text(self, text: str, *, kind: MessageKind = MessageKind.INFO, buttons: tuple[Button, ...] = ()) -> None:
        event = self.event
        if isinstance(event, TextMessage):
            self.emit(Reply(text=text, message_id=event.message_id, thread_id=event.thread_id,
                            kind=kind, buttons=buttons))
        else:
            self.tell_text(text, buttons)


def resolve_user(turn: Turn, text: str) -> str | None:
    """A participant id from ``@name``, ``<@U123>`` or a display name (case-insensitive)."""
    match = MENTION.match(text.strip())
    if not match:
        return None
    wanted = match.group(1).lstrip("@").lower()
    for uid, name in turn.state.participants.items():
        if wanted in (uid.lower(), name.lower()):
            return uid
    return None
