"""A channel's state stored as a head document plus one row per item: exact, and only what changed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import Answer, ChannelState, Draft, ParkedItem, Phase, Task
from bot.shell.storage.channels import LostRace, StoredState, load_channel, save_channel
from bot.shell.storage.codec import ITEM_FIELDS, encode_item
from bot.shell.storage.database import Transactor, alembic_config, make_sync_sqlite_engine, sqlite_url_for
from bot.shell.storage.purge import purge_channel
from bot.shell.storage.tables import channel_items, channels
from bot.shell.storage.views import Views
from tests.storage.test_codec import states

DEMO = "console:demo"
AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def answer(n: int, text: str | None = None) -> Answer:
    return Answer(step=n % 6, user=f"u{n % 3}", text=text or f"answer {n} — ü", at=AT + timedelta(minutes=n))


def sample_state(answers: int = 3, channel: str = DEMO) -> ChannelState:
    """Every item field filled, and a head with more than defaults in it."""
    return ChannelState(
        channel=channel,
        phase=Phase.DRAFTING,
        topic="the build is slow",
        participants={"u0": "Ann", "u1": "Bob"},
        answers=tuple(answer(n) for n in range(answers)),
        drafts=(Draft(1, "first draft", "bot", AT),),
        parked=tuple(ParkedItem(n, "u1", f"parked {n}", AT, cue="later") for n in range(1, 4)),
        tasks=(Task(7, "u0", "fix CI", "u1", AT),),
        recent_events=("e1", "e2"),
        started_at=AT,
    )


def stored_rows(connection: Connection, channel: str) -> dict[str, list[tuple[int, str]]]:
    """field -> [(seq, data)] as stored, in order."""
    rows = connection.execute(
        select(channel_items.c.field, channel_items.c.seq, channel_items.c.data)
        .where(channel_items.c.channel == channel)
        .order_by(channel_items.c.field, channel_items.c.seq)
    )
    grouped: dict[str, list[tuple[int, str]]] = {}
    for field, seq, data in rows:
        grouped.setdefault(field, []).append((seq, data))
    return grouped


def stored_size(connection: Connection, channel: str) -> int:
    document = connection.execute(select(channels.c.state).where(channels.c.key == channel)).scalar_one()
    items = stored_rows(connection, channel)
    return len(document) + sum(len(data) for rows in items.values() for _, data in rows)


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (and parameters) executed on ``engine`` inside the block."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sql = " ".join(statement.split())
        if sql.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):  # not BEGIN and the like
            seen.append((sql, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def on_items(seen: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [(sql, parameters) for sql, parameters in seen if "channel_items" in sql]


def fields_in(parameters: Any) -> set[str]:
    """The item field names among a statement's parameters (one set, or a list of sets)."""
    if isinstance(parameters, dict):
        parameters = parameters.values()
    found: set[str] = set()
    for value in parameters:
        if isinstance(value, list | tuple | dict):
            found |= fields_in(value)
        elif value in ITEM_FIELDS:
            found.add(value)
    return found


async def run(engine: AsyncEngine, fn: Any, *args: Any) -> Any:
    async with engine.begin() as connection:
        return await connection.run_sync(fn, *args)


# --------------------------------------------------------------------------- round trip


@pytest.fixture(scope="module")
def sync_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated SQLite file with the blocking engine the service writes through."""
    engine = make_sync_sqlite_engine(sqlite_url_for(Path(tmp_path_factory.mktemp("items")) / "bot.db"))
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    yield engine
    engine.dispose()


def _follow_up(pair: tuple[ChannelState, ChannelState], extend: tuple[bool, ...]) -> tuple[ChannelState, ChannelState]:
    """A second state for the first's channel; some item fields extend the first's (append path)."""
    first, second = pair
    first = replace(first, channel=DEMO)
    changes = {
        field: getattr(first, field) + getattr(second, field)
        for field, appended in zip(ITEM_FIELDS, extend, strict=True)
        if appended
    }
    return first, replace(second, channel=DEMO, **changes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=st.tuples(states, states), extend=st.tuples(*(st.booleans() for _ in ITEM_FIELDS)))
def test_any_state_survives_save_and_load_and_so_does_any_next_one(
    sync_engine: Engine, pair: tuple[ChannelState, ChannelState], extend: tuple[bool, ...]
) -> None:
    first, second = _follow_up(pair, extend)
    with sync_engine.connect() as connection, connection.begin() as transaction:
        stored = save_channel(connection, first, None, AT)
        loaded = load_channel(connection, DEMO)
        assert loaded is not None
        assert loaded.state == first
        assert (loaded.version, loaded.generation, loaded.size) == (1, stored.generation, stored.size)
        assert stored.size == stored_size(connection, DEMO)

        again = save_channel(connection, second, stored, AT)
        loaded = load_channel(connection, DEMO)
        assert loaded is not None
        assert loaded.state == second
        assert type(loaded.state.answers) is tuple
        assert (loaded.version, loaded.generation) == (2, stored.generation)
        assert again.size == loaded.size == stored_size(connection, DEMO)
        transaction.rollback()


async def test_repository_reads_assemble_every_channel_with_its_own_items(engine: AsyncEngine) -> None:
    first, second = sample_state(4), sample_state(2, channel="console:other")
    empty = ChannelState(channel="console:empty", topic="nothing yet")
    for state in (first, second, empty):
        await run(engine, save_channel, state, None, AT)
    repository = Views(Transactor(engine))

    assert await repository.all_states() == [first, empty, second]  # by key: demo, empty, other
    assert await repository.get_state("console:other") == second
    assert await repository.get_state("console:none") is None


async def test_the_head_document_holds_no_items(engine: AsyncEngine) -> None:
    await run(engine, save_channel, sample_state(3), None, AT)
    async with engine.connect() as connection:
        document = (await connection.execute(select(channels.c.state))).scalar_one()
        rows = await connection.run_sync(stored_rows, DEMO)
    assert '"answers":[]' in document and '"parked":[]' in document and "answer 0" not in document
    counts = {field: len(values) for field, values in rows.items()}
    assert counts == {"answers": 3, "drafts": 1, "parked": 3, "tasks": 1}
    assert [seq for seq, _ in rows["answers"]] == [0, 1, 2]


# --------------------------------------------------------------------------- only what changed


async def test_appending_an_answer_writes_one_row_and_leaves_the_others_alone(engine: AsyncEngine) -> None:
    before = sample_state(answers=40)
    stored: StoredState = await run(engine, save_channel, before, None, AT)
    # Mark a stored row: if the save rewrote the field, the mark would be gone.
    mark = encode_item("answers", answer(0, "marked in the database"))
    async with engine.begin() as connection:
        await connection.execute(
            update(channel_items)
            .where(channel_items.c.channel == DEMO, channel_items.c.field == "answers", channel_items.c.seq == 0)
            .values(data=mark)
        )
    after = replace(before, answers=(*before.answers, answer(40)), recent_events=("e1", "e2", "e3"))

    with statements_run(engine.sync_engine) as seen:
        saved: StoredState = await run(engine, save_channel, after, stored, AT)

    [(sql, parameters)] = on_items(seen)  # one statement, and the rows below say it added one
    # On PostgreSQL the same statement also updates the head (see save_channel).
    assert sql.startswith(("INSERT INTO channel_items", "WITH head AS ( UPDATE channels"))
    assert fields_in(parameters) == {"answers"}
    async with engine.connect() as connection:
        rows = await connection.run_sync(stored_rows, DEMO)
        actual_size = await connection.run_sync(stored_size, DEMO)
    assert [seq for seq, _ in rows["answers"]] == list(range(41))
    assert rows["answers"][0][1] == mark
    assert rows["answers"][40][1] == encode_item("answers", answer(40))
    assert (saved.version, saved.generation) == (2, stored.generation)
    assert saved.size == actual_size + len(encode_item("answers", answer(0))) - len(mark)


async def test_an_unchanged_item_field_is_not_written_at_all(engine: AsyncEngine) -> None:
    before = sample_state(answers=5)
    stored: StoredState = await run(engine, save_channel, before, None, AT)
    after = replace(before, topic="a new topic", answers=tuple(replace(a) for a in before.answers))  # equal copies

    with statements_run(engine.sync_engine) as seen:
        saved: StoredState = await run(engine, save_channel, after, stored, AT)

    assert on_items(seen) == []
    assert await Views(Transactor(engine)).get_state(DEMO) == after
    async with engine.connect() as connection:
        assert saved.size == await connection.run_sync(stored_size, DEMO)


async def test_releasing_a_parked_item_rewrites_that_field_and_no_other(engine: AsyncEngine) -> None:
    before = sample_state(answers=5)
    stored: StoredState = await run(engine, save_channel, before, None, AT)
    released = replace(before.parked[1], released=True, released_by="u0")
    after = replace(before, parked=(before.parked[0], released, before.parked[2]))

    with statements_run(engine.sync_engine) as seen:
        saved: StoredState = await run(engine, save_channel, after, stored, AT)

    written = on_items(seen)
    assert [sql.split()[0] for sql, _ in written] == ["DELETE", "INSERT"]
    assert all(fields_in(parameters) == {"parked"} for _, parameters in written)
    async with engine.connect() as connection:
        rows = await connection.run_sync(stored_rows, DEMO)
        actual_size = await connection.run_sync(stored_size, DEMO)
    assert rows["parked"] == [(n, encode_item("parked", item)) for n, item in enumerate(after.parked)]
    assert await Views(Transactor(engine)).get_state(DEMO) == after
    assert saved.size == actual_size

    # Shorter, then empty: rows beyond the new length go too.
    shorter = replace(after, parked=(released,), tasks=())
    saved = await run(engine, save_channel, shorter, saved, AT)
    async with engine.connect() as connection:
        rows = await connection.run_sync(stored_rows, DEMO)
        actual_size = await connection.run_sync(stored_size, DEMO)
    assert rows["parked"] == [(0, encode_item("parked", released))]
    assert "tasks" not in rows
    assert await Views(Transactor(engine)).get_state(DEMO) == shorter
    assert saved.size == actual_size


# --------------------------------------------------------------------------- known states and races


async def test_a_current_known_state_is_returned_itself_after_one_small_query(engine: AsyncEngine) -> None:
    stored: StoredState = await run(engine, save_channel, sample_state(), None, AT)

    with statements_run(engine.sync_engine) as seen:
        loaded = await run(engine, load_channel, DEMO, stored)

    assert loaded is stored
    [(sql, _)] = seen
    assert sql.startswith("SELECT channels.version, channels.generation FROM channels")

    other = StoredState(stored.state, stored.version - 1, stored.generation, stored.size)  # an older version
    fresh = await run(engine, load_channel, DEMO, other)
    assert fresh is not other and fresh == stored


async def test_a_purged_and_recreated_channel_is_not_taken_for_a_known_state_of_the_same_version(
    engine: AsyncEngine,
) -> None:
    old: StoredState = await run(engine, save_channel, sample_state(3), None, AT)
    await run(engine, purge_channel, DEMO)
    async with engine.connect() as connection:
        assert await connection.run_sync(stored_rows, DEMO) == {}
    recreated = replace(sample_state(1), topic="another session")
    new: StoredState = await run(engine, save_channel, recreated, None, AT)
    assert new.version == old.version == 1
    assert new.generation != old.generation

    loaded = await run(engine, load_channel, DEMO, old)

    assert loaded is not old
    assert loaded == new
    with pytest.raises(LostRace):
        await run(engine, save_channel, sample_state(5), old, AT)  # a write from the stale state fails too


async def test_of_two_saves_from_the_same_state_one_loses_the_race(engine: AsyncEngine) -> None:
    base = sample_state(2)
    stored: StoredState = await run(engine, save_channel, base, None, AT)
    one = replace(base, answers=(*base.answers, answer(2, "from one")))
    two = replace(base, answers=(*base.answers, answer(2, "from two")), topic="two")

    async def save(state: ChannelState, hold: float) -> StoredState:
        async with engine.begin() as connection:
            saved: StoredState = await connection.run_sync(save_channel, state, stored, AT)
            await asyncio.sleep(hold)  # commit late: on PostgreSQL the other save waits on the row
        return saved

    results = await asyncio.gather(save(one, 0.2), save(two, 0.0), return_exceptions=True)

    lost = [result for result in results if isinstance(result, LostRace)]
    won = [result for result in results if isinstance(result, StoredState)]
    assert len(lost) == 1 and len(won) == 1
    assert await Views(Transactor(engine)).get_state(DEMO) == won[0].state
    async with engine.connect() as connection:
        assert won[0].size == await connection.run_sync(stored_size, DEMO)


async def test_of_two_first_saves_of_a_channel_one_loses_the_race(engine: AsyncEngine) -> None:
    one, two = sample_state(1), sample_state(2)
    results = await asyncio.gather(
        run(engine, save_channel, one, None, AT), run(engine, save_channel, two, None, AT), return_exceptions=True
    )

    assert sorted(type(result).__name__ for result in results) == ["LostRace", "StoredState"]
    [won] = [result for result in results if isinstance(result, StoredState)]
    assert await Views(Transactor(engine)).get_state(DEMO) == won.state  # the loser's items are not mixed in

