"""A whole app (real engine, service, SQLite database and scheduler) on a controllable clock.

Tests read like a conversation in one channel: people speak, the clock moves, the
scheduler looks at what is due (``fire_due``), and we check what the channel heard.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import Settings
from bot.core.model import ChannelState, CommandIssued, Sender, TextMessage
from tests.service.fakes import FakeClock, FakeTransport

AMSTERDAM = "Europe/Amsterdam"
# Wednesday 25 November 2026, 10:00 in Amsterdam.
WEDNESDAY = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NAMES = {"alice": "Alice", "bob": "Bob", "carol": "Carol", "dave": "Dave"}


@dataclass
class Channel:
    """People in one console channel, talking to the real app; the clock is ours."""

    app: App
    transport: FakeTransport
    clock: FakeClock
    key: str = "console:team"
    counter: int = field(default=0)

    async def say(self, user: str, text: str) -> None:
        self.counter += 1
        event_id = f"{self.key}:{id(self)}:{self.counter}"
        sender = Sender(user, NAMES.get(user, user))
        if text.startswith("/problem"):
            event: Any = CommandIssued(event_id=event_id, channel=self.key, sender=sender,
                                       text=text.removeprefix("/problem").strip())
        else:
            event = TextMessage(event_id=event_id, channel=self.key, sender=sender, text=text,
                                message_id=event_id)
        await self.app.service.handle(event)

    def set_time(self, local: str) -> None:
        """Move the clock to a local wall-clock time in the channel's zone: '2026-11-30 09:00'."""
        from zoneinfo import ZoneInfo

        moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(AMSTERDAM))
        assert moment.astimezone(UTC) >= self.clock.now(), "the clock only moves forward"
        self.clock._now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta).total_seconds())

    async def tick(self) -> int:
        """The scheduler looks at what is due now."""
        return await self.app.scheduler.fire_due()

    def heard(self) -> list[str]:
        return self.transport.texts

    def checkins(self) -> list[str]:
        return [d.message.text for d in self.transport.delivered
                if getattr(d.message, "kind", "") == "checkin"]

    def since(self, mark: int) -> list[str]:
        return self.transport.texts[mark:]

    def mark(self) -> int:
        return len(self.transport.delivered)

    async def state(self) -> ChannelState:
        state = await self.app.service.get_state(self.key)
        assert state is not None
        return state

    async def wakeups(self) -> dict[str, datetime]:
        return {w.kind: w.at for w in await self.app.service.repository.all_wakeups() if w.channel == self.key}


async def make_app(url: str, clock: FakeClock, *transports: FakeTransport, **settings: Any) -> App:
    return await bootstrap(Settings(database_url=url, timezone=AMSTERDAM, **settings), clock=clock,
                           transports=list(transports))


MakeChannel = Callable[..., Awaitable[Channel]]


@pytest.fixture
async def make_channel(tmp_path: Path) -> AsyncIterator[MakeChannel]:
    apps: list[App] = []

    async def build(*, key: str = "console:team", now: datetime = WEDNESDAY, db: str = "team.db",
                    **settings: Any) -> Channel:
        clock = FakeClock(now)
        transport = FakeTransport(platform=key.split(":", 1)[0])
        app = await make_app(f"sqlite+aiosqlite:///{tmp_path / db}", clock, transport, **settings)
        apps.append(app)
        return Channel(app, transport, clock, key)

    yield build
    for app in apps:
        await app.close()


@pytest.fixture
async def channel(make_channel: MakeChannel) -> Channel:
    return await make_channel()


async def drafting(channel: Channel, *people: str) -> None:
    """Alice starts; everyone answers the first question; she walks on to the draft."""
    await channel.say("alice", "/problem start young people and debts")
    for person in ("alice", *people):
        await channel.say(person, f"{NAMES[person]} sees young people in debt.")
    for _ in range(6):
        await channel.say("alice", "/problem next")
