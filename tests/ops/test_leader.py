"""The advisory-lock lease: one leader at a time; a dead leader's lease is taken over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.shell.leader import Leadership, lock_key
from bot.shell.storage.database import make_engine, sqlite_url_for
from tests.ops.harness import eventually


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(pg_url)
    yield engine
    await engine.dispose()


async def kill_lock_holders(url: str, name: str) -> int:
    """What a crashed replica looks like to PostgreSQL: its connection ends."""
    key = lock_key(name) & 0xFFFFFFFFFFFFFFFF
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid::bigint = ($1::bigint >> 32) AND objid::bigint = ($1::bigint & 4294967295)",
            key,
        )
    finally:
        await admin.close()
    return len(rows)


@pytest.mark.postgres
async def test_only_one_leads_and_the_other_takes_over_when_the_leader_dies(engine: AsyncEngine, pg_url: str) -> None:
    first = Leadership(engine, "telegram", check_interval=2)
    second = Leadership(engine, "telegram", check_interval=2)
    other = Leadership(engine, "something-else", check_interval=2)
    try:
        assert await first.try_acquire()
        assert not await second.try_acquire()
        assert await other.try_acquire()  # a different name is a different lease
        assert await first.still_leading()

        assert await kill_lock_holders(pg_url, "telegram") == 1
        await eventually(second.try_acquire, timeout=10)
        assert not await first.still_leading()  # it notices and stops leading
        assert not await first.try_acquire()
        assert await other.still_leading()
    finally:
        for lease in (first, second, other):
            await lease.close()


@pytest.mark.postgres
async def test_release_hands_the_lease_over(engine: AsyncEngine) -> None:
    first, second = Leadership(engine, "poller"), Leadership(engine, "poller")
    try:
        assert await first.try_acquire()
        assert not await second.try_acquire()
        await first.release()
        assert await second.try_acquire()
    finally:
        await first.close()
        await second.close()


@pytest.mark.postgres
async def test_run_while_leader_starts_the_work_in_one_replica_and_moves_it_on_death(
    engine: AsyncEngine, pg_url: str
) -> None:
    until = asyncio.Event()
    log: list[str] = []
    replicas = {name: Leadership(engine, "poller", retry_interval=0.1, check_interval=0.1) for name in ("a", "b")}

    def steps(name: str) -> tuple[object, object]:
        async def start() -> None:
            log.append(f"start {name}")

        async def stop() -> None:
            log.append(f"stop {name}")

        return start, stop

    tasks = [
        asyncio.create_task(lease.run_while_leader(*steps(name), until))  # type: ignore[arg-type]
        for name, lease in replicas.items()
    ]
    try:
        await eventually(lambda: len(log) == 1)
        leader = log[0].split()[1]
        follower = "b" if leader == "a" else "a"
        assert replicas[leader].leading and not replicas[follower].leading

        assert await kill_lock_holders(pg_url, "poller") == 1
        await eventually(lambda: f"start {follower}" in log)
        await eventually(lambda: f"stop {leader}" in log)
        # The old leader retries but cannot take the lease back while the new one holds it.
        assert replicas[follower].leading and not replicas[leader].leading
    finally:
        until.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert log.count(f"start {follower}") == 1 and log[-1] == f"stop {follower}"


async def test_on_sqlite_every_process_leads(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url_for(tmp_path / "v.db"))
    first, second = Leadership(engine, "poller"), Leadership(engine, "poller")
    try:
        assert await first.try_acquire() and await second.try_acquire()
        assert await first.still_leading()
    finally:
        await first.close()
        await second.close()
        await engine.dispose()
