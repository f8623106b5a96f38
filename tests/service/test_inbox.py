"""Accepted events: stored before the platform hears back, processed once, never lost."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.shell.pipe.service import ChannelService
from bot.shell.storage import queues
from bot.shell.storage.tables import inbox
from tests.service.fakes import START, FakeClock, FakeTransport, command, text

DEMO = "console:demo"


async def waiting(engine: AsyncEngine) -> list[tuple[str, int]]:
    """(event id, attempts) of the events still in the inbox."""
    async with engine.connect() as connection:
        rows = await connection.execute(select(inbox.c.event_id, inbox.c.attempts).order_by(inbox.c.event_id))
        return [(row.event_id, row.attempts) for row in rows]


async def test_an_accepted_message_is_processed_and_leaves_the_inbox(
    service: ChannelService, transport: FakeTransport, engine: AsyncEngine
) -> None:
    await service.accept(text(DEMO, "console:demo:1", "the build is slow"))

    await service.drain()

    state = await service.get_state(DEMO)
    assert state is not None and [a.text for a in state.answers] == ["the build is slow"]
    assert transport.texts == ["answer 1"]
    assert await waiting(engine) == []


async def test_a_lone_message_is_handled_before_the_platform_is_answered(
    service: ChannelService, transport: FakeTransport, engine: AsyncEngine
) -> None:
    # Nothing else going on: the handling transaction makes it durable, no inbox row needed.
    await service.accept(text(DEMO, "console:demo:1", "the build is slow"))

    state = await service.get_state(DEMO)
    assert state is not None and [a.text for a in state.answers] == ["the build is slow"]
    assert await waiting(engine) == []
    await service.drain()
    assert transport.texts == ["answer 1"]


async def test_messages_accepted_together_are_handled_in_the_order_they_came(
    service: ChannelService, transport: FakeTransport, engine: AsyncEngine
) -> None:
    words = ("first", "second", "third", "fourth")
    await asyncio.gather(*(service.accept(text(DEMO, f"console:demo:{n}", word)) for n, word in enumerate(words)))
    await service.drain()

    state = await service.get_state(DEMO)
    assert state is not None and [a.text for a in state.answers] == list(words)
    assert await waiting(engine) == []


async def test_a_platform_retry_of_an_accepted_message_is_processed_once(
    service: ChannelService, transport: FakeTransport, engine: AsyncEngine
) -> None:
    event = text(DEMO, "console:demo:1", "the build is slow")

    await asyncio.gather(service.accept(event), service.accept(event))
    await service.drain()
    await service.accept(event)  # a late retry, after processing
    await service.drain()

    state = await service.get_state(DEMO)
    assert state is not None and len(state.answers) == 1
    assert await service.repository.processed_count() == 1
    assert transport.texts == ["answer 1"]
    assert await waiting(engine) == []


async def test_an_event_left_by_a_process_that_died_is_taken_up_once_its_claim_lapses(
    service: ChannelService, transport: FakeTransport, engine: AsyncEngine, clock: FakeClock
) -> None:
    # What a replica leaves when it is killed between answering the platform and processing.
    async with engine.begin() as connection:
        event = text(DEMO, "console:demo:1", "x")
        await connection.run_sync(queues.add_to_inbox, [event], START, timedelta(seconds=10))

    assert await service.process_inbox() == 0  # still the dead process's to handle
    clock.advance(11)
    assert await service.process_inbox() == 1
    assert await service.process_inbox() == 0

    state = await service.get_state(DEMO)
    assert state is not None and [a.text for a in state.answers] == ["x"]
    assert transport.texts == ["answer 1"]
    assert await waiting(engine) == []


async def test_events_taken_up_from_a_dead_process_keep_their_order(
    service: ChannelService, engine: AsyncEngine, clock: FakeClock
) -> None:
    # Event ids say nothing about order (Slack's are random): arrival does.
    events = [text(DEMO, f"console:demo:{key}", word) for key, word in (("z", "first"), ("a", "second"),
                                                                           ("m", "third"))]
    async with engine.begin() as connection:
        await connection.run_sync(queues.add_to_inbox, events, START, timedelta(seconds=10))
    clock.advance(11)

    assert await service.process_inbox() == 3

    state = await service.get_state(DEMO)
    assert state is not None and [a.text for a in state.answers] == ["first", "second", "third"]


async def test_an_event_that_always_fails_stays_in_the_inbox_after_a_few_attempts(
    service: ChannelService, engine: AsyncEngine, clock: FakeClock
) -> None:
    await service.accept(command(DEMO, "console:demo:1", "fail"))
    await service.drain()
    assert await waiting(engine) == [("console:demo:1", 0)]  # failed, not lost

    retried = 0
    for _ in range(12):
        clock.advance(11)
        retried += await service.process_inbox()

    assert retried == 8
    assert await waiting(engine) == [("console:demo:1", 8)]
    assert await service.repository.processed_count() == 0
    # Once the cause is fixed, an operator's ``voordenken inbox retry`` lets it be taken up again.
    async with engine.begin() as connection:
        assert await connection.run_sync(queues.retry_inbox, clock.now()) == 1
    assert await service.process_inbox() == 1


async def test_storing_a_batch_says_which_events_were_new(engine: AsyncEngine) -> None:
    waiting_one = text(DEMO, "console:demo:1", "already waiting")
    new_one = text(DEMO, "console:demo:2", "new")
    async with engine.begin() as connection:
        first = await connection.run_sync(queues.add_to_inbox, [waiting_one], START, timedelta(seconds=10))
    async with engine.begin() as connection:
        later = START + timedelta(seconds=1)
        second = await connection.run_sync(queues.add_to_inbox, [waiting_one, new_one, new_one], later,
                                           timedelta(seconds=10))

    assert first == {"console:demo:1"}
    assert second == {"console:demo:2"}
    assert await waiting(engine) == [("console:demo:1", 0), ("console:demo:2", 0)]


async def test_a_message_waits_for_one_another_replica_accepted_before_it(
    service: ChannelService, transport: FakeTransport, engine: AsyncEngine, clock: FakeClock
) -> None:
    # Another replica accepted alice's first message (the platform has its answer) and has not
    # handled it yet; her second message reaches this replica.
    async with engine.begin() as connection:
        earlier = text(DEMO, "console:demo:other", "first")
        await connection.run_sync(queues.add_to_inbox, [earlier], START, timedelta(seconds=10))

    await service.accept(text(DEMO, "console:demo:here", "second"))
    await service.drain()

    state = await service.get_state(DEMO)
    assert state is not None and [a.text for a in state.answers] == ["first", "second"]
    assert transport.texts == ["answer 1", "answer 2"]
    assert await waiting(engine) == []
    # The other replica finds its event taken and leaves it: nothing is applied twice.
    clock.advance(11)
    assert await service.process_inbox() == 0
    assert await service.repository.processed_count() == 2


async def test_an_unreadable_event_another_replica_left_does_not_hold_up_the_channel(
    service: ChannelService, transport: FakeTransport, engine: AsyncEngine
) -> None:
    # Written by a newer release, say: this one cannot read it, and leaves it for a person.
    async with engine.begin() as connection:
        await connection.execute(inbox.insert().values(
            event_id="console:demo:newer", channel=DEMO, payload='{"type": "FromTheFuture"}',
            received_at=START, claimed_until=START + timedelta(seconds=10), attempts=0,
        ))

    await service.accept(text(DEMO, "console:demo:1", "the build is slow"))
    await service.drain()

    state = await service.get_state(DEMO)
    assert state is not None and [a.text for a in state.answers] == ["the build is slow"]
    assert transport.texts == ["answer 1"]
    assert await waiting(engine) == [("console:demo:newer", 0)]
