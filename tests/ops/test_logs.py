"""Structured logs: identifiers as fields, never message text at INFO, never a token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.bootstrap import bootstrap
from bot.app.settings import Settings
from bot.core.model import CommandIssued, Sender, TextMessage
from bot.shell import logs
from bot.shell.logs import configure_logging, redact, register_secret
from tests.ops.harness import RecordingTransport, settings_for

SLACK_BOT = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_APP = "xapp-1-A0123456-1234567890-abcdef0123456789"
TELEGRAM = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET_TEXT = "Mrs Jansen at Kerkstraat 12 cannot pay the rent"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Root handlers and level, HTTP client and SDK logger levels, the SDK opt-in: as before."""
    with logs.restored():
        yield


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_json_logs_carry_channel_and_event_ids_but_no_message_text(
    tmp_path: Path, restore_logging: None
) -> None:
    settings = settings_for(tmp_path).model_copy(update={"log_format": "json", "log_level": "INFO"})
    stream = io.StringIO()
    configure_logging(settings.log_level, settings.log_format, stream)
    app = await bootstrap(settings, transports=[RecordingTransport()])
    try:
        alice = Sender("alice", "Alice")
        await app.service.handle(
            CommandIssued(event_id="ev-1", channel="console:room", sender=alice, text="start", message_id="ev-1")
        )
        await app.service.handle(
            TextMessage(event_id="ev-2", channel="console:room", sender=alice, text=SECRET_TEXT, message_id="ev-2")
        )
    finally:
        await app.close()
    records = lines(stream)
    handled = [r for r in records if r["message"] == "event handled"]
    assert [(r["channel"], r["event_id"], r["level"]) for r in handled] == [
        ("console:room", "ev-1", "INFO"),
        ("console:room", "ev-2", "INFO"),
    ]
    assert {"time", "level", "logger", "message"} <= set(handled[0])
    assert "Kerkstraat" not in stream.getvalue()
    assert "cannot pay" not in stream.getvalue()


def test_tokens_are_redacted_from_every_logger_and_every_part_of_a_record(restore_logging: None) -> None:
    stream = io.StringIO()
    settings = settings_for_json()
    configure_logging(settings.log_level, settings.log_format, stream)
    # What httpx would log for a Bot API call; raised to WARNING here so it gets through.
    logging.getLogger("httpx").warning(
        "HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", TELEGRAM
    )
    logging.getLogger("slack_bolt").warning("token %s and app token %s", SLACK_BOT, SLACK_APP)
    try:
        raise RuntimeError(f"boom with {SLACK_BOT}")
    except RuntimeError:
        logging.getLogger("x").exception("failed", extra={"url": f"https://api.telegram.org/bot{TELEGRAM}/x"})
    output = stream.getvalue()
    for token in (SLACK_BOT, SLACK_APP, TELEGRAM, TELEGRAM.split(":")[1]):
        assert token not in output
    assert output.count("[redacted]") >= 5
    records = lines(stream)
    assert records[0]["message"] == "HTTP Request: POST https://api.telegram.org/bot[redacted]/getUpdates"
    assert "[redacted]" in str(records[2]["exception"])


def test_http_client_request_lines_are_not_logged_at_info(restore_logging: None) -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TELEGRAM)
    assert stream.getvalue() == ""


def test_text_format_appends_identifiers(restore_logging: None) -> None:
    stream = io.StringIO()
    settings = settings_for_json().model_copy(update={"log_format": "text"})
    configure_logging(settings.log_level, settings.log_format, stream)
    logging.getLogger("bot.shell.pipe").info("event handled", extra={"channel": "slack:T1:C1", "event_id": "Ev1"})
    assert stream.getvalue().rstrip().endswith("bot.shell.pipe: event handled [channel=slack:T1:C1 event_id=Ev1]")


def test_a_registered_secret_is_masked_on_every_handler_and_in_tracebacks(
    restore_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webhook secret has no token shape: the redactor masks it because the adapter registered it."""
    monkeypatch.setattr(logs, "_secrets", ())
    secret, longer = "s3cret-Token_for-tests", "s3cret-Token_for-tests-and-more"
    before = io.StringIO()  # a handler that is not ours (a tool's, a test's), present at registration
    logging.getLogger().addHandler(logging.StreamHandler(before))
    register_secret(secret, "<webhook-secret>")
    register_secret(longer, "<longer>")
    ours = io.StringIO()
    configure_logging("INFO", "json", ours)  # made after registration: carries the redactor too
    try:
        raise RuntimeError(f"setWebhook failed: secret_token={secret}")
    except RuntimeError:
        logging.getLogger("telegram.ext.Application").exception("set-up failed", extra={"url": f"x?{longer}"})
    for output in (before.getvalue(), ours.getvalue()):
        assert secret not in output
        assert "secret_token=<webhook-secret>" in output
    (record,) = lines(ours)
    assert record["url"] == "x?<longer>"  # the longer secret is masked whole
    assert "secret_token=<webhook-secret>" in str(record["exception"])


def test_redact_leaves_ordinary_text_alone() -> None:
    assert redact("at 12:30 the meeting starts; see ticket 4521") == "at 12:30 the meeting starts; see ticket 4521"
    assert redact(f"Bearer {SLACK_BOT}") == "Bearer [redacted]"


def settings_for_json() -> Settings:
    return Settings(_env_file=None, log_format="json", log_level="INFO")
