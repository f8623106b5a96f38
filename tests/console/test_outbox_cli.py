"""``voordenken outbox list|retry``: what was given up on is visible and can be sent again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.core.model import Post
from bot.shell.storage.database import make_engine, upgrade
from bot.shell.storage.queues import enqueue
from bot.shell.storage.tables import outbox
from tests.console.test_console import voordenken

SECRET = "the secret plan"


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"


def slack_was_down_for_hours(database: str) -> None:
    """Two replies in C1 and one in C2 queued 7 hours ago; one of C1's was given up."""

    async def store() -> None:
        engine = make_engine(database)
        try:
            await upgrade(engine)
            queued = datetime.now(UTC) - timedelta(hours=7)
            async with engine.begin() as connection:
                ids = [await connection.run_sync(enqueue, channel, Post(text=SECRET), queued)
                       for channel in ("slack:T1:C1", "slack:T1:C1", "slack:T1:C2")]
                await connection.execute(update(outbox).where(outbox.c.id == ids[0]).values(
                    status="failed", attempts=367, last_error="DeliveryError: chat_postMessage: 503"))
        finally:
            await engine.dispose()

    asyncio.run(store())


def test_the_operator_sees_what_was_given_up_without_its_text_and_sends_it_again(database: str) -> None:
    slack_was_down_for_hours(database)

    listed = voordenken("outbox", "list", "--channel", "slack:T1:C1", "--database", database)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "1  slack:T1:C1  failed  367 attempt(s)  7h00m old  DeliveryError: chat_postMessage: 503"
    assert lines[1].startswith("2  slack:T1:C1  pending  0 attempt(s)  7h00m old")
    assert lines[-1] == "1 message(s) given up, 1 still being tried"
    assert "slack:T1:C2" not in listed.stdout
    assert SECRET not in listed.stdout

    retried = voordenken("outbox", "retry", "--channel", "slack:T1:C1", "--database", database)
    assert retried.returncode == 0, retried.stderr
    assert "1 given-up message(s) will be sent again" in retried.stdout

    everything = voordenken("outbox", "list", "--database", database)
    assert everything.stdout.splitlines()[0].startswith("1  slack:T1:C1  pending  0 attempt(s)  0m")
    assert everything.stdout.splitlines()[-1] == "0 message(s) given up, 3 still being tried"
