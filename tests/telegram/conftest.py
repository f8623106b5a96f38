"""Run the real ``voordenken`` server (``bot.app.runner.serve``) with the Telegram platform
against the fake Bot API, and talk to it like a Telegram group does."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app.platforms import build_telegram
from bot.app.runner import serve
from bot.app.settings import Settings
from bot.shell.storage.database import sqlite_url_for
from tests.telegram.fake_telegram import BOT_ID, BOT_USERNAME, TOKEN, FakeTelegram

SECRET = "s3cret-Token_for-tests"
WEBHOOK_URL = "https://voordenken.example.org/telegram/webhook"
GROUP = -1001234

PEOPLE: dict[str, dict[str, Any]] = {
    "anna": {"id": 101, "is_bot": False, "first_name": "Anna", "username": "anna_b", "language_code": "nl"},
    "bram": {"id": 102, "is_bot": False, "first_name": "Bram", "language_code": "nl"},
    "carla": {"id": 103, "is_bot": False, "first_name": "Carla", "username": "carla"},
    "dirk": {"id": 104, "is_bot": False, "first_name": "Dirk"},
}


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def settings_for(fake: FakeTelegram, tmp_path: Path, *, webhook: bool, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": sqlite_url_for(tmp_path / "voordenken.db"),
        "http_host": "127.0.0.1",
        "http_port": 0,
        "telegram_bot_token": TOKEN,
        "telegram_api_url": fake.url,
        # Our own pacing (20 messages a minute per group) would make a journey take minutes;
        # these tests are about Telegram's answers (its 429s included). bot.shell.ratelimit has its own tests.
        "outbound_pacing": False,
    }
    if webhook:
        values.update(telegram_webhook_url=WEBHOOK_URL, telegram_webhook_secret=SECRET)
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class RunningBot:
    fake: FakeTelegram
    port: int
    webhook: bool
    session: aiohttp.ClientSession
    update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(5000))

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/webhook"

    async def post_webhook(self, body: bytes | str, secret: str | None = SECRET) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with self.session.post(self.webhook_url, data=body, headers=headers) as response:
            await response.read()
            return response.status

    async def deliver(self, update: dict[str, Any]) -> None:
        """Webhook: POST it and return once it is handled. Polling: queue it for getUpdates."""
        if self.webhook:
            import json

            status = await self.post_webhook(json.dumps(update))
            assert status == 200, status
        else:
            self.fake.queue_update(update)

    async def health(self) -> tuple[int, dict[str, Any]]:
        async with self.session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
            return response.status, await response.json()

    def group(self, chat_id: int = GROUP) -> Group:
        return Group(self, chat_id)


@dataclass
class Group:
    """A Telegram group as the tests drive it: people say things, press buttons, reply."""

    bot: RunningBot
    chat_id: int

    def _message(self, who: str, text: str, reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.bot.fake.next_message_id(),
            "date": 1764320000,
            "chat": {"id": self.chat_id, "type": "supergroup", "title": "Wijkteam Noord"},
            "from": PEOPLE[who],
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message

    def update(self, **payload: Any) -> dict[str, Any]:
        return {"update_id": next(self.bot.update_ids), **payload}

    async def say(self, who: str, text: str, reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        update = self.update(message=self._message(who, text, reply_to))
        await self.bot.deliver(update)
        return update

    async def reply(self, who: str, to: dict[str, Any], text: str) -> dict[str, Any]:
        """Reply to one of the bot's messages (as Telegram includes it: without nested replies)."""
        return await self.say(who, text, reply_to={k: v for k, v in to.items() if not k.startswith("_")})

    async def press(self, who: str, message: dict[str, Any], label: str) -> dict[str, Any]:
        data = button_data(message, label)
        return await self.press_data(who, message, data)

    async def press_data(self, who: str, message: dict[str, Any], data: str) -> dict[str, Any]:
        shown = {k: v for k, v in message.items() if not k.startswith("_")}
        update = self.update(callback_query={
            "id": f"cb{next(self.bot.update_ids)}", "from": PEOPLE[who], "chat_instance": "ci1",
            "message": shown, "data": data,
        })
        await self.bot.deliver(update)
        return update


def button_data(message: dict[str, Any], label: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} on message {message.get('text', '')[:60]!r}")


@contextlib.asynccontextmanager
async def running(fake: FakeTelegram, tmp_path: Path, *, webhook: bool = True,
                  **overrides: Any) -> AsyncIterator[RunningBot]:
    """``voordenken run`` with Telegram only, on an ephemeral port, in this test's loop."""
    settings = settings_for(fake, tmp_path, webhook=webhook, **overrides)
    stop = asyncio.Event()
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def ready(port: int) -> None:
        bound.set_result(port)

    task = asyncio.create_task(serve(settings, [build_telegram], stop, ready=ready))
    try:
        waiting: list[asyncio.Future[Any]] = [task, bound]
        done, _ = await asyncio.wait(waiting, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
            raise AssertionError("serve() ended before it was ready")
        if bound not in done:
            raise AssertionError("serve() did not get ready")
        if not webhook:  # polling starts in the background once this replica holds the lease
            await fake.wait_for(lambda: fake.calls("getUpdates"), what="polling to start")
        async with aiohttp.ClientSession() as session:
            yield RunningBot(fake, bound.result(), webhook, session)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


__all__ = ["BOT_ID", "BOT_USERNAME", "GROUP", "PEOPLE", "SECRET", "Group", "RunningBot", "fake", "running"]
