"""Database fixtures shared by tests/storage and tests/service (re-exported by their conftests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.shell.storage.database import make_engine, sqlite_url_for, upgrade
from tests.storage.pg import postgres_url_or_skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a SQLite file in tmp_path, or a throw-away PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_url_for(tmp_path / "voordenken.db")
        return
    async with postgres_url_or_skip() as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated engine, created in the test's own loop and disposed afterwards."""
    engine = make_engine(database_url)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
