"""A whole app (real engine, real database) with a fake clock and a recording transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import Settings
from bot.core.model import CommandIssued, Sender, TextMessage
from tests.service.fakes import FakeClock, FakeTransport
from tests.slack.conftest import SlackHarness, make_settings
from tests.slack.fake_slack import FakeSlack
from tests.telegram.fake_telegram import FakeTelegram


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


# --------------------------------------------------------------------------- the real platform apps


@pytest.fixture
def slack_api() -> Iterator[FakeSlack]:
    """A fake Slack Web API; a module may override this to set up channel members."""
    with FakeSlack() as server:
        yield server


@pytest.fixture
async def slack(slack_api: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SlackHarness]:
    """The real Slack app (HTTP mode) on an ephemeral port, talking to ``slack_api``."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID",
                 "SLACK_CLIENT_SECRET", "SLACK_API_URL", "TELEGRAM_BOT_TOKEN", "VOORDENKEN_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    harness = SlackHarness(slack_api, make_settings(slack_api, tmp_path))
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server
