"""Drive the real Voordenken server (bot.app.runner.serve + slack-bolt) against a fake Slack.

Requests are signed like Slack signs them and go over HTTP into the shared aiohttp
server; the bot's real ``AsyncWebClient`` answers to ``FakeSlack`` on another port.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from adapters.slack import SlackPlatform
from bot.app.bootstrap import App
from bot.app.platforms import Platform, build_slack
from bot.app.runner import serve
from bot.app.settings import Settings
from bot.core.ports import Clock
from bot.shell.storage.statements import UNSETTLED
from bot.shell.storage.tables import outbox
from tests.slack.fake_slack import TEAM, Call, FakeSlack

SECRET = "test-signing-secret"
CHANNEL = "C1"


def uid(name: str) -> str:
    """Test users are named; Slack ids are upper-case: alice -> UALICE."""
    return "U" + name.upper()


def make_settings(fake: FakeSlack, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'voordenken.db'}",
        "http_host": "127.0.0.1",
        "http_port": 0,
        "language": "en",
        "slack_bot_token": "xoxb-test-token",
        "slack_app_token": None,
        "slack_signing_secret": SECRET,
        "slack_client_id": None,
        "slack_client_secret": None,
        "slack_api_url": fake.api_url,
        "telegram_bot_token": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


class SlackHarness:
    """A team channel as seen from Slack's side: people type, press and submit."""

    def __init__(self, fake: FakeSlack, settings: Settings, clock: Clock | None = None) -> None:
        self.fake = fake
        self.settings = settings
        self.clock = clock  # None: the system clock
        self.platform: SlackPlatform | None = None
        self.app: App | None = None
        self._ids = itertools.count(1)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        def capture(settings: Settings, app: App) -> Platform:
            self.app = app
            platform = build_slack(settings, app)
            assert isinstance(platform, SlackPlatform)
            self.platform = platform
            return platform

        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def on_ready(port: int) -> None:
            ready.set_result(port)

        self._task = asyncio.create_task(serve(self.settings, [capture], self._stop, ready=on_ready, clock=self.clock))
        waiting: set[asyncio.Future[Any]] = {self._task, ready}
        done, _ = await asyncio.wait(waiting, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            self._task.result()  # raises what went wrong
        if ready not in done:
            raise AssertionError("server did not become ready")
        self.port = ready.result()
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, 20)

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until every acknowledged request's work is done and the outbox is empty.

        Deliveries may lag the work: the service keeps Slack's pace (about one message per
        second per channel after a short burst) and honours 429s, via its outbox loop.
        """
        assert self.platform is not None and self.app is not None
        await self.platform.drain()
        await self.app.service.drain()  # accepted message events are processed in the background
        unsettled = select(func.count()).select_from(outbox).where(outbox.c.status.in_(UNSETTLED))
        deadline = time.monotonic() + timeout
        while True:
            async with self.app.engine.connect() as connection:
                if (await connection.execute(unsettled)).scalar_one() == 0:
                    return
            if time.monotonic() > deadline:
                raise AssertionError("the outbox did not empty")
            await asyncio.sleep(0.02)

    # ------------------------------------------------------------------ raw requests

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def signed_headers(self, body: str, *, timestamp: int | None = None,
                       secret: str = SECRET) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body) or ""
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    async def send(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
                   sign: bool = True, **signing: Any) -> tuple[int, str]:
        assert self._session is not None
        all_headers: dict[str, str] = {"Content-Type": content_type}
        if sign:
            all_headers.update(self.signed_headers(body, **signing))
        all_headers.update(headers or {})
        async with self._session.post(self.events_url, data=body.encode(), headers=all_headers) as response:
            return response.status, await response.text()

    async def send_form(self, fields: dict[str, str], **kwargs: Any) -> tuple[int, str]:
        return await self.send(urlencode(fields), "application/x-www-form-urlencoded", **kwargs)

    async def send_json(self, payload: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        return await self.send(json.dumps(payload), "application/json", **kwargs)

    # ------------------------------------------------------------------ payloads

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def command_body(self, user: str, line: str, channel: str = CHANNEL) -> dict[str, str]:
        word, _, text = line.partition(" ")
        return {
            "token": "legacy", "team_id": TEAM, "team_domain": "fake", "channel_id": channel,
            "channel_name": "general", "user_id": uid(user), "user_name": user, "command": word,
            "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
            "response_url": f"{self.fake.url}respond/{self.next_id('r')}",
            "trigger_id": self.next_id("trigger."),
        }

    def message_body(self, user: str, text: str, *, channel: str = CHANNEL, thread_ts: str | None = None,
                     subtype: str | None = None, channel_type: str = "channel",
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
        ts = f"1800000000.{next(self._ids):06d}"
        event: dict[str, Any] = {"type": "message", "channel": channel, "channel_type": channel_type,
                                 "user": uid(user), "text": text, "ts": ts, "event_ts": ts}
        if thread_ts:
            event["thread_ts"] = thread_ts
        if subtype:
            event["subtype"] = subtype
        event.update(extra or {})
        return {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                "event": event, "event_id": self.next_id("Ev"), "event_time": int(time.time())}

    def action_body(self, user: str, message: Call, label: str, *, channel: str = CHANNEL,
                    ts: str | None = None) -> dict[str, Any]:
        button = message.button(label)
        message_ts = ts or message.ts
        return {
            "type": "block_actions", "team": {"id": TEAM, "domain": "fake"},
            "user": {"id": uid(user), "username": user, "team_id": TEAM}, "api_app_id": "A1",
            "token": "legacy", "trigger_id": self.next_id("trigger."),
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "channel": {"id": channel, "name": "general"},
            "response_url": f"{self.fake.url}respond/{self.next_id('r')}",
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id": "b",
                         "text": button["text"], "value": button["value"],
                         "action_ts": f"1800000001.{next(self._ids):06d}"}],
        }

    # ------------------------------------------------------------------ conversation

    async def command(self, user: str, line: str, channel: str = CHANNEL) -> tuple[int, str]:
        status, body = await self.send_form(self.command_body(user, line, channel))
        await self.settle()
        return status, body

    async def say(self, user: str, text: str, **kwargs: Any) -> dict[str, Any]:
        body = self.message_body(user, text, **kwargs)
        status, _ = await self.send_json(body)
        assert status == 200
        await self.settle()
        return body

    async def press(self, user: str, message: Call, label: str, **kwargs: Any) -> tuple[int, str]:
        body = self.action_body(user, message, label, **kwargs)
        status, text = await self.send_form({"payload": json.dumps(body)})
        await self.settle()
        return status, text

    async def submit(self, user: str, opened: Call, reason: str) -> tuple[int, str]:
        view = dict(opened.params["view"])
        view.update({"id": self.next_id("V"), "hash": self.next_id("h."), "team_id": TEAM,
                     "state": {"values": {"reason": {"reason_input": {"type": "plain_text_input",
                                                                      "value": reason}}}}})
        body = {"type": "view_submission", "team": {"id": TEAM, "domain": "fake"},
                "user": {"id": uid(user), "username": user, "team_id": TEAM}, "api_app_id": "A1",
                "token": "legacy", "trigger_id": self.next_id("trigger."), "view": view}
        status, text = await self.send_form({"payload": json.dumps(body)})
        await self.settle()
        return status, text

    async def state(self, channel: str = CHANNEL) -> Any:
        assert self.app is not None
        return await self.app.service.get_state(f"slack:{TEAM}:{channel}")


async def open_vote(slack: SlackHarness) -> Call:
    """alice starts, bob and carol answer, alice skips to the draft and opens the round."""
    await slack.command("alice", "/problem start kids hang around at night")
    await slack.say("bob", "Kids hang around the square at night")
    await slack.say("carol", "Neighbours call the police every night")
    for _ in range(6):
        await slack.command("alice", "/problem next")
    draft = await slack.fake.posted("Draft problem statement, version 1")
    await slack.press("alice", draft, "Open the agreement round")
    vote: Call = await slack.fake.posted("Agreement round on version 1")
    return vote


@pytest.fixture(autouse=True)
def _no_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID",
                 "SLACK_CLIENT_SECRET", "SLACK_API_URL", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
async def slack(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackHarness]:
    harness = SlackHarness(fake, make_settings(fake, tmp_path))
    await harness.start()
    yield harness
    await harness.stop()
