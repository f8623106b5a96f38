"""Throw-away PostgreSQL databases for tests (reusable by any test package).

Each call creates a fresh database on the server at 127.0.0.1:5432 (trust auth) and drops
it afterwards, so tests are isolated and can run repeatedly or in parallel.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from tests.waiting import until

HOST = "127.0.0.1"
PORT = 5432
ADMIN_DATABASE = "test"
USERS = ("postgres", "root")
REQUIRE_ENV = "VOORDENKEN_REQUIRE_POSTGRES"


class PostgresUnavailable(RuntimeError):
    """No usable PostgreSQL server (or no user allowed to create databases)."""


async def _admin_connection() -> tuple[asyncpg.Connection, str]:
    errors: list[str] = []
    for user in USERS:
        try:
            connection = await asyncpg.connect(host=HOST, port=PORT, user=user, database=ADMIN_DATABASE, timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            errors.append(f"{user}: {type(error).__name__}: {error}")
            continue
        return connection, user
    raise PostgresUnavailable("; ".join(errors))


@asynccontextmanager
async def fresh_postgres_url() -> AsyncIterator[str]:
    """Yield a ``postgresql+asyncpg://`` URL of a new, empty database; drop it on exit.

    Raises :class:`PostgresUnavailable` when the server cannot be reached.
    """
    admin, user = await _admin_connection()
    name = f"vd_{uuid.uuid4().hex[:16]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"postgresql+asyncpg://{user}@{HOST}:{PORT}/{name}"
    finally:
        admin, _ = await _admin_connection()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@asynccontextmanager
async def postgres_url_or_skip() -> AsyncIterator[str]:
    """:func:`fresh_postgres_url`, skipping the test when the server is unreachable.

    With ``VOORDENKEN_REQUIRE_POSTGRES=1`` an unreachable server fails the test instead.
    """
    try:
        manager = fresh_postgres_url()
        url = await manager.__aenter__()
    except PostgresUnavailable as error:
        reason = f"PostgreSQL at {HOST}:{PORT} is unreachable: {error}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield url
    finally:
        await manager.__aexit__(None, None, None)


async def deadlocks(url: str, *, timeout: float = 30.0) -> int:
    """How many deadlocks PostgreSQL detected in the database at ``url`` (``pg_stat_database``).

    A backend reports its statistics when it goes idle for a while or exits, so this waits
    until nobody else is connected to the database (close the replicas' engines and stop
    their processes first): then the count is complete.
    """
    name = url.rsplit("/", 1)[1]
    admin, _ = await _admin_connection()
    try:
        async def alone() -> bool:
            others = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name
            )
            return int(others) == 0

        await until(alone, f"every connection to {name} to close (its statistics to be reported)", timeout)
        await admin.execute("SELECT pg_stat_clear_snapshot()")
        count = await admin.fetchval("SELECT deadlocks FROM pg_stat_database WHERE datname = $1", name)
        return int(count or 0)
    finally:
        await admin.close()
