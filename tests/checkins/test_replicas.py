"""Several replicas on one PostgreSQL database: each slot is posted exactly once."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.shell.storage.tables import outbox, processed_events
from tests.checkins.conftest import WEDNESDAY, Channel, make_app
from tests.service.fakes import FakeClock, FakeTransport
from tests.storage.pg import deadlocks, postgres_url_or_skip

pytestmark = pytest.mark.postgres
CHANNELS = 40


async def test_two_schedulers_firing_the_same_slots_post_each_check_in_once() -> None:
    async with postgres_url_or_skip() as url:
        clock_a, clock_b = FakeClock(WEDNESDAY), FakeClock(WEDNESDAY)
        said_a, said_b = FakeTransport(platform="console"), FakeTransport(platform="console")
        replica_a = await make_app(url, clock_a, said_a)
        replica_b = await make_app(url, clock_b, said_b)  # its own engine, locks and scheduler
        try:
            for number in range(CHANNELS):
                channel = Channel(replica_a, said_a, clock_a, key=f"console:team{number}")
                await channel.say("alice", "/problem start")
                await channel.say("alice", "/problem checkin daily 09:00")
            said_a.delivered.clear()
            for clock in (clock_a, clock_b):
                clock.advance(23 * 3600)  # Thursday 09:00 in Amsterdam

            for _ in range(3):  # and again, as a poll after a slow commit would
                claimed = await asyncio.gather(replica_a.scheduler.fire_due(), replica_b.scheduler.fire_due())
                if _ == 0:
                    assert sum(claimed) == CHANNELS  # whichever replica was first
            checkins = [d for d in said_a.delivered + said_b.delivered if getattr(d.message, "kind", "") == "checkin"]
            assert len(checkins) == CHANNELS
            assert len({d.channel for d in checkins}) == CHANNELS
            async with replica_a.engine.begin() as connection:
                ticks = (await connection.execute(
                    select(func.count()).select_from(processed_events).where(processed_events.c.event_id.like("tick:%"))
                )).scalar_one()
                rows = (await connection.execute(select(func.count()).select_from(outbox).where(
                    outbox.c.payload.like('%"kind":"checkin"%')))).scalar_one()
            assert ticks == CHANNELS
            assert rows == CHANNELS
            wakeups = await replica_b.service.repository.all_wakeups()
            assert {w.at.isoformat() for w in wakeups} == {"2026-11-27T08:00:00+00:00"}
        finally:
            await replica_a.close()
            await replica_b.close()
        # The two replicas fired the same slots at once without deadlocking each other.
        assert await deadlocks(url) == 0
