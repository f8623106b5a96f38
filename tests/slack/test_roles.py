"""Slack over HTTP with VOORDENKEN_ROLE: a web process answers Slack, a worker answers the people.

Two ``bot.app.runner.serve`` instances share one SQLite file, as a web replica and a worker
would: Slack's signed requests go to the web one, which stores and acknowledges; the
worker, which serves no Slack routes, processes and posts. Each has its own bot token, so
the fake Slack can tell which process posted what.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.core.model import Phase
from tests.slack.conftest import CHANNEL, SlackHarness, make_settings, uid
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_delivery import TASK_TALK
from tests.waiting import until

WEB_TOKEN, WORKER_TOKEN = "xoxb-web-token", "xoxb-worker-token"
POSTING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.open")


@pytest.fixture
async def split(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[tuple[SlackHarness, SlackHarness]]:
    web = SlackHarness(fake, make_settings(fake, tmp_path, role="web", slack_bot_token=WEB_TOKEN))
    worker = SlackHarness(fake, make_settings(fake, tmp_path, role="worker", slack_bot_token=WORKER_TOKEN))
    await web.start()  # first: it migrates the database
    try:
        await worker.start()
        try:
            yield web, worker
        finally:
            await worker.stop()
    finally:
        await web.stop()


def posted_by(fake: FakeSlack, token: str) -> list[str]:
    return [call.method for call in fake.calls() if call.method in POSTING and call.token == token]


async def test_the_web_process_acknowledges_and_the_worker_replies(
    split: tuple[SlackHarness, SlackHarness], fake: FakeSlack
) -> None:
    web, worker = split

    status, body = await web.send_form(web.command_body("alice", "/problem start kids hang around at night"))
    assert (status, body) == (200, "")
    question = await fake.posted("Question 1 of 6")
    assert question.channel == CHANNEL and question.token == WORKER_TOKEN

    answer = web.message_body("bob", "Kids hang around the square at night")
    assert (await web.send_json(answer))[0] == 200
    talk = web.message_body("carol", TASK_TALK)
    assert (await web.send_json(talk))[0] == 200
    redirect = await fake.posted("that sounds like dividing the work")
    assert redirect.params["thread_ts"] == talk["event"]["ts"] and redirect.token == WORKER_TOKEN

    state = await worker.state()
    assert state.phase is Phase.ANALYSIS
    assert [a.text for a in state.answers] == ["Kids hang around the square at night"]
    assert [item.user for item in state.parked] == [uid("carol")]
    assert posted_by(fake, WEB_TOKEN) == []  # the web process only checked membership and stored


async def test_a_slack_retry_to_the_web_is_answered_once_by_the_worker(
    split: tuple[SlackHarness, SlackHarness], fake: FakeSlack
) -> None:
    web, worker = split
    await web.send_form(web.command_body("alice", "/problem start"))
    await fake.posted("Question 1 of 6")

    talk = web.message_body("carol", TASK_TALK)
    for retry in (None, "1", "2"):  # Slack thought our 200 was late
        headers = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        assert (await web.send_json(talk, headers=headers))[0] == 200
    await fake.posted("that sounds like dividing the work")
    marker = web.message_body("alice", "Nobody talks to them")  # stored after the retries
    assert (await web.send_json(marker))[0] == 200

    async def answered() -> bool:
        state = await worker.state()
        return [a.text for a in state.answers] == ["Nobody talks to them"]

    await until(answered, "the worker to record the message sent after the retries")
    assert len(fake.messages("that sounds like dividing the work")) == 1
    assert len((await worker.state()).parked) == 1


async def test_the_worker_serves_no_slack_routes(split: tuple[SlackHarness, SlackHarness]) -> None:
    web, worker = split
    body = json.dumps(web.message_body("bob", "sent to the wrong process"))
    headers = {"Content-Type": "application/json", **web.signed_headers(body)}
    async with aiohttp.ClientSession() as session:
        async with session.post(worker.events_url, data=body, headers=headers) as response:
            assert response.status == 404
        async with session.get(f"http://127.0.0.1:{worker.port}/healthz") as response:
            assert response.status == 200
        async with session.get(f"http://127.0.0.1:{worker.port}/metrics") as response:
            assert response.status == 200
