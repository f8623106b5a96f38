"""Inbound trust: signatures, replays, forged buttons, oversized bodies, quiet logs."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import pytest

from bot.core.model import Phase
from tests.slack.conftest import CHANNEL, SlackHarness, uid
from tests.slack.fake_slack import Call, FakeSlack

SECRET_WORDS = "the-secret-answer-text"


async def _no_session(slack: SlackHarness) -> None:
    assert await slack.state() is None


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "not-the-secret"},  # wrong
        {"timestamp": int(time.time()) - 600},  # stale (> 5 minutes)
    ],
    ids=["wrong-signature", "stale-timestamp"],
)
async def test_bad_signatures_are_refused_without_a_trace(
    slack: SlackHarness, fake: FakeSlack, caplog: pytest.LogCaptureFixture, signing: dict[str, object]
) -> None:
    caplog.set_level(logging.DEBUG)
    body = slack.command_body("alice", f"/problem start {SECRET_WORDS}")
    status, _ = await slack.send_form(body, **signing)
    assert status == 401
    await slack.settle()
    await _no_session(slack)
    assert fake.calls() == []
    assert SECRET_WORDS not in caplog.text
    assert "rejected a request" in caplog.text


async def test_missing_signature_is_refused(slack: SlackHarness, fake: FakeSlack) -> None:
    status, _ = await slack.send_form(slack.command_body("alice", "/problem start"), sign=False)
    assert status == 401
    body = slack.message_body("alice", "hello")
    status, _ = await slack.send_json(body, sign=False, headers={"X-Slack-Signature": "v0=00"})
    assert status == 401
    await _no_session(slack)
    assert fake.calls() == []


async def test_signature_over_another_body_is_refused(slack: SlackHarness, fake: FakeSlack) -> None:
    """A captured signature cannot be reused for a different (edited) body."""
    original = slack.command_body("alice", "/problem help")
    headers = slack.signed_headers(json.dumps(original))
    status, _ = await slack.send_form(slack.command_body("mallory", "/problem start"), sign=False,
                                      headers=headers)
    assert status == 401
    await _no_session(slack)


async def test_oversized_bodies_are_refused_early(slack: SlackHarness) -> None:
    body = slack.message_body("alice", "x" * 300_000)
    status, _ = await slack.send_json(body)
    assert status == 413
    await _no_session(slack)


async def test_replayed_button_press_counts_once(slack: SlackHarness, fake: FakeSlack) -> None:
    vote = await _open_vote(slack, fake)
    press = slack.action_body("bob", vote, "Agree")
    form = urlencode({"payload": json.dumps(press)})
    for retry in ("", "1"):
        headers = {"X-Slack-Retry-Num": retry} if retry else {}
        status, _ = await slack.send(form, "application/x-www-form-urlencoded", headers=headers)
        assert status == 200
        await slack.settle()
    state = await slack.state()
    assert state.open_round is not None
    assert [v.user for v in state.open_round.votes] == [uid("bob")]
    assert len(fake.calls("chat.update")) == 1
    assert len(fake.calls("chat.postEphemeral", channel=CHANNEL)) == 1


async def test_forged_buttons_change_nothing(slack: SlackHarness, fake: FakeSlack) -> None:
    vote = await _open_vote(slack, fake)
    before = await slack.state()

    # A vote button for an older draft version.
    stale = slack.action_body("bob", vote, "Agree")
    stale["actions"][0]["value"] = "agree:0"
    await slack.send_form({"payload": json.dumps(stale)})
    # The same button replayed into another channel (which has no session).
    elsewhere = slack.action_body("bob", vote, "Agree", channel="C2")
    await slack.send_form({"payload": json.dumps(elsewhere)})
    # A button value that claims to be someone else: the user comes from the payload only.
    other = slack.action_body("bob", vote, "Agree")
    other["actions"][0]["value"] = f"agree:1:{uid('carol')}"
    await slack.send_form({"payload": json.dumps(other)})
    await slack.settle()

    after = await slack.state()
    assert after.open_round == before.open_round
    assert await slack.state("C2") is None or (await slack.state("C2")).phase is Phase.IDLE
    notes = [c.content for c in fake.calls("chat.postEphemeral")]
    assert any("version 0" in note or "no longer applies" in note for note in notes)


async def test_unknown_and_malformed_payloads_are_ignored(slack: SlackHarness, fake: FakeSlack) -> None:
    weird = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "UALICE"},
             "actions": [{"action_id": "somebody.else", "value": "x", "action_ts": "1"}],
             "trigger_id": "t", "channel": {"id": CHANNEL}}
    status, _ = await slack.send_form({"payload": json.dumps(weird)})
    assert status in (200, 404)
    status, _ = await slack.send_json({"type": "event_callback", "team_id": "T1", "event_id": "Ev1",
                                       "event": {"type": "message", "text": 5}})
    assert status == 200
    await slack.settle()
    await _no_session(slack)


async def _open_vote(slack: SlackHarness, fake: FakeSlack) -> Call:
    await slack.command("alice", "/problem start")
    await slack.say("alice", "The square is noisy at night")
    await slack.say("bob", "Neighbours cannot sleep")
    for _ in range(6):
        await slack.command("alice", "/problem next")
    await slack.command("alice", "/problem vote")
    return await fake.posted("Agreement round on version 1")
