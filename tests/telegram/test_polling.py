"""Long polling (the default): inside our own loop, next to the HTTP server; 409 stops it.

An update is confirmed to Telegram only once it was handled: one polled while the database
is down waits for it, and one a stopped poller had not handled yet goes to the next poller.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from adapters.telegram import polling
from bot.shell.pipe.handler import Handler
from tests.telegram.conftest import GROUP, running
from tests.telegram.fake_telegram import FakeTelegram

SENSITIVE = "Haar ex-partner stond weer voor de deur"


async def test_polling_runs_the_conversation(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path, webhook=False) as bot:
        assert fake.calls("deleteWebhook")  # polling and a webhook exclude each other
        assert not fake.calls("setWebhook")
        group = bot.group()
        await group.say("anna", "/probleem@VoordenkenBot start jongeren en schulden")
        question = await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        await group.say("bram", "Wie gaat de verhuurders bellen?")
        parked = await fake.sent("Ik heb het geparkeerd", chat_id=GROUP)
        await group.press("bram", parked, "Geen taakpraat")
        assert await fake.sent("#1 is vrijgegeven")
        await group.press("anna", question, "Volgende vraag")
        assert await fake.sent("Vraag 2 van 6", chat_id=GROUP)
        status, health = await bot.health()
        assert status == 200 and health["checks"]["telegram"] is True
        offsets = [c.params.get("offset") for c in fake.calls("getUpdates")]
        assert offsets[-1] is not None  # updates were confirmed with an offset


async def test_conflict_409_is_reported_once_and_polling_stops(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake.conflict = True
    caplog.set_level(logging.INFO)
    async with running(fake, tmp_path, webhook=False) as bot:
        await fake.wait_for(lambda: any("another process is polling" in r.getMessage() for r in caplog.records),
                            what="the conflict to be reported")

        status, health = await bot.health()
        assert status == 503 and health["checks"]["telegram"] is False
    # Polling stopped at the 409 instead of retrying: Telegram was asked once, and never again
    # while the health check and the shutdown ran.
    assert len(fake.calls("getUpdates")) == 1
    conflict_logs = [r for r in caplog.records if "another process is polling" in r.getMessage()]
    assert len(conflict_logs) == 1
    assert conflict_logs[0].levelno == logging.ERROR



class DatabaseDown:
    """The service's transactions fail (as when the database is out of reach) while ``down``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, failures: int = 1_000_000) -> None:
        self.left = failures
        original = Handler._commit

        async def maybe_down(handler: Handler, *args: Any) -> Any:
            if self.left > 0:
                self.left -= 1
                raise OperationalError("INSERT ...", {}, ConnectionRefusedError("database is down"))
            return await original(handler, *args)

        monkeypatch.setattr(Handler, "_commit", maybe_down)

    def back(self) -> None:
        self.left = 0


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The poller's pauses between tries, shortened (their lengths are not what is tested)."""
    monkeypatch.setattr(polling, "FIRST_RETRY_SECONDS", 0.02)
    monkeypatch.setattr(polling, "MAX_RETRY_SECONDS", 0.05)


async def test_a_message_polled_while_the_database_is_down_is_handled_once_it_is_back(
    fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    database = DatabaseDown(monkeypatch, failures=3)
    caplog.set_level(logging.INFO)
    async with running(fake, tmp_path, webhook=False) as bot:
        group = bot.group()
        await group.say("anna", f"/probleem start {SENSITIVE}")
        # Tried again until the database answered; not confirmed to Telegram before that.
        assert await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        assert database.left == 0
        await group.say("anna", "/probleem status")
        await fake.sent("Fase:", chat_id=GROUP)
    assert sum("Sessie gestart. Gespreksleider:" in t for t in fake.texts()) == 1
    retries = [r for r in caplog.records if "not processed (StorageUnavailable); trying again" in r.getMessage()]
    assert len(retries) == 3
    assert SENSITIVE not in caplog.text


async def test_an_update_polled_but_not_yet_handled_is_handled_by_the_next_poller(
    fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = DatabaseDown(monkeypatch)
    async with running(fake, tmp_path, webhook=False) as bot:
        await bot.group().say("anna", "/probleem start jongeren en schulden")
        await fake.wait_for(lambda: database.left < 1_000_000 - 2, what="a few tries")
    # Stopped (a deploy, or the lease moved) while the database was still down: the update
    # was never confirmed, so Telegram hands it to the next poller.
    assert not fake.texts(GROUP)
    database.back()
    async with running(fake, tmp_path, webhook=False) as bot:
        assert await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        bot.update_ids = itertools.count(6000)
        await bot.group().say("bram", "Huurachterstand is vaak het eerste signaal.")
        await bot.group().say("anna", "/probleem status")
        status = await fake.sent("Fase:", chat_id=GROUP)
    assert "Deze vraag beantwoord: 1 van" in status["text"]  # bram's answer, once
    assert sum("Sessie gestart. Gespreksleider:" in t for t in fake.texts()) == 1


async def test_an_update_that_keeps_failing_for_another_reason_is_skipped_and_the_chat_goes_on(
    fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    original = Handler._commit

    async def broken_for_one_text(handler: Handler, channel: str, batch: list[Any]) -> Any:
        if any(getattr(pending.event, "text", "") == "💥" for pending in batch):
            raise ValueError("a bug nobody foresaw")
        return await original(handler, channel, batch)

    monkeypatch.setattr(Handler, "_commit", broken_for_one_text)
    async with running(fake, tmp_path, webhook=False) as bot:
        group = bot.group()
        await group.say("anna", "/probleem start jongeren en schulden")
        await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        poisoned = await group.say("bram", "💥")
        await group.say("anna", "/probleem status")
        assert await fake.sent("Fase:", chat_id=GROUP)
    skipped = [r for r in caplog.records if r.levelno == logging.ERROR and "skipped" in r.getMessage()]
    assert len(skipped) == 1
    assert str(poisoned["update_id"]) in skipped[0].getMessage()
    assert f"failed {polling.FAULTY_ATTEMPTS} times (ValueError)" in skipped[0].getMessage()
