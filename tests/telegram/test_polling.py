"""Long polling (the default): inside our own loop, next to the HTTP server; 409 stops it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.telegram.conftest import GROUP, running
from tests.telegram.fake_telegram import FakeTelegram


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
        # PTB confirms offsets with a last getUpdates(timeout=0) only after its polling loop has
        # ended: once that call is seen, no further polls can come.
        await fake.wait_for(lambda: any(c.params.get("timeout") == 0 for c in fake.calls("getUpdates")),
                            what="polling to stop")
        polls = [c for c in fake.calls("getUpdates") if c.params.get("timeout") != 0]
        assert len(polls) <= 2
    conflict_logs = [r for r in caplog.records if "another process is polling" in r.getMessage()]
    assert len(conflict_logs) == 1
    assert conflict_logs[0].levelno == logging.ERROR

