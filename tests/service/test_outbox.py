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
from bot.shell.pipe.outbox import backoff
from bot.shell.pipe.service import ChannelService
from bot.shell.storage.database import make_engine
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
        1,
        clock.now() + timedelta(seconds=30),
    )
    assert second.status == "pending"

    clock.advance(29)
    assert await service.deliver_pending() == 0
    clock.advance(1)
    assert await service.deliver_pending() == 2
    assert transport.texts == ["answer 1", "answer 2"]


async def test_transient_errors_back_off_exponentially_and_then_fail(
    engine: AsyncEngine, clock: FakeClock, make_service: Callable[..., ChannelService]
) -> None:
    transport = FakeTransport(failures=[OSError(SECRET)] * 4)
    service = make_service(engine, transport, max_attempts=4)
    await service.handle(text(DEMO, "e1", "one"))
    await service.handle(text(DEMO, "e2", "two"))

    delays = []
    for _ in range(3):
        [head, _second] = await service.repository.outbox(DEMO)
        delays.append((head.next_attempt_at - clock.now()).total_seconds())
        clock.advance(delays[-1] - 0.5)
        assert await service.deliver_pending() == 0  # not yet due
        clock.advance(0.5)
        await service.deliver_pending()
    assert delays == [1, 2, 4]

    [head, second] = await service.repository.outbox(DEMO)
    assert (head.status, head.attempts, head.last_error) == ("failed", 4, "OSError")
    assert second.status == "sent"  # the next message is no longer held up
    assert transport.texts == ["answer 2"]


def test_backoff_is_capped_at_five_minutes() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 9, 10, 60)] == [1, 2, 4, 256, 300, 300]


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
