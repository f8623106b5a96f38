"""A Telegram group agrees, gets the statement card as a photo, and asks for the session page:
the link comes privately, opens the page on the bot's own server, and stops working once
revoked or purged."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser import ARTIFACTS, Browser
from tests.telegram.conftest import GROUP, PEOPLE, Group, RunningBot, running
from tests.telegram.fake_telegram import FakeTelegram

PUBLIC = "https://voordenken.test"
STATEMENT_WORDS = "phone contracts"


async def agree(bot: RunningBot, fake: FakeTelegram) -> Group:
    """anna starts, bram and anna say what they speak for, everyone agrees on version 1."""
    group = bot.group()
    await group.say("anna", "/problem start young people and debts")
    await group.say("anna", "/problem iam debt counselling")
    await group.say("bram", "/problem iam police")
    assert await fake.sent("Bram speaks for police.", chat_id=GROUP)
    for _ in range(6):
        await group.say("bram", "Young people in Noord build up debts with phone contracts and pay-later schemes.")
        await group.say("anna", "/problem next")
    await group.say("anna", "/problem vote")
    vote = await fake.sent("Agreement round on version 1", chat_id=GROUP)
    for who in ("anna", "bram"):
        await group.press(who, vote, "Agree")
    assert await fake.sent("Agreed problem statement", chat_id=GROUP)
    return group


def served(bot: RunningBot, link: str) -> str:
    """The bot's own address for a link (in production a proxy maps the public name to it)."""
    return link.replace(PUBLIC, f"http://127.0.0.1:{bot.port}")


async def test_agreement_sends_the_statement_card_as_a_photo(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        await agree(bot, fake)
        photo = (await fake.wait_for(lambda: fake.calls("sendPhoto"), what="sendPhoto"))[-1]
        assert int(photo.params["chat_id"]) == GROUP
        assert photo.params["_files"]["photo"].startswith(b"\x89PNG")
        assert STATEMENT_WORDS in photo.params["caption"]
        assert "Agreed by 2 of 2: debt counselling, police" in photo.params["caption"]

        await bot.group().say("bram", "/problem card")  # and again, on request
        await fake.wait_for(lambda: len(fake.calls("sendPhoto")) == 2, what="a second sendPhoto")


async def test_the_page_link_comes_privately_and_stops_when_revoked(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path, public_url=PUBLIC) as bot:
        group = await agree(bot, fake)
        await group.say("bram", "/problem page")
        private = await fake.sent("Your private link", chat_id=PEOPLE["bram"]["id"])
        link = re.search(rf"{re.escape(PUBLIC)}/page/\S+", private["text"])
        assert link is not None
        assert not any(str(person["id"]) in link.group(0) for person in PEOPLE.values())  # no user ids
        assert not any("/page/" in text for text in fake.texts(GROUP))  # never in the group

        async with bot.session.get(served(bot, link.group(0))) as response:
            page = await response.text()
            assert response.status == 200
            assert "noindex" in response.headers["X-Robots-Tag"]
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert STATEMENT_WORDS in page and "police" in page

        token = link.group(0).rsplit("/", 1)[1]
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        async with bot.session.get(f"http://127.0.0.1:{bot.port}/page/{forged}") as response:
            assert response.status == 404
            assert STATEMENT_WORDS not in await response.text()

        await group.say("anna", "/problem page revoke")  # the facilitator ends every link
        assert await fake.sent("Every link to this session's page no longer works")
        async with bot.session.get(served(bot, link.group(0))) as response:
            assert response.status == 404


async def test_a_purged_channel_has_no_page(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path, public_url=PUBLIC) as bot:
        group = await agree(bot, fake)
        await group.say("bram", "/problem page")
        link = re.search(rf"{re.escape(PUBLIC)}/page/\S+",
                         (await fake.sent("Your private link", chat_id=PEOPLE["bram"]["id"]))["text"])
        assert link is not None
        await group.say("anna", "/problem purge")
        await group.say("anna", "/problem purge confirm")
        assert await fake.sent("purged this channel", chat_id=GROUP)
        async with bot.session.get(served(bot, link.group(0))) as response:
            assert response.status == 404


async def test_without_a_private_chat_the_group_hears_how_not_the_link(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path, public_url=PUBLIC) as bot:
        group = await agree(bot, fake)
        fake.fail("sendMessage", chat_id=PEOPLE["carla"]["id"], error_code=403,
                  description="Forbidden: bot can't initiate conversation with a user")
        await group.say("carla", "/problem page")
        note = await fake.sent("open a private chat with me", chat_id=GROUP)
        assert "/page/" not in note["text"]


async def test_a_person_opens_the_page_in_a_browser(fake: FakeTelegram, tmp_path: Path, browser: Browser) -> None:
    """Headless Chromium loads the page from the running bot: the statement, the headings and
    the participation chart are there, nothing breaks the CSP; a forged link shows nothing."""
    async with running(fake, tmp_path, public_url=PUBLIC) as bot:
        group = await agree(bot, fake)
        await group.say("bram", "/problem page")
        private = await fake.sent("Your private link", chat_id=PEOPLE["bram"]["id"])
        link = re.search(rf"{re.escape(PUBLIC)}/page/\S+", private["text"])
        assert link is not None

        seen = await browser.open(served(bot, link.group(0)), screenshot=ARTIFACTS / "session-page.png")
        assert seen.status == 200
        assert STATEMENT_WORDS in seen.text
        assert "young people and debts" in seen.text
        assert len(seen.headings) >= 4
        assert seen.svg_visible and seen.svg_size is not None and seen.svg_size[0] > 100
        assert "police" in seen.text and "debt counselling" in seen.text
        assert seen.errors == []
        assert seen.screenshot is not None and seen.screenshot.read_bytes().startswith(b"\x89PNG")

        forged = await browser.open(f"http://127.0.0.1:{bot.port}/page/AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA")
        assert forged.status == 404
        assert STATEMENT_WORDS not in forged.text
