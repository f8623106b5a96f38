"""claim_inbox: how workers (and the sweep for dead replicas) take events from the inbox.

The claim is one UPDATE of the oldest rows nobody holds. What an operator would notice if
it were wrong: events answered out of order, an event answered twice by two workers, a
worker stuck waiting behind another's open claim, or a poisoned event retried forever.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import Sender, TextMessage
from bot.shell.storage import queues
from bot.shell.storage.codec import decode_event
from bot.shell.storage.database import make_engine, upgrade
from bot.shell.storage.queues import InboxRow
from bot.shell.storage.tables import inbox
from tests.storage.pg import postgres_url_or_skip

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
CLAIM = timedelta(seconds=10)
MAX_ATTEMPTS = 3


def message(key: str) -> TextMessage:
    return TextMessage(event_id=f"console:{key}", channel="console:demo", sender=Sender(id="U1", name="Alice"),
                       text=f"point {key}", message_id=key)


async def store(engine: AsyncEngine, keys: str, *, at: datetime = T0, claim: timedelta = timedelta(0)) -> None:
    """Events as a web replica stores them: one by one, unclaimed (``claim`` 0) unless told."""
    for key in keys:
        async with engine.begin() as connection:
            await connection.run_sync(queues.add_to_inbox, [message(key)], at, claim)


async def claim(engine: AsyncEngine, now: datetime, limit: int = 100) -> list[InboxRow]:
    async with engine.begin() as connection:
        return await connection.run_sync(queues.claim_inbox, now, CLAIM, MAX_ATTEMPTS, limit)


def keys(rows: list[InboxRow]) -> str:
    return "".join(row.event_id.removeprefix("console:") for row in rows)


async def claimed_until(engine: AsyncEngine) -> dict[str, datetime]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(inbox.c.event_id, inbox.c.claimed_until))
        return {row.event_id.removeprefix("console:"): row.claimed_until for row in rows}


async def test_the_oldest_events_are_claimed_first_and_no_more_than_asked(engine: AsyncEngine) -> None:
    await store(engine, "qzbxa")  # arrival order; the ids sort otherwise

    first = await claim(engine, T0, limit=3)
    second = await claim(engine, T0, limit=3)

    assert keys(first) == "qzb" and keys(second) == "xa"
    assert await claim(engine, T0) == []
    assert [row.attempts for row in first + second] == [1] * 5
    assert decode_event(first[0].payload) == message("q")  # the payload is the stored event
    assert set((await claimed_until(engine)).values()) == {T0 + CLAIM}


async def test_an_event_someone_holds_is_skipped_until_the_claim_lapses(engine: AsyncEngine) -> None:
    await store(engine, "a", claim=CLAIM)  # accepted by a replica that processes it itself
    await store(engine, "b")  # left by a web replica

    async with engine.connect() as connection:
        assert await connection.run_sync(queues.inbox_claimable, T0, MAX_ATTEMPTS)
    assert keys(await claim(engine, T0)) == "b"
    async with engine.connect() as connection:  # both held now: an idle poll needs no write
        assert not await connection.run_sync(queues.inbox_claimable, T0 + CLAIM - timedelta(seconds=1), MAX_ATTEMPTS)
    assert await claim(engine, T0 + CLAIM - timedelta(seconds=1)) == []

    # The holder died: once its claim runs out both come back, oldest first, counted again.
    again = await claim(engine, T0 + CLAIM)
    assert keys(again) == "ab"
    assert [row.attempts for row in again] == [1, 2]


async def test_an_event_claimed_max_attempts_times_is_left_for_a_person(engine: AsyncEngine) -> None:
    await store(engine, "a")
    now = T0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [row] = await claim(engine, now)
        assert row.attempts == attempt
        now += CLAIM

    assert await claim(engine, now + timedelta(days=1)) == []
    async with engine.connect() as connection:
        assert not await connection.run_sync(queues.inbox_claimable, now + timedelta(days=1), MAX_ATTEMPTS)
        assert [w.attempts for w in await connection.run_sync(queues.waiting_in_inbox)] == [MAX_ATTEMPTS]
    async with engine.begin() as connection:  # ``voordenken inbox retry``
        await connection.run_sync(queues.retry_inbox, now)
    assert [row.attempts for row in await claim(engine, now)] == [1]


# --------------------------------------------------------------------------- PostgreSQL: concurrent workers


@pytest.fixture
async def pg_engine() -> AsyncIterator[AsyncEngine]:
    async with postgres_url_or_skip() as url:
        engine = make_engine(url)
        try:
            await upgrade(engine)
            yield engine
        finally:
            await engine.dispose()


@pytest.mark.postgres
async def test_a_second_worker_skips_the_rows_an_open_claim_holds_without_waiting(pg_engine: AsyncEngine) -> None:
    await store(pg_engine, "abcdef")
    async with pg_engine.connect() as first, pg_engine.connect() as second:
        await first.begin()
        held = await first.run_sync(queues.claim_inbox, T0, CLAIM, MAX_ATTEMPTS, 2)  # not committed yet
        await second.begin()
        # Would block until the first commits without SKIP LOCKED: bounded, so a hang fails fast.
        taken = await asyncio.wait_for(second.run_sync(queues.claim_inbox, T0, CLAIM, MAX_ATTEMPTS, 3), 5)
        await second.commit()
        await first.commit()

    assert keys(held) == "ab" and keys(taken) == "cde"
    assert keys(await claim(pg_engine, T0)) == "f"


@pytest.mark.postgres
async def test_many_workers_claiming_at_once_take_each_event_exactly_once(pg_engine: AsyncEngine) -> None:
    events = [message(f"e{n:03d}") for n in range(300)]
    async with pg_engine.begin() as connection:
        await connection.run_sync(queues.add_to_inbox, events, T0, timedelta(0))
    taken: list[list[str]] = [[] for _ in range(8)]

    async def worker(mine: list[str]) -> None:
        while rows := await claim(pg_engine, T0, limit=7):
            assert len(rows) <= 7
            mine.extend(row.event_id for row in rows)

    await asyncio.wait_for(asyncio.gather(*(worker(mine) for mine in taken)), 30)

    counts = Counter(event_id for mine in taken for event_id in mine)
    assert sorted(counts) == sorted(event.event_id for event in events)
    assert set(counts.values()) == {1}, "an event was claimed by two workers"
    assert sum(1 for mine in taken if mine) > 1, "the claims did not overlap in time"
    for mine in taken:  # each worker still sees its own events oldest first
        assert mine == sorted(mine)


async def take(engine: AsyncEngine, limit: int, own: tuple[str, ...] = (), channel: str = "console:demo") -> str:
    async with engine.begin() as connection:
        rows = await connection.run_sync(queues.take_inbox, channel, [f"console:{key}" for key in own], limit,
                                         MAX_ATTEMPTS)
    return "".join(row.event_id.removeprefix("console:") for row in rows)


async def test_a_channel_s_waiting_events_are_taken_oldest_first_whoever_accepted_them(engine: AsyncEngine) -> None:
    await store(engine, "ab", claim=CLAIM)  # accepted by one replica, still its own to handle
    await store(engine, "c")  # left by a web replica for the workers
    async with engine.begin() as connection:  # another channel's event
        other = TextMessage(event_id="console:z", channel="console:other", sender=Sender(id="U1", name="Alice"),
                            text="elsewhere", message_id="z")
        await connection.run_sync(queues.add_to_inbox, [other], T0, CLAIM)

    assert await take(engine, limit=2) == "ab"
    assert await take(engine, limit=2) == "c"
    assert await take(engine, limit=2) == ""
    assert await take(engine, limit=2, channel="console:other") == "z"


async def test_an_event_left_for_a_person_is_taken_only_as_its_own_last_attempt(engine: AsyncEngine) -> None:
    await store(engine, "xy")
    async with engine.begin() as connection:
        await connection.execute(inbox.update().where(inbox.c.event_id == "console:x").values(attempts=MAX_ATTEMPTS))

    assert await take(engine, limit=10) == "y"
    assert await take(engine, limit=0, own=("x",)) == "x"


async def test_a_purge_drops_every_waiting_event_of_its_channel_only(engine: AsyncEngine) -> None:
    await store(engine, "ab")
    async with engine.begin() as connection:
        await connection.execute(inbox.update().where(inbox.c.event_id == "console:b").values(attempts=MAX_ATTEMPTS))
        other = TextMessage(event_id="console:z", channel="console:other", sender=Sender(id="U1", name="Alice"),
                            text="elsewhere", message_id="z")
        await connection.run_sync(queues.add_to_inbox, [other], T0, CLAIM)
        assert await connection.run_sync(queues.drop_inbox, "console:demo") == 2

    assert await take(engine, limit=10) == ""
    assert await take(engine, limit=10, channel="console:other") == "z"


async def test_a_purge_in_a_batch_keeps_what_was_said_after_it_and_drops_what_was_left_for_a_person(
    engine: AsyncEngine,
) -> None:
    # The batch applying the purge took every event accepted before it; "a" waits because it
    # was accepted after the purge, "b" was given up on long before.
    await store(engine, "ab")
    async with engine.begin() as connection:
        await connection.execute(
            inbox.update().where(inbox.c.event_id == "console:b").values(attempts=queues.INBOX_ATTEMPTS))
        assert await connection.run_sync(lambda sync: queues.drop_inbox(sync, "console:demo", in_batch=True)) == 1

    assert await take(engine, limit=10) == "a"
