"""Migrations bring an empty database to the schema the code expects, on both backends."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, column, insert, inspect, select, table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import Answer, ChannelState, Draft, ParkedItem, Phase, Task, TaskStatus
from bot.shell.storage.channels import load_channel
from bot.shell.storage.codec import ITEM_FIELDS, decode_state, encode_head, encode_state
from bot.shell.storage.database import Transactor, alembic_config, make_engine, upgrade, upgrade_database
from bot.shell.storage.tables import UTCDateTime, channel_items, metadata
from bot.shell.storage.views import Views

AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
TABLES = {"channels", "channel_items", "processed_events", "event_log", "outbox", "message_refs", "wakeups", "inbox",
          "page_links", "page_keys"}
HEAD = "0005"


def _schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_upgrade_creates_exactly_the_schema_the_code_declares(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
            differences = await connection.run_sync(_schema_differences)
            revision = await connection.run_sync(_revision)
    finally:
        await engine.dispose()
    assert tables == TABLES | {"alembic_version"}
    assert differences == []
    assert revision == HEAD


async def test_upgrading_twice_is_harmless(database_url: str) -> None:
    await upgrade_database(database_url)
    await upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_revision) == HEAD
    finally:
        await engine.dispose()


async def test_processes_starting_together_upgrade_once(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade(engine) for engine in engines))
        async with engines[0].connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    finally:
        for engine in engines:
            await engine.dispose()
    assert [row[0] for row in rows] == [HEAD]


# --------------------------------------------------------------------------- 0002: channel items

OLD_STATES = (
    ChannelState(
        channel="console:old",
        phase=Phase.VOTING,
        topic="an old session — with ünïcode",
        participants={"u1": "Ann"},
        answers=tuple(Answer(n, "u1", f"answer {n} «quoted»", AT + timedelta(minutes=n)) for n in range(5)),
        drafts=(Draft(1, "draft", "bot", AT),),
        parked=(ParkedItem(1, "u1", "later", AT, released=True, released_by="u2"),),
        tasks=(Task(2, "u1", "write it up", "u1", AT, status=TaskStatus.DONE),),
        started_at=AT,
    ),
    ChannelState(channel="slack:T1:C1", topic="no items at all"),
)


def _downgrade_sync(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


# The channels table as revision 0001 had it: one whole-state document per channel.
old_channels = table("channels", column("key"), column("state"), column("version"), column("updated_at", UTCDateTime()))


async def at_0001_holding(engine: AsyncEngine, states: Sequence[ChannelState], version: int) -> None:
    """A database at revision 0001 with ``states`` stored the old way."""
    await upgrade(engine, "0001")
    async with engine.begin() as connection:
        await connection.execute(
            insert(old_channels),
            [{"key": s.channel, "state": encode_state(s), "version": version, "updated_at": AT} for s in states],
        )


async def test_0002_moves_the_items_of_old_documents_into_rows_and_loads_the_same_states(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await at_0001_holding(engine, OLD_STATES, version=7)

        await upgrade(engine)

        async with engine.begin() as connection:
            loaded = [await connection.run_sync(load_channel, state.channel) for state in OLD_STATES]
            items = (await connection.execute(select(channel_items).order_by(*channel_items.primary_key))).all()
            heads = {row.key: row.state for row in await connection.execute(select(old_channels))}
        assert [stored.state if stored else None for stored in loaded] == list(OLD_STATES)
        generations = {stored.generation for stored in loaded if stored and stored.version == 7}
        assert len(generations) == 2 and all(re.fullmatch("[0-9a-f]{32}", g) for g in generations)
        # Each element as it was in the old document, in order.
        old_document = json.loads(encode_state(OLD_STATES[0]))
        assert [(row.field, row.seq, json.loads(row.data)) for row in items] == [
            (field, seq, value) for field in ITEM_FIELDS for seq, value in enumerate(old_document[field])
        ]
        assert {row.channel for row in items} == {"console:old"}
        assert json.loads(heads["console:old"]) == json.loads(encode_head(OLD_STATES[0]))  # items emptied
        assert loaded[0] is not None
        assert loaded[0].size == len(heads["console:old"]) + sum(len(row.data) for row in items)

        # And back: one document per channel again, holding the same state.
        async with engine.begin() as connection:
            await connection.run_sync(_downgrade_sync, "0001")
        async with engine.connect() as connection:
            documents = (await connection.execute(select(old_channels.c.state).order_by(old_channels.c.key))).all()
            tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
        assert [decode_state(row.state) for row in documents] == list(OLD_STATES)
        assert "channel_items" not in tables
    finally:
        await engine.dispose()


async def test_0002_converts_every_channel_of_a_database_larger_than_one_batch(database_url: str) -> None:
    states = [
        ChannelState(channel=f"console:c{n:04}", answers=(Answer(1, "u", f"only {n}", AT),)) for n in range(1234)
    ]
    engine = make_engine(database_url)
    try:
        await at_0001_holding(engine, states, version=1)
        await upgrade(engine)
        assert await Views(Transactor(engine)).all_states() == states
    finally:
        await engine.dispose()
