"""Editing the draft on Telegram: a reply to the draft message is the next version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram import Message, Update

from adapters.telegram.translate import build_title_patterns, draft_reply
from tests.telegram.conftest import GROUP, Group, running
from tests.telegram.fake_telegram import FakeTelegram


async def to_draft(group: Group, fake: FakeTelegram, start: str = "/probleem start jongeren en schulden",
                   next_: str = "/probleem volgende",
                   title: str = "Concept-probleemstelling, versie 1") -> dict[str, Any]:
    await group.say("anna", start)
    await group.say("anna", "Jongeren bouwen schulden op met telefoonabonnementen.")
    await group.say("bram", "Het begint vaak met een huurachterstand.")
    for _ in range(6):
        await group.say("anna", next_)
    draft: dict[str, Any] = await fake.sent(title, chat_id=GROUP)
    return draft


def marked(message: dict[str, Any], kind: str) -> list[str]:
    """The words shown bold or struck through in a message, as the reader sees them."""
    text = message["text"].encode("utf-16-le")
    return [text[2 * e["offset"]:2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in message.get("entities", []) if e["type"] == kind]


async def test_a_reply_to_the_draft_message_is_version_2_with_what_changed(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        draft = await to_draft(group, fake)
        # The statement in the draft message: between the bot's intro line and its closing hint.
        first = draft["text"].split("\n", 2)[2].rsplit("\n\n", 1)[0]
        assert "huurachterstand" in first

        edited = first.replace("huurachterstand.", "huurachterstand of een boete.")
        await group.reply("bram", draft, edited)

        version2 = await fake.sent("Bram stelt versie 2 voor", chat_id=GROUP)
        assert "Concept-probleemstelling, versie 2" in version2["text"]
        assert "Wat er veranderd is sinds versie 1:" in version2["text"]
        assert marked(version2, "strikethrough") == ["huurachterstand."]
        assert "huurachterstand of een boete." in marked(version2, "bold")

        # A reply to the old draft message is an ordinary message, not version 3.
        await group.reply("anna", draft, "Mooi, zo is het beter.")  # handled before the webhook answers
        assert not [t for t in fake.texts(GROUP) if "versie 3" in t]


async def test_the_edit_button_sends_the_draft_to_reply_to(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        draft = await to_draft(group, fake, "/problem start young people and debts", "/problem next",
                               "Draft problem statement, version 1")

        await group.press("carla", draft, "Edit draft")

        prompt = await fake.sent("copy the text above, change what you want", chat_id=GROUP)
        assert prompt["text"].startswith("Draft problem statement, version 1\n")
        assert "huurachterstand" in prompt["text"]  # the current text, to copy
        call = next(c for c in fake.calls("sendMessage") if c.params.get("_message_id") == prompt["message_id"])
        assert call.params["reply_markup"]["force_reply"] is True
        assert prompt["entities"][-1]["type"] == "text_mention"  # Carla is asked

        await group.reply("carla", prompt, "Young people run up debts, often starting with rent arrears.")
        version2 = await fake.sent("Carla proposes version 2", chat_id=GROUP)
        assert "Version 2 rewrites version 1 almost entirely." in version2["text"]


BOT = {"id": 999, "is_bot": True, "first_name": "Voordenken"}
CHAT = {"id": GROUP, "type": "supergroup", "title": "Wijkteam"}
TITLES = build_title_patterns(["Draft problem statement, version 0", "Concept-probleemstelling, versie 0"], "0")


def reply_to(replied: dict[str, Any]) -> Message:
    data = {"message_id": 2, "date": 0, "chat": CHAT, "from": {"id": 101, "is_bot": False, "first_name": "Anna"},
            "text": "New text.", "reply_to_message": {"message_id": 1, "date": 0, "chat": CHAT, **replied}}
    update = Update.de_json({"update_id": 9, "message": data}, None)
    assert update is not None and update.message is not None
    return update.message


def test_only_a_reply_to_our_own_draft_message_names_a_version() -> None:
    assert draft_reply(reply_to({"from": BOT, "text": "Concept-probleemstelling, versie 12\nTekst"}), 999, TITLES) == 12
    assert draft_reply(reply_to({"from": BOT, "text": "Draft problem statement, version 3\nText"}), 999, TITLES) == 3
    other_bot = {**BOT, "id": 555}
    assert draft_reply(reply_to({"from": other_bot, "text": "Draft problem statement, version 3"}), 999, TITLES) is None
    assert draft_reply(reply_to({"from": BOT, "text": "Agreement round on version 3"}), 999, TITLES) is None
    person = {"id": 102, "is_bot": False, "first_name": "Bram"}
    assert draft_reply(reply_to({"from": person, "text": "Draft problem statement, version 3"}), 999, TITLES) is None
