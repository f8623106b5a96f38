"""Fakes at the seams: a clock, a recording transport and a tiny engine.

The fake ``decide`` is table-driven by the text of the event so tests read like a chat:
plain text is an "answer" (counted in ``state.answers``, acknowledged with a Post);
``/problem`` commands ask for the other effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bot.core.model import (
    Answer,
    ButtonPressed,
    ChannelState,
    CommandIssued,
    Decision,
    Edit,
    Effect,
    InboundEvent,
    MessageKind,
    Notify,
    Observed,
    OutboundMessage,
    Post,
    Reply,
    Schedule,
    Sender,
    TextMessage,
    Tick,
    Unschedule,
)

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ALICE = Sender(id="U1", name="Alice")


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


@dataclass
class Delivery:
    channel: str
    message: OutboundMessage
    target: str | None
    platform_id: str


@dataclass
class FakeTransport:
    """Records deliveries; ``failures`` are raised one per call before anything is sent."""

    platform: str = "console"
    failures: list[Exception] = field(default_factory=list)
    delivered: list[Delivery] = field(default_factory=list)
    calls: int = 0
    on_deliver: Callable[[], None] | None = None

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        self.calls += 1
        if self.on_deliver is not None:
            self.on_deliver()
        if self.failures:
            raise self.failures.pop(0)
        platform_id = target if isinstance(message, Edit) and target else f"m{len(self.delivered) + 1}"
        self.delivered.append(Delivery(channel, message, target, platform_id))
        return platform_id

    @property
    def texts(self) -> list[str]:
        return [d.message.text for d in self.delivered]


def new_state(channel: str) -> ChannelState:
    return ChannelState(channel=channel)


def _command_effects(text: str, now: datetime) -> tuple[Effect, ...]:
    word, *args = text.split()
    match word, args:
        case "post", [key, *rest]:
            return (Post(text=" ".join(rest) or key, key=key, kind=MessageKind.VOTE),)
        case "edit", [key, *rest]:
            return (Edit(key=key, text=" ".join(rest) or key),)
        case "schedule", [kind, seconds]:
            return (Schedule(kind=kind, at=now + timedelta(seconds=float(seconds))),)
        case "unschedule", [kind]:
            return (Unschedule(kind=kind),)
        case "notify", [user, *rest]:
            return (Notify(user=user, text=" ".join(rest)),)
        case "observe", [what, *rest]:
            return (Observed(what=what, detail=" ".join(rest)),)
        case "fail", _:
            raise RuntimeError("decide failed")
    return ()


def counting_decide(state: ChannelState, event: InboundEvent, now: datetime) -> Decision:
    """A tiny engine: counts answers and says so; commands map to effects one to one."""
    match event:
        case TextMessage(text="quiet"):
            return Decision(state)
        case TextMessage():
            answers = (*state.answers, Answer(step=state.step, user=event.sender.id, text=event.text, at=now))
            return Decision(
                replace(state, answers=answers),
                (Reply(text=f"answer {len(answers)}", message_id=event.message_id),),
            )
        case CommandIssued():
            return Decision(replace(state, topic=event.text), _command_effects(event.text, now))
        case Tick() | ButtonPressed():
            return Decision(state, (Post(text=f"tick {getattr(event, 'kind', '')}"),))
    raise TypeError(event)


def text(channel: str, event_id: str, body: str, sender: Sender = ALICE) -> TextMessage:
    return TextMessage(event_id=event_id, channel=channel, sender=sender, text=body, message_id=event_id)


def command(channel: str, event_id: str, body: str) -> CommandIssued:
    return CommandIssued(event_id=event_id, channel=channel, sender=ALICE, text=body)
