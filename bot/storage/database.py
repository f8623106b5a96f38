"""Engine construction and schema upgrades.

SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` transactions, so two processes
sharing one file take the write lock up front instead of failing half-way with
"database is locked". PostgreSQL gets a normal pool; concurrent starts serialise their
migrations with an advisory lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Arbitrary but fixed: every Voordenken process upgrading the same PostgreSQL database
# takes this transaction-scoped advisory lock first.
_MIGRATION_LOCK_KEY = 0x766F6F7264  # "voord"


def sqlite_url_for(path: str | Path) -> str:
    """An async SQLite URL for a file path (relative paths are made absolute)."""
    return f"sqlite+aiosqlite:///{Path(path).expanduser().resolve()}"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine configured for the backend in ``url``; extra kwargs go to SQLAlchemy.

    Statement parameters are hidden from error messages by default: they carry chat text
    (outbox payloads, channel state), and errors end up in logs.
    """
    kwargs.setdefault("hide_parameters", True)
    if make_url(url).get_backend_name() == "sqlite":
        # One writer at a time anyway (BEGIN IMMEDIATE): queue in the pool, where waiting is
        # an asyncio wait, rather than in SQLite's busy handler, which sleeps up to 100 ms a try.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Under WAL, NORMAL syncs at checkpoints instead of every commit: still crash-safe for
        # the process (a killed bot loses nothing committed); a power cut may lose the last
        # commits, which the platforms redeliver. FULL costs an fsync per event.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    """Alembic configured in code: no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade_sync(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations from inside a running event loop (app start-up, async tests)."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        await connection.run_sync(_upgrade_sync, revision)


async def upgrade_database(url: str) -> None:
    """Entry point for ``voordenken db upgrade``: upgrade the database at ``url`` to head."""
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
