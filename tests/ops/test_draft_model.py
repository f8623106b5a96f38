"""A language model writes version 1 of the draft, against a fake OpenAI-compatible endpoint.

The team finishes the questions; the offline draft is posted at once, and the model's draft
replaces it when the endpoint answers. When the endpoint fails (HTTP 500), is too slow, or
answers something that is not a chat completion, the offline draft stands and one log line
says so, without any of the answers' text and without the key.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from adapters.console import ConsoleTransport
from bot.app.bootstrap import App, bootstrap
from bot.app.settings import Settings
from bot.core.model import CommandIssued, Edit, Sender, TextMessage
from bot.shell.logs import redact
from tests.ops.harness import RecordingTransport, settings_for

CHANNEL = "console:drafting"
KEY = "sk-team-model-4f1c0e2a9b7d"
MODEL_TEXT = "Problem: young people in Noord run into phone debts that nobody sees in time."
ANSWER = "Young people in Noord run up debts with phone contracts, and nobody notices in time."
_ids = itertools.count(1)


@dataclass
class FakeModel:
    """An OpenAI-compatible chat-completions endpoint that answers as ``mode`` says."""

    mode: str = "ok"  # ok | error | slow | garbage | other-json | empty
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def completions(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        if self.mode == "error":
            return web.json_response({"error": {"message": "model overloaded"}}, status=500)
        if self.mode == "slow":
            await self.release.wait()  # longer than the bot waits; let go when the test ends
        if self.mode == "garbage":
            return web.Response(text="<html>Bad gateway</html>", content_type="text/html")
        if self.mode == "other-json":
            return web.json_response({"status": "queued", "choices": "later"})
        content = "  " if self.mode == "empty" else MODEL_TEXT
        return web.json_response({"id": "cmpl-1", "object": "chat.completion",
                                  "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                               "finish_reason": "stop"}]})


@pytest.fixture
async def model() -> AsyncIterator[tuple[FakeModel, str]]:
    fake = FakeModel()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.completions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield fake, f"http://127.0.0.1:{port}/v1"
    finally:
        fake.release.set()
        await runner.cleanup()


def model_settings(tmp_path: Path, url: str, timeout: float = 20.0) -> Settings:
    return settings_for(tmp_path).model_copy(update={
        "draft_model_url": url, "draft_model": "team-model", "draft_model_timeout": timeout,
        "draft_model_key": Settings(_env_file=None, VOORDENKEN_DRAFT_MODEL_KEY=KEY).draft_model_key,
    })


async def team_app(tmp_path: Path, url: str, timeout: float = 20.0) -> tuple[App, RecordingTransport]:
    transport = RecordingTransport()
    return await bootstrap(model_settings(tmp_path, url, timeout), transports=[transport]), transport


async def say(app: App, user: str, text: str) -> None:
    sender = Sender(user, user.capitalize())
    event_id = f"d{next(_ids)}"
    if text.startswith("/problem "):
        await app.service.handle(CommandIssued(event_id=event_id, channel=CHANNEL, sender=sender,
                                               text=text.removeprefix("/problem "), command_word="problem"))
    else:
        await app.service.handle(TextMessage(event_id=event_id, channel=CHANNEL, sender=sender, text=text))


async def finish_the_questions(app: App) -> str:
    """Alice runs the questions with Bob's answers; returns the offline draft the bot posted."""
    await say(app, "alice", "/problem start young people and debts")
    await say(app, "bob", "Police here. " + ANSWER)
    for _ in range(6):
        await say(app, "alice", "/problem next")
    assert app.drafter is not None
    await app.drafter.drain()  # the model has answered (or not), and its answer was handled
    state = await app.service.get_state(CHANNEL)
    assert state is not None and state.current_draft is not None
    return state.current_draft.text


async def test_the_models_draft_replaces_the_offline_one(tmp_path: Path, model: tuple[FakeModel, str]) -> None:
    fake, url = model
    app, transport = await team_app(tmp_path, url)
    try:
        draft = await finish_the_questions(app)
    finally:
        await app.close()
    assert draft == MODEL_TEXT + "\n\nDrawn from the answers of Bob (police)."
    # The offline draft went out first; the model's replaced it in place.
    [edit] = [m for m in transport.delivered if isinstance(m, Edit) and m.key == "draft:1"]
    assert "A language model wrote this draft from your answers (version 1)" in edit.text
    # What was sent: the model's name, the instructions, and the answers with who said them.
    [request] = fake.requests
    assert request["model"] == "team-model"
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert f"- Bob (police): Police here. {ANSWER}" in request["messages"][1]["content"]
    assert fake.headers[0]["Authorization"] == f"Bearer {KEY}"
    assert KEY not in redact(f"posting with Bearer {KEY}")  # the key is a registered secret


async def test_the_console_shows_the_rewritten_draft_whole(tmp_path: Path, model: tuple[FakeModel, str]) -> None:
    _, url = model
    screen = io.StringIO()
    app = await bootstrap(model_settings(tmp_path, url), transports=[ConsoleTransport(screen)])
    try:
        await finish_the_questions(app)
    finally:
        await app.close()
    updated = screen.getvalue().split("voordenken ✎ ")[-1]
    assert "A language model wrote this draft from your answers (version 1)" in updated
    assert MODEL_TEXT in updated


@pytest.mark.parametrize(("mode", "why"), [
    ("error", "the endpoint answered HTTP 500"),
    ("slow", "no answer within 0.2 s"),
    ("garbage", "the answer is not JSON"),
    ("other-json", "the answer is not a chat completion"),
    ("empty", "the answer is not a usable draft (empty, too long or code)"),
])
async def test_when_the_model_fails_the_offline_draft_stands(
    tmp_path: Path, model: tuple[FakeModel, str], caplog: pytest.LogCaptureFixture, mode: str, why: str
) -> None:
    fake, url = model
    fake.mode = mode
    app, transport = await team_app(tmp_path, url, timeout=0.2)
    try:
        with caplog.at_level(logging.INFO):
            draft = await finish_the_questions(app)
    finally:
        await app.close()
    assert len(fake.requests) == 1
    assert draft.startswith("Problem: Young people in Noord run up debts with phone contracts")
    assert "Drawn from the answers of Bob (police)." in draft
    assert not [m for m in transport.delivered if isinstance(m, Edit) and m.key == "draft:1"]
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.shell.draft_model"]
    assert line == f"draft model: {why}; channel {CHANNEL} keeps the offline draft"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "phone contracts" not in logged and KEY not in logged


async def test_without_a_url_nothing_is_sent(tmp_path: Path, model: tuple[FakeModel, str]) -> None:
    fake, _ = model
    app = await bootstrap(settings_for(tmp_path), transports=[RecordingTransport()])
    try:
        assert app.drafter is None
        await say(app, "alice", "/problem start young people and debts")
        await say(app, "bob", ANSWER)
        for _ in range(6):
            await say(app, "alice", "/problem next")
        state = await app.service.get_state(CHANNEL)
    finally:
        await app.close()
    assert state is not None and state.current_draft is not None
    assert state.current_draft.text.startswith("Problem: Young people in Noord")
    assert fake.requests == []
