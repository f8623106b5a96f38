"""VOORDENKEN_ROLE at the service: a web process stores and acknowledges, a worker answers.

Two services share one database, as a web replica and a worker do: the web one is built
with ``process_accepted=False`` (what ``bot.app.bootstrap`` does for ``role=web``), the worker
takes what waits in the inbox with ``process_inbox`` / ``run_inbox``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import ChannelState, Decision, InboundEvent, OutboundMessage, Reply
from bot.shell.pipe.service import ChannelService
from bot.shell.storage import queues
from bot.shell.storage.database import Transactor
from bot.shell.storage.tables import inbox
from tests.service.fakes import FakeClock, FakeTransport, counting_decide, new_state, text
from tests.service.test_inbox import waiting
from tests.waiting import until

DEMO = "console:demo"
OTHER = "console:other"


@pytest.fixture
def web_transport() -> FakeTransport:
    """The web process has the platform's transport too (``serve`` adds it); it must stay unused."""
    return FakeTransport()


@pytest.fixture
def web(engine: AsyncEngine, clock: FakeClock, web_transport: FakeTransport) -> ChannelService:
    return ChannelService(Transactor(engine), counting_decide, new_state, clock, {"console": web_transport},
                          process_accepted=False)


@pytest.fixture
def worker(engine: AsyncEngine, clock: FakeClock, transport: FakeTransport) -> ChannelService:
    return ChannelService(Transactor(engine), counting_decide, new_state, clock, {"console": transport})


async def answers(service: ChannelService, channel: str = DEMO) -> list[str]:
    state = await service.get_state(channel)
    return [] if state is None else [answer.text for answer in state.answers]


def replied_to(transport: FakeTransport, channel: str = DEMO) -> list[str | None]:
    """The message each reply answered, in the order the replies went out."""
    return [d.message.message_id for d in transport.delivered
            if d.channel == channel and isinstance(d.message, Reply)]


async def claimable(engine: AsyncEngine, now: datetime) -> bool:
    async with engine.connect() as connection:
        return await connection.run_sync(queues.inbox_claimable, now, 8)


async def test_the_web_process_only_stores_and_the_worker_answers(
    web: ChannelService, worker: ChannelService, engine: AsyncEngine, clock: FakeClock,
    transport: FakeTransport, web_transport: FakeTransport,
) -> None:
    await web.accept(text(DEMO, "console:demo:1", "the build is slow"))
    await web.drain()

    # Acknowledged and durable, but nothing decided or sent by the web process...
    assert await web.get_state(DEMO) is None
    assert await web.repository.processed_count() == 0
    assert web_transport.calls == 0
    assert await waiting(engine) == [("console:demo:1", 0)]
    # ...and left unclaimed: a worker may take it at once, not after a dead replica's claim lapses.
    assert await claimable(engine, clock.now())

    assert await worker.process_inbox() == 1
    await worker.drain()

    assert await answers(worker) == ["the build is slow"]
    assert transport.texts == ["answer 1"]
    assert web_transport.calls == 0
    assert await waiting(engine) == []
    assert not await claimable(engine, clock.now())
    assert await worker.process_inbox() == 0  # an idle poll finds nothing


async def test_a_slack_retry_stored_twice_by_the_web_is_answered_once(
    web: ChannelService, worker: ChannelService, engine: AsyncEngine, transport: FakeTransport
) -> None:
    event = text(DEMO, "console:demo:1", "the build is slow")

    await asyncio.gather(web.accept(event), web.accept(event))  # Slack retried before our 200 arrived
    await web.accept(event)  # and once more, while it still waits
    assert await waiting(engine) == [("console:demo:1", 0)]
    assert await worker.process_inbox() == 1

    await web.accept(event)  # a late retry, after the worker answered: stored again...
    assert await worker.process_inbox() == 1  # ...and recognised as seen
    await worker.drain()

    assert await answers(worker) == ["the build is slow"]
    assert await worker.repository.processed_count() == 1
    assert transport.texts == ["answer 1"]
    assert await waiting(engine) == []


async def test_the_worker_answers_in_arrival_order_across_several_claims(
    web: ChannelService, worker: ChannelService, engine: AsyncEngine, transport: FakeTransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.shell.pipe.inbox._INBOX_BATCH", 3)  # 11 events: four claims
    # Slack's event ids are random: only arrival says what came first. Two channels interleaved.
    said: dict[str, list[tuple[str, str]]] = {DEMO: [], OTHER: []}  # channel -> (event id, text)
    for n, key in enumerate("qzbxamyckwd"):
        channel = (DEMO, OTHER)[n % 3 == 2]
        said[channel].append((f"{channel}:{key}", f"point {n}"))
        await web.accept(text(channel, *said[channel][-1]))

    async def inbox_empty() -> bool:
        return await waiting(engine) == []

    # The worker's loop claims again at once while claims come back full: no poll interval waited.
    stop = asyncio.Event()
    polling = asyncio.create_task(worker.run_inbox(stop, interval=60))
    try:
        await until(inbox_empty, "the inbox to empty")
    finally:
        stop.set()
        await polling
    await worker.drain()

    for channel, messages in said.items():
        assert await answers(worker, channel) == [body for _, body in messages]
        assert replied_to(transport, channel) == [event_id for event_id, _ in messages]
    assert len(transport.delivered) == 11


async def test_an_unreadable_inbox_row_stays_and_the_others_are_answered(
    web: ChannelService, worker: ChannelService, engine: AsyncEngine, clock: FakeClock,
    transport: FakeTransport, caplog: pytest.LogCaptureFixture,
) -> None:
    for n in (1, 2, 3):
        await web.accept(text(DEMO, f"console:demo:{n}", f"point {n}"))
    async with engine.begin() as connection:  # e.g. stored by a newer release during a rollout
        await connection.execute(update(inbox).where(inbox.c.event_id == "console:demo:2")
                                 .values(payload='{"type":"ReactionAdded","data":{}}'))

    with caplog.at_level(logging.ERROR, logger="bot.shell"):
        assert await worker.process_inbox() == 3
    await worker.drain()

    assert await answers(worker) == ["point 1", "point 3"]
    assert transport.texts == ["answer 1", "answer 2"]
    assert await waiting(engine) == [("console:demo:2", 1)]  # left for a person, its attempt counted
    assert "console:demo:2 cannot be read" in caplog.text
    assert "ReactionAdded" not in caplog.text and "point" not in caplog.text  # no payload in the logs

    assert await worker.process_inbox() == 0  # claimed for a while, not retried in a hot loop
    clock.advance(11)
    assert await worker.process_inbox() == 1
    assert await waiting(engine) == [("console:demo:2", 2)]
    assert await answers(worker) == ["point 1", "point 3"]


async def test_a_retry_among_new_events_is_skipped_and_the_others_decided_on_the_right_state(
    web: ChannelService, engine: AsyncEngine, clock: FakeClock, transport: FakeTransport
) -> None:
    """The worker decides a batch before its transaction, on the state it knows; a duplicate in
    the batch makes those decisions wrong for the events after it, so they are decided again."""
    decided: list[str] = []

    def recording(state: ChannelState, event: InboundEvent, now: datetime) -> Decision:
        decided.append(event.event_id)
        return counting_decide(state, event, now)

    worker = ChannelService(Transactor(engine), recording, new_state, clock, {"console": transport})
    a, b, c = (text(DEMO, f"console:demo:{key}", f"point {key}") for key in "abc")
    await web.accept(a)
    assert await worker.process_inbox() == 1  # the worker now knows the channel's state

    for event in (b, a, c):  # a: Slack's late retry, between two new messages
        await web.accept(event)
    assert await worker.process_inbox() == 3
    await worker.drain()

    # b, a and c were planned together, then b and c decided again in the transaction.
    assert decided == ["console:demo:a", *["console:demo:b", "console:demo:a", "console:demo:c"],
                       "console:demo:b", "console:demo:c"]
    assert await answers(worker) == ["point a", "point b", "point c"]
    assert transport.texts == ["answer 1", "answer 2", "answer 3"]
    assert replied_to(transport) == ["console:demo:a", "console:demo:b", "console:demo:c"]
    assert [entry.event_id for entry in await worker.repository.event_log(DEMO)] == [
        "console:demo:a", "console:demo:b", "console:demo:c"]
    assert await waiting(engine) == []


@dataclass
class StuckTransport(FakeTransport):
    """Delivers to ``DEMO`` only once ``unstuck`` is set: Slack hanging on a call (the client waits 30 s)."""

    unstuck: asyncio.Event | None = None

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        if channel == DEMO and self.unstuck is not None:
            await self.unstuck.wait()
        return await super().deliver(channel, message, target)


async def test_a_delivery_stuck_in_one_channel_does_not_hold_up_the_others(
    web: ChannelService, engine: AsyncEngine, clock: FakeClock
) -> None:
    """A worker serves every channel: one slow Slack call must not leave the others unanswered."""
    unstuck = asyncio.Event()
    transport = StuckTransport(unstuck=unstuck)
    worker = ChannelService(Transactor(engine), counting_decide, new_state, clock, {"console": transport})
    stop = asyncio.Event()
    polling = asyncio.create_task(worker.run_inbox(stop, interval=0.01))
    try:
        await web.accept(text(DEMO, "console:demo:1", "the build is slow"))

        async def demo_answered() -> bool:
            return await answers(worker, DEMO) == ["the build is slow"]

        await until(demo_answered, "the first message to be processed")  # its reply is stuck
        await web.accept(text(OTHER, "console:other:1", "the tests are flaky"))

        async def other_replied() -> bool:
            return replied_to(transport, OTHER) == ["console:other:1"]

        await until(other_replied, "the other channel's reply, while the first one's is stuck", timeout=1)
    finally:
        unstuck.set()
        stop.set()
        await polling


