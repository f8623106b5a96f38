"""What reaches the bot over a real network: bodies in pieces, stalled bodies, junk headers,
odd text, a flaky Slack API and the same message delivered twice (issue 17)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.slack.conftest import SlackHarness, make_settings, open_vote, uid
from tests.slack.fake_slack import FakeSlack

# Long enough to be sure a server that answers before the whole body is in has answered.
NO_ANSWER_YET_SECONDS = 0.2
ANSWER_SECONDS = 10.0


async def _raw_post(slack: SlackHarness, pieces: list[bytes], headers: dict[str, str],
                    *, chunked: bool = False) -> int:
    """POST to the events URL over a plain socket, the body in ``pieces`` sent one by one.

    Between pieces the bot must not have answered yet: it waits for the rest of the body.
    Returns the status the bot answers once the last piece is sent.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", slack.port)
    try:
        body_length = sum(len(p) for p in pieces)
        head = ["POST /slack/events HTTP/1.1", f"Host: 127.0.0.1:{slack.port}", "Connection: close"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_length}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        for index, piece in enumerate(pieces):
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if index == len(pieces) - 1:
                if chunked:
                    writer.write(b"0\r\n\r\n")
                await writer.drain()
                break
            await writer.drain()
            with pytest.raises(TimeoutError):  # the bot waits for the rest of the body
                early = await asyncio.wait_for(reader.readline(), NO_ANSWER_YET_SECONDS)
                pytest.fail(f"the bot answered before the whole body was sent: {early!r}")
        status_line = await asyncio.wait_for(reader.readline(), ANSWER_SECONDS)
        return int(status_line.split()[1])
    finally:
        writer.close()


# ----------------------------------------------------------------------------- bodies in pieces


async def test_a_signed_command_sent_in_two_pieces_is_answered(slack: SlackHarness, fake: FakeSlack) -> None:
    """alice's /problem start reaches the bot in two network reads (a proxy, a pod network)."""
    form = urlencode(slack.command_body("alice", "/problem start"))
    headers = {"Content-Type": "application/x-www-form-urlencoded", **slack.signed_headers(form)}
    data = form.encode()
    status = await _raw_post(slack, [data[:40], data[40:]], headers)
    assert status == 200
    await slack.settle()
    await fake.posted("Question 1 of 6")


async def test_a_large_button_payload_split_after_1400_bytes_counts(slack: SlackHarness, fake: FakeSlack) -> None:
    """A 60 KB vote press (a big message's blocks come along) arrives in pieces, also chunked."""
    vote = await open_vote(slack)
    for person, chunked in (("bob", False), ("carol", True)):
        press = slack.action_body(person, vote, "Agree")
        press["message"] = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}] * 20}
        form = urlencode({"payload": json.dumps(press)})
        assert len(form) > 60_000
        headers = {"Content-Type": "application/x-www-form-urlencoded", **slack.signed_headers(form)}
        data = form.encode()
        assert await _raw_post(slack, [data[:1400], data[1400:]], headers, chunked=chunked) == 200
        await slack.settle()
    state = await slack.state()
    assert state.open_round is not None
    assert sorted(v.user for v in state.open_round.votes) == [uid("bob"), uid("carol")]


# ----------------------------------------------------------------------------- stalled bodies


@pytest.fixture
async def impatient(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackHarness]:
    """A bot that waits only a moment for a request body (VOORDENKEN_HTTP_BODY_TIMEOUT)."""
    harness = SlackHarness(fake, make_settings(fake, tmp_path, http_body_timeout=0.3))
    await harness.start()
    yield harness
    await harness.stop()


async def test_a_body_that_never_finishes_is_answered_408_and_let_go(
    impatient: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reader, writer = await asyncio.open_connection("127.0.0.1", impatient.port)
    try:
        writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 5000\r\n\r\n{\"type\": ")
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), ANSWER_SECONDS)
        assert int(status_line.split()[1]) == 408
        await asyncio.wait_for(reader.read(), ANSWER_SECONDS)  # the bot closes the connection
    finally:
        writer.close()
    # Requests that do finish are still served.
    status, _ = await impatient.send_form(impatient.command_body("alice", "/problem start"))
    assert status == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# ----------------------------------------------------------------------------- junk headers and bodies


@pytest.mark.parametrize(
    ("timestamp", "signature", "body"),
    [
        ("abc", "v0=00", b"{}"),
        ("1e3", "v0=00", b"{}"),
        ("9" * 400, "v0=00", b"{}"),
        (None, "v0=\u00e9\u00e9", b"{}"),
        (None, None, b"\xff\xfe{not utf-8"),
    ],
    ids=["letters", "exponent", "400-digits", "non-ascii-signature", "non-utf8-body"],
)
async def test_unauthenticated_junk_is_refused_with_one_quiet_line(
    slack: SlackHarness, fake: FakeSlack, caplog: pytest.LogCaptureFixture,
    timestamp: str | None, signature: str | None, body: bytes,
) -> None:
    caplog.set_level(logging.INFO)
    headers = {"Content-Type": "application/json"}
    signed = slack.signed_headers("{}")
    headers["X-Slack-Request-Timestamp"] = timestamp if timestamp is not None else signed["X-Slack-Request-Timestamp"]
    headers["X-Slack-Signature"] = signature if signature is not None else signed["X-Slack-Signature"]
    reader, writer = await asyncio.open_connection("127.0.0.1", slack.port)
    try:
        head = [b"POST /slack/events HTTP/1.1", b"Host: x", b"Connection: close",
                *(f"{k}: ".encode() + v.encode("utf-8") for k, v in headers.items()),
                b"Content-Length: %d" % len(body)]
        writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), ANSWER_SECONDS)
    finally:
        writer.close()
    assert int(status_line.split()[1]) == 401
    assert fake.calls() == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert len([r for r in caplog.records if "rejected a request" in r.getMessage()]) == 1


# ----------------------------------------------------------------------------- odd text


async def test_a_message_with_a_lone_surrogate_is_kept_with_a_replacement_character(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    """bob's client sends broken text (a lone UTF-16 half, as JSON ``\\udce9``); carol's message after it counts too."""
    await slack.command("alice", "/problem start")
    await slack.say("bob", "Caf\udce9 closes too late")
    await slack.say("carol", "Nobody answers the phone")
    state = await slack.state()
    assert [a.text for a in state.answers] == ["Caf\ufffd closes too late", "Nobody answers the phone"]


# ----------------------------------------------------------------------------- a flaky Slack API


async def test_a_command_survives_slack_lookups_failing_on_the_network(
    slack: SlackHarness, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """users.info and conversations.info connections are cut: alice's /problem start still starts."""
    fake.drop_connections("users.info")
    fake.drop_connections("conversations.info")
    status, _ = await slack.command("alice", "/problem start")
    assert status == 200
    await fake.posted("Question 1 of 6")
    assert fake.calls("users.info") and fake.calls("conversations.info")
    assert "malformed payload" not in caplog.text


# ----------------------------------------------------------------------------- the same message twice


async def test_the_same_message_under_a_new_event_id_is_parked_once(slack: SlackHarness, fake: FakeSlack) -> None:
    """Slack delivers carol's off-topic message again with another event_id: one parked item, one reply."""
    await slack.command("alice", "/problem start")
    body = slack.message_body("carol", "I'll take care of the housing part myself.")
    assert (await slack.send_json(body))[0] == 200
    await slack.settle()
    again = dict(body, event_id=slack.next_id("EvAgain"))
    assert (await slack.send_json(again))[0] == 200
    await slack.settle()
    state = await slack.state()
    assert len(state.parked) == 1
    assert len(fake.messages("that sounds like dividing the work")) == 1

