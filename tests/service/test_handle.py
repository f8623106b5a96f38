"""Handling inbound events: exactly once, atomically, durably."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import Observed, Reply
from bot.shell.pipe.service import ChannelService, HandleResult
from bot.shell.storage.database import make_engine, upgrade
from bot.shell.storage.queues import Wakeup
from tests.service.fakes import START, FakeClock, FakeTransport, command, text

DEMO = "console:demo"


async def test_an_answer_changes_the_state_and_is_acknowledged(
    service: ChannelService, transport: FakeTransport
) -> None:
    result = await service.handle(text(DEMO, "console:demo:1", "the build is slow"))

    assert result == HandleResult(duplicate=False, effects=(Reply(text="answer 1", message_id="console:demo:1"),))
    state = await service.get_state(DEMO)
    assert state is not None
    assert [a.text for a in state.answers] == ["the build is slow"]
    assert transport.texts == ["answer 1"]


async def test_a_retried_delivery_of_the_same_event_changes_nothing_and_sends_nothing_twice(
    service: ChannelService, transport: FakeTransport
) -> None:
    event = text(DEMO, "console:demo:1", "hello")
    await service.handle(event)
    version = await service.repository.version(DEMO)

    again = await service.handle(event)

    assert again == HandleResult(duplicate=True, effects=())
    assert await service.repository.version(DEMO) == version
    state = await service.get_state(DEMO)
    assert state is not None and len(state.answers) == 1
    assert transport.texts == ["answer 1"]
    assert len(await service.repository.outbox(DEMO)) == 1


async def test_an_event_that_changes_nothing_is_still_recorded_as_processed(service: ChannelService) -> None:
    first = await service.handle(text(DEMO, "console:demo:1", "quiet"))
    second = await service.handle(text(DEMO, "console:demo:1", "quiet"))

    assert (first.duplicate, second.duplicate) == (False, True)
    assert await service.get_state(DEMO) is None  # an untouched default state is not stored
    assert await service.repository.processed_count(DEMO) == 1


async def test_event_ids_are_global_so_platforms_must_qualify_them(service: ChannelService) -> None:
    await service.handle(text("console:a", "console:a:1", "x"))
    assert (await service.handle(text("console:b", "console:a:1", "x"))).duplicate
    assert not (await service.handle(text("console:b", "console:b:1", "x"))).duplicate


async def test_when_decide_fails_nothing_is_recorded_and_the_event_can_be_retried(
    service: ChannelService, transport: FakeTransport
) -> None:
    with pytest.raises(RuntimeError, match="decide failed"):
        await service.handle(command(DEMO, "console:demo:1", "fail"))

    assert await service.repository.processed_count() == 0
    assert await service.repository.event_log() == []
    assert (await service.handle(command(DEMO, "console:demo:1", "post k hi"))).duplicate is False
    assert transport.texts == ["hi"]


async def test_fifty_concurrent_events_for_one_channel_are_each_counted_once(
    service: ChannelService, transport: FakeTransport
) -> None:
    events = [text(DEMO, f"console:demo:{n}", f"answer {n}") for n in range(50)]

    results = await asyncio.gather(*(service.handle(e) for e in events + events[:10]))

    assert sum(not r.duplicate for r in results) == 50
    state = await service.get_state(DEMO)
    assert state is not None
    assert sorted(a.text for a in state.answers) == sorted(e.text for e in events)
    assert len(await service.repository.event_log(DEMO)) == 50
    assert sorted(transport.texts) == sorted(f"answer {n}" for n in range(1, 51))


async def test_an_event_that_fails_among_concurrent_ones_fails_alone(
    service: ChannelService, transport: FakeTransport
) -> None:
    events = [text(DEMO, "console:demo:1", "first"), command(DEMO, "console:demo:2", "fail"),
              text(DEMO, "console:demo:3", "third")]

    results = await asyncio.gather(*(service.handle(e) for e in events), return_exceptions=True)

    assert isinstance(results[1], RuntimeError)
    assert not isinstance(results[0], BaseException) and not results[0].duplicate
    assert not isinstance(results[2], BaseException) and not results[2].duplicate
    state = await service.get_state(DEMO)
    assert state is not None
    assert [a.text for a in state.answers] == ["first", "third"]
    assert await service.repository.processed_count() == 2
    assert len(transport.texts) == 2  # both answered


async def test_two_processes_on_one_database_count_each_event_once(
    database_url: str, engine: AsyncEngine, make_service: Callable[..., ChannelService]
) -> None:
    """Two services with their own engines share no in-process lock; the database serialises."""
    other_engine = make_engine(database_url)
    try:
        first = make_service(engine, FakeTransport())
        second = make_service(other_engine, FakeTransport())
        events = [text(DEMO, f"console:demo:{n}", f"answer {n}") for n in range(50)]

        results = await asyncio.gather(
            *(first.handle(e) for e in events[::2] + events[1::2]),
            *(second.handle(e) for e in events[1::2] + events[::2]),
        )
    finally:
        await other_engine.dispose()

    assert sum(not r.duplicate for r in results) == 50
    state = await first.get_state(DEMO)
    assert state is not None and len(state.answers) == 50
    assert len(await first.repository.event_log(DEMO)) == 50
    assert len(await first.repository.outbox(DEMO)) == 50


async def test_a_state_kept_in_memory_is_never_used_once_another_process_changed_the_row(
    database_url: str, engine: AsyncEngine, make_service: Callable[..., ChannelService]
) -> None:
    """Even when a purge and a new first event bring the row back to the same version."""
    other_engine = make_engine(database_url)
    try:
        first = make_service(engine, FakeTransport())
        second = make_service(other_engine, FakeTransport())
        await first.handle(text(DEMO, "e1", "from the first"))  # version 1, kept by `first`
        assert await second.delete_channel(DEMO)
        await second.handle(text(DEMO, "e2", "from the second"))  # version 1 again, other content
        assert await first.repository.version(DEMO) == 1

        await first.handle(text(DEMO, "e3", "first again"))
    finally:
        await other_engine.dispose()

    state = await first.get_state(DEMO)
    assert state is not None
    assert [a.text for a in state.answers] == ["from the second", "first again"]
    assert await first.repository.version(DEMO) == 2


async def test_state_survives_a_restart(
    database_url: str, clock: FakeClock, make_service: Callable[..., ChannelService]
) -> None:
    engine = make_engine(database_url)
    try:
        await upgrade(engine)
        await make_service(engine, FakeTransport()).handle(text(DEMO, "console:demo:1", "before"))
    finally:
        await engine.dispose()

    engine = make_engine(database_url)
    try:
        restarted = make_service(engine, FakeTransport())
        assert (await restarted.handle(text(DEMO, "console:demo:1", "before"))).duplicate
        await restarted.handle(text(DEMO, "console:demo:2", "after"))
        state = await restarted.get_state(DEMO)
    finally:
        await engine.dispose()
    assert state is not None
    assert [a.text for a in state.answers] == ["before", "after"]


async def test_the_event_log_keeps_kinds_but_never_what_was_said(service: ChannelService) -> None:
    await service.handle(text(DEMO, "console:demo:1", "a secret remark"))
    await service.handle(command(DEMO, "console:demo:2", "schedule checkin 60"))

    log = await service.repository.event_log(DEMO)

    assert [(e.event_id, e.kind, e.effects) for e in log] == [
        ("console:demo:1", "TextMessage", ("Reply",)),
        ("console:demo:2", "CommandIssued", ("Schedule",)),
    ]
    assert "secret" not in repr(log)


async def test_schedule_upserts_a_wakeup_and_unschedule_removes_it(service: ChannelService) -> None:
    await service.handle(command(DEMO, "e1", "schedule checkin 3600"))
    await service.handle(command(DEMO, "e2", "schedule checkin 60"))
    await service.handle(command(DEMO, "e3", "schedule deadline 7200"))
    await service.handle(command("console:other", "e4", "schedule checkin 30"))

    assert await service.repository.all_wakeups() == [
        Wakeup("console:other", "checkin", START + timedelta(seconds=30)),
        Wakeup(DEMO, "checkin", START + timedelta(seconds=60)),
        Wakeup(DEMO, "deadline", START + timedelta(seconds=7200)),
    ]
    assert [w.channel for w in await service.repository.due_wakeups(START + timedelta(seconds=60))] == [
        "console:other",
        DEMO,
    ]

    await service.handle(command(DEMO, "e5", "unschedule checkin"))

    assert [(w.channel, w.kind) for w in await service.repository.all_wakeups()] == [
        ("console:other", "checkin"),
        (DEMO, "deadline"),
    ]


async def test_observed_effects_are_returned_but_neither_sent_nor_queued(
    service: ChannelService, transport: FakeTransport
) -> None:
    result = await service.handle(command(DEMO, "e1", "observe guard_held"))

    assert result.effects == (Observed(what="guard_held", detail=""),)
    assert transport.delivered == []
    assert await service.repository.outbox() == []


async def test_deleting_a_channel_purges_its_content_but_remembers_processed_events(
    service: ChannelService, transport: FakeTransport
) -> None:
    await service.handle(command(DEMO, "e1", "post tally 0 votes"))
    await service.handle(command(DEMO, "e2", "schedule checkin 60"))
    await service.handle(text("console:other", "e3", "unrelated"))

    assert await service.delete_channel(DEMO) is True

    assert await service.get_state(DEMO) is None
    assert await service.repository.outbox(DEMO) == []
    assert await service.repository.all_wakeups() == []
    assert [s.channel for s in await service.all_states()] == ["console:other"]
    assert (await service.handle(command(DEMO, "e1", "post tally 0 votes"))).duplicate
    assert await service.delete_channel("console:never-seen") is False
    # A new keyed post after the purge does not inherit the old platform message id.
    await service.handle(command(DEMO, "e4", "edit tally 1 vote"))
    assert transport.delivered[-1].target is None


async def test_all_states_lists_every_stored_channel(service: ChannelService) -> None:
    for channel in ("console:b", "console:a"):
        await service.handle(text(channel, f"{channel}:1", "hi"))
    assert [s.channel for s in await service.all_states()] == ["console:a", "console:b"]


async def test_overviews_list_one_prefix_from_the_heads_alone(service: ChannelService) -> None:
    for channel in ("console:t_1:b", "console:t_1:a", "console:tx1:c", "console:t_2:d"):
        await service.handle(text(channel, f"{channel}:1", "hi"))

    overviews = await service.overviews("console:t_1:")

    assert [s.channel for s in overviews] == ["console:t_1:a", "console:t_1:b"]  # "_" is not a wildcard
    full = await service.get_state("console:t_1:a")
    assert full is not None and len(full.answers) == 1
    assert overviews[0].answers == ()  # the rows are not read
    assert overviews[0].participants == full.participants and overviews[0].phase == full.phase


async def test_pruning_forgets_old_event_ids_and_delivered_messages_only(
    service: ChannelService, transport: FakeTransport, clock: FakeClock
) -> None:
    await service.handle(text(DEMO, "e1", "old"))
    clock.advance(3600)
    await service.handle(text("telegram:1", "e2", "undeliverable, stays"))
    await service.handle(text(DEMO, "e3", "new"))

    assert await service.repository.prune(START + timedelta(seconds=60)) == 2

    assert [row.channel for row in await service.repository.outbox()] == ["telegram:1", DEMO]
    assert await service.repository.processed_count() == 2
    state = await service.get_state(DEMO)
    assert state is not None and [a.text for a in state.answers] == ["old", "new"]
