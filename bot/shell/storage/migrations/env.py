"""Alembic environment.

Normally called by :func:`bot.shell.storage.database.upgrade`, which passes an open connection in
``config.attributes["connection"]`` (so it works inside a running event loop). Used from the
``alembic`` command line instead, it reads ``sqlalchemy.url`` (or ``VOORDENKEN_DATABASE_URL``)
and runs its own loop.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection

from bot.shell.storage.tables import metadata

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_with_connection(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    from bot.shell.storage.database import make_engine

    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_with_connection)
    finally:
        await engine.dispose()


def run_offline(url: str) -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with_connection(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("VOORDENKEN_DATABASE_URL")
    if not url:
        raise RuntimeError("set sqlalchemy.url or VOORDENKEN_DATABASE_URL to run migrations")
    if context.is_offline_mode():
        run_offline(url)
    else:
        asyncio.run(run_with_own_engine(url))


main()
