"""Migrations bring an empty database to the schema the code expects, on both backends."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from bot.storage.database import make_engine, upgrade, upgrade_database
from bot.storage.tables import metadata

TABLES = {"channels", "processed_events", "event_log", "outbox", "message_refs", "wakeups"}


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
    assert revision == "0001"


async def test_upgrading_twice_is_harmless(database_url: str) -> None:
    await upgrade_database(database_url)
    await upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_revision) == "0001"
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
    assert [row[0] for row in rows] == ["0001"]
