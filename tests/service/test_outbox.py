"""Delivering the outbox: in order per channel, at least once, never twice on success."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import Edit, Post
from bot.core.ports import PermanentDeliveryError, RateLimited
from bot.shell.metrics import Metrics
from bot.shell.pipe.outbox import backoff
from bot.shell.pipe.service import ChannelService
from bot.shell.storage.database import make_engine
from bot.shell.storage.queues import channels_with_due_messages
from tests.service.fakes import FakeClock, FakeTransport, command, text

DEMO = "console:demo"
SECRET = "my very private remark"


async def statuses(service: ChannelService, channel: str | None = None) -> list[str]:
    return [row.status for row in await service.repository.outbox(channel)]


async def test_a_crash_after_commit_loses_no_message_and_the_next_start_sends_it_once(
    engine: AsyncEngine, clock: FakeClock, make_service: Callable[..., ChannelService]
) -> None:
    crashed = make_service(engine, FakeTransport(failures=[ConnectionError("network down")]))
    await crashed.handle(text(DEMO, "e1", "hello"))
    assert await statuses(crashed) == ["pending"]

    transport = FakeTransport()
    restarted = make_service(engine, transport)
    clock.advance(1)
    assert await restarted.deliver_pending() == 1
    assert await restarted.deliver_pending() == 0
    assert transport.texts == ["answer 1"]
    assert await statuses(restarted) == ["sent"]


async def test_a_service_discarded_before_delivery_leaves_the_message_for_the_next_one(
    engine: AsyncEngine, make_service: Callable[..., ChannelService]
) -> None:
    without_transport = make_service(engine)
    await without_transport.handle(text(DEMO, "e1", "hello"))
    await without_transport.handle(text(DEMO, "e2", "again"))
    del without_transport

    transport = FakeTransport()
    assert await make_service(engine, transport).deliver_pending() == 2
    assert await make_service(engine, transport).deliver_pending() == 0
    assert transport.texts == ["answer 1", "answer 2"]


async def test_a_missing_transport_leaves_messages_pending_and_is_logged_once(
    service: ChannelService, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.shell"):
        await service.handle(text("telegram:-100", "telegram:1", "hi"))
        await service.handle(text("telegram:-100", "telegram:2", "hi"))
        await service.deliver_pending()
    assert await statuses(service) == ["pending", "pending"]
    assert [r.getMessage() for r in caplog.records].count(
        "no transport for platform 'telegram'; its messages stay pending"
    ) == 1

    telegram = FakeTransport(platform="telegram")
    service.add_transport(telegram)
    assert await service.deliver_pending() == 2
    assert telegram.texts == ["answer 1", "answer 2"]


async def test_rate_limited_messages_wait_and_then_go_out_in_order(
    service: ChannelService, transport: FakeTransport, clock: FakeClock
) -> None:
    transport.failures.append(RateLimited(30))
    await service.handle(text(DEMO, "e1", "one"))
    await service.handle(text(DEMO, "e2", "two"))
    assert transport.delivered == []
    [first, second] = await service.repository.outbox(DEMO)
    assert (first.status, first.attempts, first.next_attempt_at) == (
        "pending",
        0,  # Slack said "later": not a failed try
        clock.now() + timedelta(seconds=30),
    )
    assert second.status == "pending"

    clock.advance(29)
    assert await service.deliver_pending() == 0
    clock.advance(1)
    assert await service.deliver_pending() == 2
    assert transport.texts == ["answer 1", "answer 2"]


async def test_rate_limits_do_not_use_up_a_message_s_tries(
    engine: AsyncEngine, clock: FakeClock, make_service: Callable[..., ChannelService]
) -> None:
    """Seven 429s and one 500 used to lose the reply: a 429 is Slack saying "later", not a failure."""
    transport = FakeTransport(failures=[RateLimited(30)] * 40 + [OSError(SECRET)])
    service = make_service(engine, transport)
    await service.handle(text(DEMO, "e1", "one"))
    for _ in range(42):
        clock.advance(30)
        await service.deliver_pending()

    assert transport.texts == ["answer 1"]
    [row] = await service.repository.outbox(DEMO)
    assert row.status == "sent"


async def test_an_outage_is_retried_at_least_every_minute_until_the_message_is_too_old(
    engine: AsyncEngine, clock: FakeClock, make_service: Callable[..., ChannelService],
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = FakeTransport(failures=[OSError(SECRET) for _ in range(1000)])
    metrics = Metrics()
    service = make_service(engine, transport, give_up_after=timedelta(hours=2), metrics=metrics)
    queued = clock.now()
    with caplog.at_level(logging.DEBUG, logger="bot.shell"):
        await service.handle(text(DEMO, "e1", SECRET))
        delays = []
        while (head := (await service.repository.outbox(DEMO))[0]).status == "pending":
            delays.append((head.next_attempt_at - clock.now()).total_seconds())
            clock.advance(delays[-1])
            if clock.now() - queued >= timedelta(hours=1) and len(await service.repository.outbox(DEMO)) == 1:
                await service.handle(text(DEMO, "e2", SECRET))  # an hour into the outage
            await service.deliver_pending()
            assert transport.delivered == []  # the later message waits behind the one being retried
            async with engine.connect() as connection:  # and does not make the outbox loop look at the channel
                assert await connection.run_sync(channels_with_due_messages, clock.now()) == []

    assert delays[:8] == [1, 2, 4, 8, 16, 32, 60, 60] and max(delays) == 60
    assert timedelta(hours=2) <= clock.now() - queued < timedelta(hours=2, minutes=1)
    assert (head.status, head.last_error) == ("failed", "OSError")
    gave_up = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(gave_up) == 1 and f"outbox {head.id} for channel {DEMO}" in gave_up[0].getMessage()
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    await metrics.refresh(engine, clock.now())
    exposed = metrics.render().decode()
    assert 'voordenken_outbox_given_up_total{platform="console",reason="expired"} 1.0' in exposed
    assert "voordenken_outbox_failed 1.0" in exposed

    [_, later] = await service.repository.outbox(DEMO)
    assert later.status == "pending"  # an hour old: still worth sending
    transport.failures.clear()  # the platform is back: the next message goes
    clock.advance(60)
    await service.deliver_pending()
    assert transport.texts == ["answer 2"]


def test_backoff_doubles_up_to_a_minute() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 6, 7, 10, 600)] == [1, 2, 4, 32, 60, 60, 60]


async def test_a_permanent_error_fails_the_message_at_once_and_spares_everything_else(
    engine: AsyncEngine, make_service: Callable[..., ChannelService], caplog: pytest.LogCaptureFixture
) -> None:
    transport = FakeTransport(failures=[PermanentDeliveryError("not_in_channel")])
    service = make_service(engine, transport)
    with caplog.at_level(logging.DEBUG, logger="bot.shell"):
        await service.handle(text("console:broken", "e1", SECRET))
        await service.handle(text("console:broken", "e2", SECRET))
        await service.handle(text(DEMO, "e3", SECRET))

    assert await statuses(service, "console:broken") == ["failed", "sent"]
    assert await statuses(service, DEMO) == ["sent"]
    [failed, _] = await service.repository.outbox("console:broken")
    assert (failed.attempts, failed.last_error) == (1, "PermanentDeliveryError: not_in_channel")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "console:broken" in warnings[0].getMessage()
    assert "not_in_channel" in warnings[0].getMessage()
    assert all(SECRET not in r.getMessage() for r in caplog.records)


async def test_an_edit_replaces_the_message_its_keyed_post_created(
    service: ChannelService, transport: FakeTransport
) -> None:
    await service.handle(command(DEMO, "e0", "edit tally nothing to edit"))
    await service.handle(command(DEMO, "e1", "post tally 0 votes"))
    await service.handle(text(DEMO, "e2", "unrelated"))
    await service.handle(command(DEMO, "e3", "edit tally 1 vote"))
    await service.handle(command(DEMO, "e4", "edit tally 2 votes"))

    edits = [d for d in transport.delivered if isinstance(d.message, Edit)]
    post = next(d for d in transport.delivered if isinstance(d.message, Post))
    assert edits[0].target is None  # unknown key: the transport posts it as new
    assert [e.target for e in edits[1:]] == [post.platform_id, post.platform_id]
    assert [row.platform_message_id for row in await service.repository.outbox(DEMO)][-1] == post.platform_id


async def test_two_deliverers_never_send_a_message_twice(
    database_url: str, engine: AsyncEngine, make_service: Callable[..., ChannelService]
) -> None:
    writer = make_service(engine)  # no transport: everything stays pending
    for n in range(20):
        await writer.handle(text(f"console:c{n % 4}", f"e{n}", f"m{n}"))

    transport = FakeTransport()
    other_engine = make_engine(database_url)
    try:
        a = make_service(engine, transport)
        b = make_service(other_engine, transport)
        counts = await asyncio.gather(a.deliver_pending(), b.deliver_pending(), a.deliver_pending())
        counts_after = await asyncio.gather(a.deliver_pending(), b.deliver_pending())
    finally:
        await other_engine.dispose()

    assert sum(counts) + sum(counts_after) == 20
    assert len(transport.delivered) == 20
    for n in range(4):
        channel = f"console:c{n}"
        texts = [d.message.text for d in transport.delivered if d.channel == channel]
        assert texts == [f"answer {k}" for k in range(1, 6)]  # each channel in its own order


async def test_the_outbox_loop_delivers_what_others_left_and_stops_when_asked(
    engine: AsyncEngine, make_service: Callable[..., ChannelService]
) -> None:
    await make_service(engine).handle(text(DEMO, "e1", "left behind"))
    transport = FakeTransport()
    delivered = asyncio.Event()
    transport.on_deliver = delivered.set
    service = make_service(engine, transport)
    stop = asyncio.Event()

    loop = asyncio.create_task(service.run_outbox(stop, poll_interval=60))
    await asyncio.wait_for(delivered.wait(), timeout=5)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)

    assert transport.texts == ["answer 1"]


async def test_handling_wakes_the_outbox_loop(
    engine: AsyncEngine, clock: FakeClock, make_service: Callable[..., ChannelService]
) -> None:
    transport = FakeTransport()
    service = make_service(engine, transport)
    stop = asyncio.Event()
    loop = asyncio.create_task(service.run_outbox(stop, poll_interval=60))
    try:
        await asyncio.sleep(0)  # let the loop make its first (empty) pass
        transport.failures.append(RateLimited(0))
        delivered = asyncio.Event()
        transport.on_deliver = lambda: delivered.set() if transport.calls >= 2 else None
        await service.handle(text(DEMO, "e1", "hello"))  # rate limited inline, retried by the loop
        await asyncio.wait_for(delivered.wait(), timeout=5)
    finally:
        stop.set()
        await asyncio.wait_for(loop, timeout=5)
    assert transport.texts == ["answer 1"]
