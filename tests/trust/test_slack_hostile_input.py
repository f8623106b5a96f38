"""Slack: one channel's data stays in that channel; fuzzed bodies; quiet logs.

Threats: a payload naming channel A changes channel B; App Home or an export shows a
channel to someone outside it; a hostile or truncated (correctly signed) body crashes
the server or is stored; message text or secrets end up in the logs.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.slack.conftest import SECRET, SlackHarness, uid

SENSITIVE = "The father threatened the neighbours again on Tuesday"


async def two_channels(slack: SlackHarness) -> None:
    """C1 has answers of its own; C2 has a session with other answers."""
    await slack.command("alice", "/problem start")
    await slack.say("alice", SENSITIVE)
    await slack.command("carol", "/problem start", channel="C2")
    await slack.say("carol", "Bins are not collected in the east", channel="C2")


async def test_a_button_press_naming_channel_a_cannot_change_channel_b(slack: SlackHarness) -> None:
    await two_channels(slack)
    first = await slack.state("C1")
    second = await slack.state("C2")
    question = next(c for c in slack.fake.calls("chat.postMessage", channel="C1") if "Question 1" in c.content)
    # Mallory replays C1's "Ready" button with C2 in the payload, and C1's with her as user.
    for channel in ("C2", "C1"):
        await slack.press("mallory", question, "ready", channel=channel)
    after_first, after_second = await slack.state("C1"), await slack.state("C2")
    assert after_first.answers == first.answers and after_second.answers == second.answers
    assert uid("mallory") not in after_first.ready | after_second.ready or after_first.step == first.step
    assert after_second.step == second.step


async def test_app_home_never_lists_a_channel_where_the_user_is_not_a_participant(slack: SlackHarness) -> None:
    await two_channels(slack)
    for user, visible, hidden in (("alice", "<#C1>", "<#C2>"), ("carol", "<#C2>", "<#C1>"),
                                  ("mallory", None, "<#C1>")):
        body = slack.message_body(user, "")
        body["event"] = {"type": "app_home_opened", "user": uid(user), "channel": "D1", "tab": "home",
                         "event_ts": "1800000000.1"}
        await slack.send_json(body)
        await slack.settle()
        view = [c for c in slack.fake.calls("views.publish") if c.params["user_id"] == uid(user)][-1]
        assert (visible is None or visible in view.content) and hidden not in view.content
        assert (user == "alice") == (SENSITIVE in view.content or "<#C1>" in view.content)


async def test_an_export_in_channel_b_never_contains_channel_a_answers(slack: SlackHarness) -> None:
    await two_channels(slack)
    for fmt in ("md", "json"):
        await slack.command("carol", f"/problem export {fmt}", channel="C2")
        await slack.command("mallory", f"/problem export {fmt}", channel="C2")
    said_in_b = "\n".join(c.content for c in slack.fake.calls() if c.channel == "C2")
    assert "Bins are not collected" in said_in_b  # the export happened...
    assert SENSITIVE not in said_in_b  # ...with nothing of C1


SLACK_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=15),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
SLACK_KEYS = st.sampled_from(["type", "team", "team_id", "user", "user_id", "channel", "channel_id", "actions",
                              "trigger_id", "view", "event", "event_id", "command", "text", "container",
                              "api_app_id", "callback_id", "private_metadata", "state"])


async def test_fuzzed_signed_bodies_never_crash_the_server_nor_store_anything(slack: SlackHarness) -> None:
    bodies: list[tuple[str, str]] = []

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(payload=st.dictionaries(SLACK_KEYS, SLACK_VALUES, max_size=6),
           kind=st.sampled_from(["json", "payload", "command"]), cut=st.integers(0, 300))
    def collect(payload: dict[str, Any], kind: str, cut: int) -> None:
        if kind == "json":
            body, content_type = json.dumps(payload), "application/json"
        elif kind == "payload":
            body, content_type = urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        else:
            fields = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in payload.items()}
            fields.setdefault("command", "/problem")
            body, content_type = urlencode(fields), "application/x-www-form-urlencoded"
        bodies.append((body, content_type))
        bodies.append((body[:cut], content_type))

    collect()
    for body, content_type in bodies:
        status, _ = await slack.send(body, content_type)
        assert status < 500, (status, body[:200])
    await slack.settle()
    assert await slack.state("C1") is None
    async with slack.app.engine.connect() as connection:  # type: ignore[union-attr]
        from sqlalchemy import func, select

        from bot.shell.storage.tables import channel_items, channels, outbox

        assert (await connection.execute(select(func.count()).select_from(channels))).scalar_one() == 0
        assert (await connection.execute(select(func.count()).select_from(channel_items))).scalar_one() == 0
        assert (await connection.execute(select(func.count()).select_from(outbox))).scalar_one() == 0
    # Still serving: a valid command right after is handled.
    await slack.command("alice", "/problem start")
    assert await slack.fake.posted("Question 1 of 6")


async def test_a_whole_slack_journey_logs_no_text_no_token_no_signing_secret(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await slack.command("alice", f"/problem start {SENSITIVE}")
    await slack.say("bob", f"{SENSITIVE} and nobody called")
    await slack.say("carol", "I'll call the police about him myself.")
    await slack.command("alice", "/problem status")
    await slack.send_form(slack.command_body("mallory", "/problem reset"), secret="wrong")
    debug = caplog.text
    assert "xoxb-test-token" not in debug and SECRET not in debug
    info = "\n".join(r.getMessage() + str(r.__dict__.get("args")) for r in caplog.records
                     if r.levelno >= logging.INFO)
    for fragment in (SENSITIVE, "nobody called", "call the police"):
        assert fragment not in info
