"""A restart loses no schedule; a missed slot is posted once if recent, else skipped."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.model import OutboundMessage
from bot.shell.scheduler import CheckinScheduler
from tests.checkins.conftest import Channel, MakeChannel
from tests.service.fakes import FakeTransport


async def down_and_up(make_channel: MakeChannel, before: Channel, local: str, **settings: object) -> Channel:
    """The bot stops; later a new process starts on the same database."""
    await before.app.close()
    after = await make_channel(now=before.clock.now(), **settings)
    after.set_time(local)
    return after


async def a_daily_check_in(make_channel: MakeChannel) -> Channel:
    channel = await make_channel()
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem checkin daily 09:00")
    return channel


async def test_a_check_in_missed_by_less_than_an_hour_is_posted_once_after_a_restart(
    make_channel: MakeChannel,
) -> None:
    before = await a_daily_check_in(make_channel)
    after = await down_and_up(make_channel, before, "2026-11-26 09:40")
    assert await after.tick() == 1
    assert await after.tick() == 0
    assert len(after.checkins()) == 1
    assert (await after.wakeups())["checkin"].isoformat() == "2026-11-27T08:00:00+00:00"


async def test_a_check_in_missed_by_more_than_an_hour_is_skipped_and_the_next_one_still_comes(
    make_channel: MakeChannel, caplog: pytest.LogCaptureFixture
) -> None:
    before = await a_daily_check_in(make_channel)
    after = await down_and_up(make_channel, before, "2026-11-29 12:00")  # down for three days
    with caplog.at_level(logging.WARNING, logger="bot.shell.scheduler"):
        assert await after.tick() == 1  # the slot is claimed, but nothing is posted
    assert after.checkins() == []  # never several at once, and not this stale one either
    assert "skipped" in caplog.text
    assert (await after.wakeups())["checkin"].isoformat() == "2026-11-30T08:00:00+00:00"
    after.set_time("2026-11-30 09:00")
    await after.tick()
    assert len(after.checkins()) == 1


async def test_the_allowed_lateness_is_a_setting(make_channel: MakeChannel) -> None:
    before = await a_daily_check_in(make_channel)
    after = await down_and_up(make_channel, before, "2026-11-26 10:30", checkin_max_lateness=7200)
    await after.tick()
    assert len(after.checkins()) == 1


async def test_the_scheduler_is_rebuilt_from_the_database_and_rearmed_by_new_schedules(
    make_channel: MakeChannel,
) -> None:
    # A clock years ahead of the real one: APScheduler (real time) never fires during this test.
    channel = await make_channel(now=datetime(2031, 1, 1, 9, 0, tzinfo=UTC))
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem checkin weekly mon 09:00")
    await channel.app.close()
    restarted = await make_channel(now=datetime(2031, 1, 1, 9, 30, tzinfo=UTC))
    app = restarted.app
    scheduler = CheckinScheduler(app.service, app.engine, restarted.clock, poll_interval=timedelta(days=30))
    await scheduler.start()
    try:
        assert scheduler.next_run_time == datetime(2031, 1, 6, 8, 0, tzinfo=UTC)  # read from the wakeups table
        await restarted.say("alice", "/problem checkin daily 10:00")  # an earlier wakeup is recorded
        assert scheduler.next_run_time == datetime(2031, 1, 2, 9, 0, tzinfo=UTC)
    finally:
        await scheduler.stop()
    assert scheduler.next_run_time is None
    # The app's own scheduler also looks every minute for wakeups other replicas wrote.
    await app.scheduler.start()
    assert app.scheduler.next_run_time == datetime(2031, 1, 1, 9, 31, tzinfo=UTC)


async def test_a_started_scheduler_posts_a_missed_check_in_by_itself(make_channel: MakeChannel) -> None:
    before = await a_daily_check_in(make_channel)  # the fake clock is a few days behind the real one
    after = await down_and_up(make_channel, before, "2026-11-26 09:10")
    await after.app.scheduler.start()
    try:
        async with asyncio.timeout(10):
            while not after.checkins():  # APScheduler runs the overdue job in this loop
                await asyncio.sleep(0.01)
    finally:
        await after.app.scheduler.stop()
    assert len(after.checkins()) == 1


async def test_a_wakeup_nobody_handles_is_settled_so_the_scheduler_never_spins(channel: Channel) -> None:
    from bot.shell.storage import queues

    async with channel.app.engine.begin() as connection:
        await connection.run_sync(queues.set_wakeup, channel.key, "something_old", channel.clock.now())
    assert await channel.tick() == 1
    assert await channel.app.scheduler.earliest() is None
    assert await channel.tick() == 0


class HeldTransport(FakeTransport):
    """Delivers only once released: keeps a check-in round under way."""

    def __init__(self) -> None:
        super().__init__(platform="console")
        self.sending = asyncio.Event()
        self.release = asyncio.Event()

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        self.sending.set()
        await self.release.wait()
        return await super().deliver(channel, message, target)


async def test_stopping_during_a_check_in_round_lets_it_finish_without_an_error(
    make_channel: MakeChannel, caplog: pytest.LogCaptureFixture
) -> None:
    """A shutdown (deploy, restart) while a check-in is being sent: it goes out, nothing is logged as failed."""
    before = await a_daily_check_in(make_channel)
    after = await down_and_up(make_channel, before, "2026-11-26 09:10")
    held = HeldTransport()
    after.app.service.add_transport(held)
    await after.app.scheduler.start()
    async with asyncio.timeout(10):
        await held.sending.wait()  # the overdue check-in is on its way

    stopping = asyncio.create_task(after.app.scheduler.stop())
    await asyncio.sleep(0)  # stop() has begun
    held.release.set()
    await asyncio.wait_for(stopping, 10)

    assert [d.message.kind for d in held.delivered] == ["checkin"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
