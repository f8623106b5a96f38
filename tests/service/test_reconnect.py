"""PostgreSQL restarts (or a proxy drops idle connections): the next events are handled, none fails."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from bot.shell.pipe.service import ChannelService
from bot.shell.storage.database import make_engine, upgrade
from tests.service.fakes import FakeTransport, text
from tests.storage.pg import postgres_url_or_skip

DEMO = "console:demo"


async def drop_connections(url: str) -> int:
    """What a database restart looks like to the pool: every connection it holds is gone."""
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()")
    finally:
        await admin.close()
    return len(rows)


async def test_events_after_the_database_dropped_every_connection_are_handled(
    make_service: Callable[..., ChannelService], transport: FakeTransport
) -> None:
    async with postgres_url_or_skip() as url:
        engine = make_engine(url, pool_size=3)
        try:
            await upgrade(engine)
            service = make_service(engine, transport)
            await service.handle(text(DEMO, "e1", "the build is slow"))
            assert await drop_connections(url) >= 1

            await service.handle(text(DEMO, "e2", "and flaky"))  # a transaction
            await service.accept(text(DEMO, "e3", "since March"))  # the inbox's single statement
            await service.drain()

            state = await service.get_state(DEMO)
            assert state is not None
            assert [a.text for a in state.answers] == ["the build is slow", "and flaky", "since March"]
            assert transport.texts == ["answer 1", "answer 2", "answer 3"]
        finally:
            await engine.dispose()
