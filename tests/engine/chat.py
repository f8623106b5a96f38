"""An in-process chat with the pure engine, in the spirit of errbot's ``testbot``.

``chat.say("alice", "/problem start")`` runs one event through ``decide`` and returns
what the bot said, so tests read like the conversation they check.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bot.core.engine import decide, new_state
from bot.core.model import (
    ButtonPressed,
    ChannelState,
    CommandIssued,
    Edit,
    Effect,
    InboundEvent,
    Notify,
    Policy,
    Post,
    Reply,
    Sender,
    TextMessage,
)
from bot.core.script import Script
from tests.shipped_guard import shipped_guard

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Said:
    """What the bot answered to one event."""

    effects: tuple[Effect, ...]

    def _texts(self, kinds: tuple[type, ...]) -> list[str]:
        return [
            (f"{e.title}\n" if getattr(e, "title", None) else "") + e.text  # type: ignore[attr-defined]
            for e in self.effects
            if isinstance(e, kinds)
        ]

    @property
    def public(self) -> list[str]:
        return self._texts((Post,))

    @property
    def private(self) -> list[str]:
        return self._texts((Notify,))

    @property
    def replies(self) -> list[str]:
        return self._texts((Reply,))

    @property
    def edits(self) -> list[str]:
        return self._texts((Edit,))

    @property
    def text(self) -> str:
        return "\n".join(self._texts((Post, Notify, Reply, Edit)))

    def __contains__(self, fragment: str) -> bool:
        return fragment in self.text

    def __bool__(self) -> bool:
        return bool(self.effects)


@dataclass
class Chat:
    script: Script
    channel: str = "console:test"
    language: str = "en"
    now: datetime = START
    admins: set[str] = field(default_factory=set)
    policy: Policy = field(default_factory=Policy)
    state: ChannelState = field(init=False)
    counter: int = 0

    def __post_init__(self) -> None:
        self.state = new_state(self.channel, self.language)

    def sender(self, user: str) -> Sender:
        return Sender(user, user.capitalize(), is_admin=user in self.admins)

    def event(self, user: str, text: str) -> InboundEvent:
        self.counter += 1
        event_id = f"e{self.counter}"
        for word in self.script.command_words():
            if text == f"/{word}" or text.startswith(f"/{word} "):
                return CommandIssued(event_id=event_id, channel=self.channel, sender=self.sender(user),
                                     text=text[len(word) + 1:].strip(), command_word=word, message_id=event_id)
        return TextMessage(event_id=event_id, channel=self.channel, sender=self.sender(user), text=text,
                           message_id=event_id)

    def apply(self, event: InboundEvent) -> Said:
        policy = self.policy if self.policy.guard is not None else replace(self.policy, guard=shipped_guard())
        decision = decide(self.state, event, self.script, self.now, policy)
        self.state = decision.state
        self.now += timedelta(seconds=30)
        return Said(decision.effects)

    def say(self, user: str, text: str) -> Said:
        return self.apply(self.event(user, text))

    def press(self, user: str, action: str, value: str, text: str | None = None) -> Said:
        self.counter += 1
        return self.apply(ButtonPressed(event_id=f"e{self.counter}", channel=self.channel,
                                        sender=self.sender(user), action=action, value=value, text=text))

    def buttons(self, said: Said) -> dict[str, tuple[str, str]]:
        """Button label -> (action, value) of everything in ``said``."""
        found: dict[str, tuple[str, str]] = {}
        for effect in said.effects:
            for button in getattr(effect, "buttons", ()):
                found[button.label] = (button.action, button.value)
        return found
