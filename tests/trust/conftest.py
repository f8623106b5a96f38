"""A whole app (real engine, real database) with a fake clock and a recording transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.bootstrap import App, bootstrap
from bot.model import CommandIssued, Sender, TextMessage
from bot.settings import Settings
from tests.service.fakes import FakeClock, FakeTransport


@dataclass
class Team:
    """People in one channel of a fake platform, talking to the real app."""

    app: App
    transport: FakeTransport
    clock: FakeClock
    channel: str = "fake:T1:C1"
    counter: int = field(default=0)

    def _id(self) -> str:
        self.counter += 1
        return f"fake:{self.counter}"

    async def say(self, user: str, text: str) -> None:
        sender = Sender(user, user)
        if text.startswith("/problem"):
            event = CommandIssued(event_id=self._id(), channel=self.channel, sender=sender,
                                  text=text.removeprefix("/problem").strip())
        else:
            event = TextMessage(event_id=self._id(), channel=self.channel, sender=sender, text=text,
                                message_id=str(self.counter))
        await self.app.service.handle(event)

    def heard(self) -> list[str]:
        return self.transport.texts


@pytest.fixture
async def team(tmp_path: Path) -> AsyncIterator[Team]:
    clock = FakeClock()
    transport = FakeTransport(platform="fake")
    app = await bootstrap(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'team.db'}"), clock=clock,
                          transports=[transport])
    try:
        yield Team(app, transport, clock)
    finally:
        await app.close()
