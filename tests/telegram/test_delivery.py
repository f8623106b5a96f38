"""What Telegram answers when we send: flood control, a removed bot, privacy mode."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.telegram.conftest import GROUP, PEOPLE, running
from tests.telegram.fake_telegram import BOT_ID, FakeTelegram

OTHER = -1005555

# PTB itself reads RetryAfter.retry_after while building the error, which warns.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def _delivered(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [text.splitlines()[0] for text in fake.texts(chat_id)]


async def test_flood_control_is_honoured_per_chat_and_nothing_is_dropped(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    fake.fail("sendMessage", times=2, error_code=429, retry_after=1, chat_id=GROUP)
    async with running(fake, tmp_path) as bot:
        await bot.group(GROUP).say("anna", "/probleem start jongeren")
        # Another group is not held up by this group's flood control.
        await bot.group(OTHER).say("bram", "/probleem start wonen")
        assert await fake.sent("Vraag 1 van 6", chat_id=OTHER)
        assert _delivered(fake, GROUP) == []
        # After retry_after the group gets everything, once and in order.
        await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        assert _delivered(fake, GROUP) == ["Eerst samen voordenken", "Vraag 1 van 6: Wat is het probleem?"]
        attempts = [c for c in fake.calls("sendMessage") if int(c.params["chat_id"]) == GROUP]
        assert len(attempts) == 4  # two refused with 429, then both delivered


async def test_a_removed_bot_gives_up_instead_of_retrying_forever(fake: FakeTelegram, tmp_path: Path) -> None:
    fake.fail("sendMessage", times=100, error_code=403, chat_id=GROUP,
              description="Forbidden: bot was kicked from the supergroup chat")
    async with running(fake, tmp_path) as bot:
        await bot.group(GROUP).say("anna", "/probleem start jongeren")
        await fake.wait_for(lambda: len(fake.calls("sendMessage")) >= 2, what="both messages tried")
        # The other group still works, and the kicked group's messages were tried once each.
        await bot.group(OTHER).say("bram", "/probleem start wonen")
        await fake.sent("Vraag 1 van 6", chat_id=OTHER)
        assert len([c for c in fake.calls("sendMessage") if int(c.params["chat_id"]) == GROUP]) == 2


async def test_privacy_mode_is_explained_once_and_commands_keep_working(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake.can_read_all_group_messages = False
    caplog.set_level(logging.WARNING)
    async with running(fake, tmp_path) as bot:
        assert "privacy mode is on" in caplog.text
        group = bot.group()
        await group.say("anna", "/probleem start jongeren")
        question = await fake.sent("Vraag 1 van 6")
        note = await fake.sent("Group Privacy → Turn off")
        assert "BotFather → /mybots → @VoordenkenBot" in note["text"]
        assert "beheerder" in note["text"]  # said in the session's language (Dutch)
        # Replies to the bot still arrive and count as answers.
        await group.reply("bram", question, "Jongeren bouwen schulden op.")
        await group.say("anna", "/probleem start opnieuw")
        await group.say("anna", "/probleem status")
        status = await fake.sent("Fase:")
        assert "1 van 2" in status["text"]
        assert sum("Group Privacy" in t for t in fake.texts()) == 1  # once per chat


async def test_no_privacy_note_where_the_bot_is_admin(fake: FakeTelegram, tmp_path: Path) -> None:
    fake.can_read_all_group_messages = False
    fake.admins[GROUP] = [{**fake.bot_user}, PEOPLE["dirk"]]
    async with running(fake, tmp_path) as bot:
        await bot.group().say("anna", "/probleem start jongeren")
        await fake.sent("Vraag 1 van 6")
        await bot.group().say("anna", "/probleem status")
        await fake.sent("Fase:")
        assert not any("Group Privacy" in t for t in fake.texts())
        assert fake.admins[GROUP][0]["id"] == BOT_ID


async def test_repeated_task_talk_gets_a_reaction_instead_of_the_redirect_again(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group(GROUP)
        await group.say("anna", "/probleem start jongeren")
        await group.say("carla", "Ik pak de schuldhulpverlening op.")
        await fake.sent("Ik heb het geparkeerd", chat_id=GROUP)
        again = await group.say("carla", "Ik bel morgen de corporatie wel.")
        reactions = await fake.wait_for(fake.reactions, what="setMessageReaction")
        assert reactions == [(GROUP, again["message"]["message_id"], ["✍"])]
        assert sum("Ik heb het geparkeerd" in text for text in fake.texts(GROUP)) == 1


async def test_where_the_group_does_not_allow_the_reaction_one_short_line_answers(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    fake.fail("setMessageReaction", error_code=400, description="Bad Request: REACTION_INVALID")
    async with running(fake, tmp_path) as bot:
        group = bot.group(GROUP)
        await group.say("anna", "/probleem start jongeren")
        await group.say("carla", "Ik pak de schuldhulpverlening op.")
        again = await group.say("carla", "Ik bel morgen de corporatie wel.")
        line = await fake.sent("Deze heb ik ook geparkeerd (#2).", chat_id=GROUP)
        assert line["_reply_to"] == again["message"]["message_id"]
