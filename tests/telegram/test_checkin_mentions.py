"""A check-in names who has not voted yet; on Telegram each name is a real mention, whatever it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.telegram.conftest import GROUP, PEOPLE, running
from tests.telegram.fake_telegram import FakeTelegram

# People whose display names look like HTML entities or like small numbers.
ODD = {"ampersand": "&", "amp": "amp", "zero": "0", "one": "1"}


@pytest.fixture
def odd_people(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    ids = {}
    for number, (who, name) in enumerate(ODD.items(), start=301):
        monkeypatch.setitem(PEOPLE, who, {"id": number, "is_bot": False, "first_name": name})
        ids[name] = number
    return ids


async def test_a_check_in_mentions_people_named_amp_and_0_and_telegram_accepts_it(
    fake: FakeTelegram, tmp_path: Path, odd_people: dict[str, int]
) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/problem start youth and debts")
        await fake.sent("Question 1 of 6", chat_id=GROUP)
        for who in ODD:
            await group.say(who, f"An answer from {who}: phone contracts.")
        for _ in range(6):
            await group.say("anna", "/problem next")
        await fake.sent("Draft problem statement, version 1", chat_id=GROUP)
        await group.say("anna", "/problem vote")
        vote = await fake.sent("Agreement round on version 1", chat_id=GROUP)
        await group.press("anna", vote, "Agree")
        await fake.sent("1 of 5 have voted", method="editMessageText")

        await group.say("anna", "/problem checkin now")
        checkin = await fake.sent("Check-in", chat_id=GROUP)  # refused with 400 if the HTML is malformed
        sent = next(c for c in fake.calls("sendMessage") if c.params.get("_message_id") == checkin["message_id"])
        assert "\x00" not in sent.params["text"]
        mentioned = {e["user"]["id"]: checkin["text"][e["offset"]: e["offset"] + e["length"]]
                     for e in checkin.get("entities", []) if e["type"] == "text_mention"}
        assert mentioned == {number: name for name, number in odd_people.items()}
