"""TelegramTransport with the real PTB ``Bot`` against the fake: how each answer maps."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from adapters.telegram.transport import TelegramTransport
from bot.core.model import Button, Edit, Notify, Post, Reply
from bot.core.ports import PermanentDeliveryError, RateLimited
from bot.shell.prompts import load_script
from tests.telegram.fake_telegram import TOKEN, FakeTelegram

CHANNEL = "telegram:-100777"
CHAT = -100777

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def transport(fake: FakeTelegram) -> AsyncIterator[TelegramTransport]:
    bot = Bot(TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
    async with bot:
        yield TelegramTransport(bot, load_script())


async def test_post_reply_notify_and_edit(fake: FakeTelegram, transport: TelegramTransport) -> None:
    vote = Post(text="0 van 3 hebben gestemd.", title="Ronde", key="vote:1",
                buttons=(Button("Akkoord", "vote", "agree:1", "/problem agree"),))
    target = await transport.deliver(CHANNEL, vote, None)
    assert target is not None
    reply = await transport.deliver(CHANNEL, Reply(text="Geparkeerd.", message_id="55"), None)
    assert fake.calls("sendMessage")[-1].params["reply_parameters"] == {
        "message_id": 55, "allow_sending_without_reply": True}
    assert reply != target
    await transport.deliver(CHANNEL, Notify(user="102", name="Bram", text="Vastgelegd.", message_id="56"), None)
    notified = fake.message(CHAT, int(fake.calls("sendMessage")[-1].params["_message_id"]))
    assert notified["text"] == "Bram: Vastgelegd."
    edit = Edit(key="vote:1", text="1 van 3 hebben gestemd.", title="Ronde", buttons=vote.buttons)
    assert await transport.deliver(CHANNEL, edit, target) == target
    assert fake.message(CHAT, int(target))["text"].endswith("1 van 3 hebben gestemd.")
    # The same edit again: Telegram says "message is not modified" -- that is success.
    assert await transport.deliver(CHANNEL, edit, target) == target


async def test_edit_without_or_with_a_lost_target_posts_anew(fake: FakeTelegram,
                                                              transport: TelegramTransport) -> None:
    edit = Edit(key="vote:1", text="Ronde gesloten.")
    first = await transport.deliver(CHANNEL, edit, None)
    second = await transport.deliver(CHANNEL, edit, "424242")
    assert first and second and first != second
    assert len(fake.calls("sendMessage")) == 2


async def test_flood_control_becomes_rate_limited(fake: FakeTelegram, transport: TelegramTransport) -> None:
    fake.fail("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RateLimited) as caught:
        await transport.deliver(CHANNEL, Post(text="hallo"), None)
    assert caught.value.retry_after == 7


@pytest.mark.parametrize(("code", "description"), [
    (403, "Forbidden: bot was kicked from the supergroup chat"),
    (403, "Forbidden: bot was blocked by the user"),
    (400, "Bad Request: chat not found"),
])
async def test_gone_chats_fail_permanently(fake: FakeTelegram, transport: TelegramTransport, code: int,
                                           description: str) -> None:
    fake.fail("sendMessage", error_code=code, description=description)
    with pytest.raises(PermanentDeliveryError):
        await transport.deliver(CHANNEL, Post(text="hallo"), None)


async def test_server_errors_are_transient(fake: FakeTelegram, transport: TelegramTransport) -> None:
    fake.fail("sendMessage", error_code=502, description="Bad Gateway")
    with pytest.raises(Exception) as caught:
        await transport.deliver(CHANNEL, Post(text="hallo"), None)
    assert not isinstance(caught.value, PermanentDeliveryError | RateLimited)
