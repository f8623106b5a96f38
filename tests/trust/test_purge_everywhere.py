"""A purge forgets a channel in every table, whatever waits where (issue 17, item 4).

The tables are found in the database itself (reflected), not listed here, so a table added
later cannot be forgotten by the purge without this test noticing.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.bootstrap import App, bootstrap
from bot.app.cli import purge
from bot.app.settings import Settings
from bot.core.model import CommandIssued, InboundEvent, Sender, TextMessage
from bot.core.ports import PermanentDeliveryError
from tests.service.fakes import FakeClock, FakeTransport
from tests.storage.pg import postgres_url_or_skip

CHANNEL = "fake:T1:C1"
OTHER = "fake:T1:C2"
SENSITIVE = "The father threatened the neighbours again on Tuesday."
PARKED = "Who is going to call the police about him?"
WAITING = "My sister says he has a key to the flat."  # accepted, never processed


@pytest.fixture(params=["sqlite", "postgresql"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'team.db'}"
        return
    async with postgres_url_or_skip() as pg_url:
        yield pg_url


class People:
    """People talking in two channels of one app; events are numbered per instance."""

    def __init__(self, app: App, prefix: str) -> None:
        self.app, self.prefix, self.counter = app, prefix, 0

    def event(self, user: str, text: str, channel: str = CHANNEL) -> InboundEvent:
        self.counter += 1
        event_id, sender = f"{self.prefix}:{self.counter}", Sender(user, user)
        if text.startswith("/problem"):
            return CommandIssued(event_id=event_id, channel=channel, sender=sender,
                                 text=text.removeprefix("/problem").strip())
        return TextMessage(event_id=event_id, channel=channel, sender=sender, text=text, message_id=event_id)

    async def say(self, user: str, text: str, channel: str = CHANNEL) -> None:
        await self.app.service.handle(self.event(user, text, channel))


async def rows_naming(engine: AsyncEngine, *needles: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table in the database holding one of ``needles`` in any column."""
    async with engine.connect() as connection:
        reflected = MetaData()
        await connection.run_sync(reflected.reflect)
        found: dict[str, list[tuple[object, ...]]] = {}
        for table in reflected.sorted_tables:
            for row in (await connection.execute(select(table))).all():
                if any(needle in str(value) for value in row for needle in needles):
                    found.setdefault(table.name, []).append(tuple(row))
    return found


async def busy_channel(url: str, clock: FakeClock) -> None:
    """A session with answers, a parked message, settings, a schedule, a message that failed to
    go out, and events accepted by a web process that no worker has processed yet."""
    transport = FakeTransport(platform="fake")
    app = await bootstrap(Settings(database_url=url), clock=clock, transports=[transport])
    try:
        people = People(app, "fake:a")
        await people.say("alice", "/problem start")
        await people.say("alice", "/problem lang nl")
        await people.say("alice", "/problem tz Europe/Amsterdam")
        await people.say("bob", SENSITIVE)
        await people.say("bob", PARKED)
        await people.say("alice", "/problem checkin daily 09:00")
        transport.failures.append(PermanentDeliveryError("channel_not_found"))
        await people.say("alice", "/problem status")  # its answer fails for good
        await people.say("carol", "/problem start", channel=OTHER)
    finally:
        await app.close()
    web = await bootstrap(Settings(database_url=url, role="web"), clock=clock)
    try:
        await web.service.accept(People(web, "fake:w").event("bob", WAITING))
    finally:
        await web.close()


async def test_a_cli_purge_leaves_no_row_about_the_channel_in_any_table(url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    await busy_channel(url, clock)
    app = await bootstrap(Settings(database_url=url), clock=clock, migrate=False)
    try:
        before = await rows_naming(app.engine, CHANNEL)
        assert {"channels", "channel_items", "outbox", "inbox", "wakeups", "event_log"} <= set(before)
        out = io.StringIO()
        assert await purge(Settings(database_url=url), CHANNEL, False, True, io.StringIO(), out) == 0
        assert out.getvalue() == f"purged {CHANNEL}\n"
        assert await rows_naming(app.engine, CHANNEL, SENSITIVE, PARKED, WAITING) == {}
        assert (await rows_naming(app.engine, OTHER)).keys() >= {"channels", "outbox"}  # others keep theirs
    finally:
        await app.close()


async def test_a_worker_started_after_a_purge_does_not_bring_the_session_back(url: str) -> None:
    clock = FakeClock()
    await busy_channel(url, clock)
    assert await purge(Settings(database_url=url), CHANNEL, False, True, io.StringIO(), io.StringIO()) == 0
    clock.advance(3600)
    worker = await bootstrap(Settings(database_url=url, role="worker"), clock=clock, transports=[FakeTransport("fake")])
    try:
        await worker.service.process_inbox()
        await worker.service.drain()
        assert await worker.service.get_state(CHANNEL) is None
        assert await rows_naming(worker.engine, CHANNEL, WAITING) == {}
    finally:
        await worker.close()


async def test_after_an_in_chat_purge_only_its_own_confirmation_is_left(url: str) -> None:
    clock = FakeClock()
    await busy_channel(url, clock)
    transport = FakeTransport(platform="fake")
    app = await bootstrap(Settings(database_url=url), clock=clock, transports=[transport], migrate=False)
    try:
        people = People(app, "fake:b")
        await people.say("alice", "/problem reset")
        await people.say("alice", "/problem reset confirm")
        await people.say("alice", "/problem purge")
        await people.say("alice", "/problem purge confirm")
        assert transport.texts[-1].startswith("alice heeft de sessiegegevens van dit kanaal gewist.")
        assert await rows_naming(app.engine, SENSITIVE, PARKED, WAITING, "Europe/Amsterdam", "daily") == {}
        outbox = await app.service.repository.outbox(CHANNEL)
        assert [row.channel for row in outbox] == [CHANNEL]  # the confirmation, until it is pruned
        state = await app.service.get_state(CHANNEL)
        assert state is None or (state.language, state.timezone, state.checkins.rule) == ("en", "UTC", "")
        # What is left names the channel only: its fresh state, the confirmation, the purge's log line.
        assert set(await rows_naming(app.engine, CHANNEL)) <= {"channels", "outbox", "event_log"}
    finally:
        await app.close()
