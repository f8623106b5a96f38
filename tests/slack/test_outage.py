"""Slack down for minutes, then a 429 storm: every reply arrives exactly once, in order.

The real slack_sdk client talks to the fake Slack; the app runs on a fake clock that the
test moves forward, so hours of back-off pass without anyone waiting for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.shell.storage.statements import UNSETTLED
from bot.shell.storage.tables import outbox
from tests.service.fakes import FakeClock
from tests.slack.conftest import SlackHarness, make_settings
from tests.slack.fake_slack import FakeSlack
from tests.waiting import until

QUESTIONS = [f"Question {n} of 6" for n in range(1, 6)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def slack(fake: FakeSlack, tmp_path: Path, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    # Our own pacing is tested elsewhere; here only Slack's answers decide when a message goes.
    harness = SlackHarness(fake, make_settings(fake, tmp_path, outbound_pacing=False), clock=clock)
    await harness.start()
    yield harness
    await harness.stop()


async def command(slack: SlackHarness, line: str) -> None:
    """alice types ``line``; its handling is done (the delivery may still be waiting)."""
    assert slack.platform is not None and slack.app is not None
    status, _ = await slack.send_form(slack.command_body("alice", line))
    assert status == 200
    await slack.platform.drain()
    await slack.app.service.drain()


async def _outbox_waits(slack: SlackHarness, clock: FakeClock) -> bool:
    """Nothing the outbox could try now: every channel's first undelivered message waits for a later time."""
    assert slack.app is not None
    query = select(outbox.c.channel, outbox.c.status, outbox.c.next_attempt_at).where(
        outbox.c.status.in_(UNSETTLED)).order_by(outbox.c.id)
    async with slack.app.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    heads = {}
    for row in rows:
        heads.setdefault(row.channel, row)
    return all(row.status == "pending" and row.next_attempt_at > clock.now() for row in heads.values())


async def let_time_pass(slack: SlackHarness, clock: FakeClock, seconds: float, step: float = 20) -> None:
    """Move the app's clock on by ``seconds``, letting the outbox try whatever falls due on the way."""
    for _ in range(int(seconds // step)):
        clock.advance(step)
        await until(lambda: _outbox_waits(slack, clock), "the outbox to try what fell due")


def delivered(fake: FakeSlack) -> list[str]:
    """The first line of every message Slack accepted, in the order it accepted them."""
    return [c.content.splitlines()[0] for c in fake.calls("chat.postMessage") if c.result.get("ok")]


@pytest.mark.parametrize("answer", [503, 0], ids=["http-503", "connection-dropped"])
async def test_slack_down_for_ten_minutes_loses_no_reply(
    slack: SlackHarness, fake: FakeSlack, clock: FakeClock, answer: int
) -> None:
    await slack.command("alice", "/problem start")
    await slack.settle()
    fake.outage(answer)  # chat.* answers 503 (or drops the connection) from now on

    for _ in range(3):  # the facilitator moves on while Slack is down
        await command(slack, "/problem next")
    await let_time_pass(slack, clock, 10 * 60)
    refused = [c for c in fake.calls("chat.postMessage") if c.result.get("error") == f"http_{answer}"]
    assert len(refused) > 8  # far beyond the old 8 tries of one message

    fake.recover()
    await let_time_pass(slack, clock, 2 * 60)
    await slack.settle()
    questions = [line.split(":")[0] for line in delivered(fake) if line.startswith("Question")]
    assert questions == QUESTIONS[:4]  # each once, in order
    assert [row.status for row in await slack.app.service.repository.outbox()] == ["sent"] * 5  # type: ignore[union-attr]


async def test_seven_rate_limits_and_one_error_lose_no_reply(
    slack: SlackHarness, fake: FakeSlack, clock: FakeClock
) -> None:
    await slack.command("alice", "/problem start")
    await slack.settle()
    fake.rate_limit("chat.postMessage", times=7, retry_after=30)
    fake.fail("chat.postMessage", "internal_error", status=500, times=1)
    fake.rate_limit("chat.postMessage", times=20, retry_after=5)  # and then a storm

    await command(slack, "/problem next")
    await command(slack, "/problem next")
    await let_time_pass(slack, clock, 10 * 60, step=10)
    await slack.settle()

    questions = [line.split(":")[0] for line in delivered(fake) if line.startswith("Question")]
    assert questions == QUESTIONS[:3]

