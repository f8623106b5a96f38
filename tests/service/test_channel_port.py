"""The port adapters talk to: a channel's language from its head, and outages told apart from bugs."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.app.bootstrap import App, bootstrap
from bot.app.channel_port import ServicePort
from bot.app.settings import Settings
from bot.core.model import CommandIssued, Sender
from bot.core.ports import StorageUnavailable
from bot.shell.pipe.handler import Handler
from tests.service.fakes import FakeTransport

ANNA = Sender("101", "Anna")
_ids = itertools.count(1)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'port.db'}", language="en")
    app = await bootstrap(settings, transports=[FakeTransport(platform="telegram")])
    try:
        yield app
    finally:
        await app.close()


def said(channel: str, text: str) -> CommandIssued:
    return CommandIssued(event_id=f"telegram:{next(_ids)}", channel=channel, sender=ANNA, text=text)


async def test_a_channels_language_is_its_own_even_next_to_a_channel_whose_key_extends_it(app: App) -> None:
    port = ServicePort.of(app)
    await port.handle(said("telegram:-100123", "start jongeren"))
    await port.handle(said("telegram:-100123", "lang nl"))
    await port.handle(said("telegram:-1001234", "start youth"))

    assert await port.language("telegram:-100123") == "nl"
    assert await port.language("telegram:-1001234") == "en"
    assert await port.language("telegram:-999") == "en"  # no session yet: the default


async def test_an_unreachable_database_is_an_outage_and_a_bug_stays_a_bug(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = ServicePort.of(app)
    failure: list[Exception] = [OperationalError("INSERT ...", {}, ConnectionRefusedError("database is down"))]

    async def failing(handler: Handler, *args: Any) -> Any:
        raise failure[0]

    monkeypatch.setattr(Handler, "_commit", failing)
    with pytest.raises(StorageUnavailable):
        await port.handle(said("telegram:-100123", "start jongeren"))
    failure[0] = RuntimeError("a bug")
    with pytest.raises(RuntimeError, match="a bug"):
        await port.handle(said("telegram:-100123", "start jongeren"))
