"""Only members of a group take part, whether they type a command, answer, or press a button.

Threat: someone who can write in a group without being in it (a channel's discussion group
lets anyone comment; getChatMember then says "left") becomes a participant through a
command or a message. Their command gets a short members-only reply (at most once a minute),
their messages are neither answers nor parked, and nothing changes.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.telegram.conftest import GROUP, PEOPLE, Group, running
from tests.telegram.fake_telegram import FakeTelegram

DIRK = PEOPLE["dirk"]["id"]  # comments in the discussion group without being a member
MEMBERS_ONLY = "Alleen leden van deze groep kunnen meedoen"


def members_only_replies(fake: FakeTelegram) -> list[str]:
    return [t for t in fake.texts(GROUP) if MEMBERS_ONLY in t]


async def to_the_draft(group: Group, fake: FakeTelegram) -> str:
    for _ in range(6):
        await group.say("anna", "/probleem volgende")
    draft = await fake.sent("Concept-probleemstelling, versie 1", chat_id=GROUP)
    return str(draft["text"])


@pytest.mark.parametrize("how", ["left", "kicked"])
async def test_an_outsiders_commands_change_nothing_and_get_one_members_only_reply(
    fake: FakeTelegram, tmp_path: Path, how: str
) -> None:
    fake.member_status[(GROUP, DIRK)] = how
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("dirk", "/probleem start ingebroken")
        reply = await fake.sent(MEMBERS_ONLY, chat_id=GROUP)
        assert reply["_reply_to"] is not None
        assert not any("Sessie gestart" in t for t in fake.texts())
        await group.say("anna", "/probleem start jongeren en schulden")
        await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        for _ in range(3):
            await group.say("dirk", "/probleem volgende")
        await group.say("anna", "/probleem status")
        status = await fake.sent("Fase:", chat_id=GROUP)
        assert "Vraag 1 van 6" in status["text"]
        assert len(members_only_replies(fake)) == 1  # once a minute per person, not once per command
        assert len([c for c in fake.calls("getChatMember") if int(c.params["user_id"]) == DIRK]) == 1  # cached


async def test_an_outsiders_messages_are_neither_answers_nor_parked(fake: FakeTelegram, tmp_path: Path) -> None:
    fake.member_status[(GROUP, DIRK)] = "left"
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/probleem start jongeren en schulden")
        await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        await group.say("dirk", "Dirk vindt dat jongeren zelf schuld hebben.")
        await group.say("dirk", "Ik pak de schuldhulpverlening op.")  # task talk from a member would be parked
        await group.say("bram", "Op het station zien we jongeren die hun telefoon verkopen.")
        draft = await to_the_draft(group, fake)
        assert "telefoon verkopen" in draft
        assert "zelf schuld" not in draft
        assert not any("Ik heb het geparkeerd" in t for t in fake.texts())
        assert not members_only_replies(fake)  # a message gets no reply at all


async def test_a_member_whose_membership_telegram_cannot_confirm_now_is_not_lost(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Flood control on getChatMember: the answer is not dropped; the webhook answers 500, so
    Telegram delivers it again, and then it counts."""
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/probleem start jongeren en schulden")
        await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        fake.fail("getChatMember", times=1, error_code=429, retry_after=1)
        answer = group.update(message=group._message("bram", "Op het station verkopen jongeren hun telefoon."))
        assert await bot.post_webhook(json.dumps(answer)) == 500
        assert await bot.post_webhook(json.dumps(answer)) == 200  # Telegram's redelivery
        draft = await to_the_draft(group, fake)
        assert "verkopen jongeren hun telefoon" in draft
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_polling_waits_for_telegram_to_confirm_membership(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path, webhook=False) as bot:
        group = bot.group()
        await group.say("anna", "/probleem start jongeren en schulden")
        await fake.sent("Vraag 1 van 6", chat_id=GROUP)
        fake.fail("getChatMember", times=2, error_code=502, description="Bad Gateway")
        await group.say("bram", "Op het station verkopen jongeren hun telefoon.")
        draft = await to_the_draft(group, fake)
        assert "verkopen jongeren hun telefoon" in draft
