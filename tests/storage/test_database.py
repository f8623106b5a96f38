"""Engine configuration: what makes SQLite safe for several writers."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.shell.storage.database import Transactor, make_engine, sqlite_url_for, upgrade
from bot.shell.storage.queues import Wakeup, clear_wakeup, set_wakeup
from bot.shell.storage.tables import wakeups
from bot.shell.storage.views import Views


def test_sqlite_url_for_makes_an_absolute_aiosqlite_url(tmp_path: Path) -> None:
    url = sqlite_url_for(tmp_path / "bot.db")
    assert url == f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


async def test_sqlite_connections_use_wal_a_busy_timeout_and_immediate_transactions(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    engine = make_engine(sqlite_url_for(path))
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 5000
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))
            # Even a read-only transaction holds the write lock, so another writer must wait.
            other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
    finally:
        await engine.dispose()


async def test_times_come_back_as_aware_utc(engine: AsyncEngine) -> None:
    amsterdam = timezone(timedelta(hours=1))
    async with engine.begin() as connection:
        at = datetime(2026, 11, 28, 10, 0, tzinfo=amsterdam)
        await connection.run_sync(set_wakeup, "console:demo", "checkin", at)
    [wakeup] = await Views(Transactor(engine)).all_wakeups()
    assert wakeup.at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert wakeup.at.utcoffset() == timedelta(0)


async def test_naive_times_are_refused(engine: AsyncEngine) -> None:
    with pytest.raises(StatementError, match="naive"):
        async with engine.begin() as connection:
            await connection.execute(insert(wakeups).values(channel="c", kind="k", at=datetime(2026, 1, 1)))


async def test_a_wakeup_per_channel_and_kind_is_upserted_and_listed_when_due(engine: AsyncEngine) -> None:
    at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    repository = Views(Transactor(engine))
    async with engine.begin() as connection:
        await connection.run_sync(set_wakeup, "console:a", "checkin", at + timedelta(hours=2))
        await connection.run_sync(set_wakeup, "console:a", "checkin", at + timedelta(hours=1))  # moved earlier
        await connection.run_sync(set_wakeup, "console:a", "deadline", at + timedelta(hours=3))
        await connection.run_sync(set_wakeup, "console:b", "checkin", at)
    assert await repository.all_wakeups() == [
        Wakeup("console:b", "checkin", at),
        Wakeup("console:a", "checkin", at + timedelta(hours=1)),
        Wakeup("console:a", "deadline", at + timedelta(hours=3)),
    ]
    assert await repository.due_wakeups(at + timedelta(hours=1)) == [
        Wakeup("console:b", "checkin", at),
        Wakeup("console:a", "checkin", at + timedelta(hours=1)),
    ]
    async with engine.begin() as connection:
        await connection.run_sync(clear_wakeup, "console:a", "checkin")
        await connection.run_sync(clear_wakeup, "console:a", "never-set")
    async with engine.connect() as connection:
        kinds = (await connection.execute(select(wakeups.c.kind).where(wakeups.c.channel == "console:a"))).all()
    assert [k for (k,) in kinds] == ["deadline"]


async def test_a_write_waits_for_another_process_holding_the_lock(tmp_path: Path) -> None:
    """The event loop's own attempt fails at once; the writer thread waits for the lock instead."""
    url = sqlite_url_for(tmp_path / "bot.db")
    engine = make_engine(url)
    await upgrade(engine)
    transactor = Transactor(engine)
    other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO wakeups (channel, kind, at) VALUES ('console:x', 'other', '2026-01-01 00:00:00')")
        write = asyncio.create_task(transactor.write(_insert_wakeup, "console:x", "mine"))
        await asyncio.sleep(0)  # the task ran up to its wait for the writer thread
        assert not write.done()
        other.execute("COMMIT")
        await write
        async with engine.connect() as connection:
            kinds = (await connection.execute(select(wakeups.c.kind).order_by(wakeups.c.kind))).scalars().all()
        assert kinds == ["mine", "other"]
    finally:
        other.close()
        await engine.dispose()


def _insert_wakeup(connection: Connection, channel: str, kind: str) -> None:
    connection.execute(wakeups.insert().values(channel=channel, kind=kind, at=datetime(2026, 1, 1, tzinfo=UTC)))
