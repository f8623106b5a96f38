"""Broken text from a Telegram client (a lone UTF-16 half) is kept readable, not a crash (issue 17)."""

from __future__ import annotations

from pathlib import Path

from tests.telegram.conftest import GROUP, running
from tests.telegram.fake_telegram import FakeTelegram


async def test_a_message_with_a_lone_surrogate_counts_with_a_replacement_character(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/probleem start")
        await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        await group.say("bram", "Het caf\udce9 sluit te laat")  # JSON carries it as \\udce9
        await group.say("carla", "Niemand neemt de telefoon op")
        await group.say("anna", "/probleem status")
        status = await fake.sent("Deze vraag beantwoord: 2 van 3", chat_id=GROUP)
        assert "Bram" in status["text"] and "Carla" in status["text"]
