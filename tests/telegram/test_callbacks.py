"""Inline buttons and reason replies: the user is always taken from the update itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.telegram.conftest import GROUP, PEOPLE, Group, running
from tests.telegram.fake_telegram import FakeTelegram

OTHER_GROUP = -1009999


async def _to_vote(group: Group, fake: FakeTelegram) -> dict[str, Any]:
    """Start, let three people answer, skip to the draft and open the round on version 1."""
    await group.say("anna", "/probleem start jongeren en schulden")
    await fake.sent("Vraag 1 van 6", chat_id=group.chat_id)
    await group.say("anna", "Jongeren bouwen schulden op met telefoonabonnementen.")
    await group.say("bram", "Op het station zien we jongeren die hun telefoon verkopen.")
    await group.say("carla", "Het begint vaak met een huurachterstand.")
    for _ in range(6):
        await group.say("anna", "/probleem volgende")
    await fake.sent("Concept-probleemstelling, versie 1", chat_id=group.chat_id)
    await group.say("anna", "/probleem stem")
    vote: dict[str, Any] = await fake.sent("Instemmingsronde over versie 1", chat_id=group.chat_id)
    return vote


async def test_concern_button_asks_for_the_reason_and_the_reply_counts(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        vote = await _to_vote(group, fake)
        await group.press("bram", vote, "Zorg")
        prompt = await fake.sent("beantwoord dit bericht met je zorg over versie 1")
        assert prompt["_reply_to"] == vote["message_id"]
        answered = fake.calls("answerCallbackQuery")[-1]
        assert "Beantwoord mijn bericht" in answered.params["text"]
        await group.reply("bram", prompt, "de cijfers zijn van vorig jaar")
        assert await fake.sent("je zorg staat genoteerd")
        assert await fake.sent("1 van 3 hebben gestemd", method="editMessageText")


async def test_the_reason_prompt_comes_once_even_when_the_press_is_redelivered(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        vote = await _to_vote(group, fake)
        press = await group.press("bram", vote, "Zorg")
        await bot.deliver(press)  # Telegram delivers it again (it saw no answer in time)
        await group.say("anna", "/probleem status")
        await fake.sent("Fase:")
        prompts = [t for t in fake.texts() if "beantwoord dit bericht met je zorg over versie 1" in t]
        assert len(prompts) == 1


async def test_a_typed_objection_without_a_reason_gets_the_reply_prompt_too(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await _to_vote(group, fake)
        typed = await group.say("carla", "/probleem bezwaar")
        prompt = await fake.sent("beantwoord dit bericht met je bezwaar tegen versie 1")
        assert prompt["_reply_to"] == typed["message"]["message_id"]
        await group.reply("carla", prompt, "De ouders ontbreken.")
        assert await fake.sent("Carla maakt bezwaar tegen versie 1: De ouders ontbreken.")


async def test_another_users_reply_to_a_reason_prompt_is_not_their_vote(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        vote = await _to_vote(group, fake)
        await group.press("carla", vote, "Bezwaar")
        prompt = await fake.sent("beantwoord dit bericht met je bezwaar tegen versie 1")
        # Bram answers Carla's prompt: it is an ordinary message, no objection is recorded.
        await group.reply("bram", prompt, "Ik vind het wel goed zo.")
        await group.say("anna", "/probleem status")
        status = await fake.sent("Fase:")
        assert "0 van 3" in status["text"]
        assert not any("maakt bezwaar" in t for t in fake.texts())
        # A forged prompt (not sent by the bot) is not a vote either.
        fake_prompt = {**prompt, "from": PEOPLE["bram"]}
        await group.reply("carla", fake_prompt, "Nep-bezwaar")
        assert not any("maakt bezwaar" in t for t in fake.texts())
        # Carla herself answering her prompt is her objection.
        await group.reply("carla", prompt, "De ouders ontbreken.")
        assert await fake.sent("Carla maakt bezwaar tegen versie 1: De ouders ontbreken.")


async def test_forged_and_replayed_callbacks_change_nothing(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        vote = await _to_vote(group, fake)
        # Wrong draft version: the engine says so and records nothing.
        await group.press_data("bram", vote, "v:agree:7")
        assert await fake.sent("Die stem was voor versie 7")
        # Garbage and oversized data: answered, ignored.
        await group.press_data("bram", vote, "v:agree:1; DROP TABLE")
        await group.press_data("bram", vote, "x" * 64)
        # The same button pressed "from" another chat only touches that chat (which has no session).
        elsewhere = {**vote, "chat": {"id": OTHER_GROUP, "type": "supergroup", "title": "Andere groep"}}
        await group.press_data("bram", elsewhere, "v:agree:1")
        assert await fake.sent("No session", chat_id=OTHER_GROUP)
        # Bram's vote is counted for Bram only, whoever's name is on the message.
        await group.press("bram", vote, "Akkoord")
        await fake.sent("1 van 3 hebben gestemd", method="editMessageText")
        await group.say("anna", "/probleem status")
        status = await fake.sent("Fase:")
        assert "1 van 3" in status["text"]
        assert len(fake.calls("answerCallbackQuery")) == 5
        assert not [t for t in fake.texts(GROUP) if "2 van 3 hebben gestemd" in t]


async def test_group_admins_have_facilitator_powers(fake: FakeTelegram, tmp_path: Path) -> None:
    fake.admins[GROUP] = [PEOPLE["dirk"]]
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/probleem start jongeren")
        await fake.sent("Vraag 1 van 6")
        await group.say("bram", "/probleem volgende")
        assert await fake.sent("Alleen de gespreksleider (Anna) of een beheerder")
        await group.say("dirk", "/probleem volgende")  # an admin, not the facilitator
        assert await fake.sent("Vraag 2 van 6")
        await group.say("dirk", "/probleem volgende")
        assert await fake.sent("Vraag 3 van 6")
        assert len(fake.calls("getChatAdministrators")) == 1  # cached


async def test_an_admin_list_the_bot_cannot_read_does_not_break_commands(
    fake: FakeTelegram, tmp_path: Path, caplog: Any
) -> None:
    """getChatAdministrators answers an entry python-telegram-bot cannot read (a field missing):
    nobody gets admin powers from it, and every command is still answered."""
    fake.raw_admins[GROUP] = [{"status": "administrator", "user": PEOPLE["dirk"]}]  # no rights fields
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/probleem start jongeren")  # the webhook answers 200 (asserted by say)
        assert await fake.sent("Vraag 1 van 6")
        await group.say("dirk", "/probleem volgende")  # fail closed: Dirk is not taken for an admin
        assert await fake.sent("Alleen de gespreksleider (Anna) of een beheerder")
        await group.say("anna", "/probleem volgende")
        assert await fake.sent("Vraag 2 van 6")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
