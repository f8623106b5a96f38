"""Fixtures shared by the operations tests (replicas, roles, leases)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.slack.fake_slack import FakeSlack
from tests.storage.pg import postgres_url_or_skip


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (skipped when the server is unreachable, unless required)."""
    async with postgres_url_or_skip() as url:
        yield url


@pytest.fixture
def slack_fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server
