"""At DEBUG, the SDKs' own loggers do not write what people said (VOORDENKEN_LOG_SDK_DEBUG opts in)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app.settings import Settings
from bot.shell import logs
from tests.telegram.conftest import running
from tests.telegram.fake_telegram import TOKEN, FakeTelegram

TOPIC = "mevrouw Jansen Kerkstraat 12 huurachterstand"


@pytest.fixture
def sdk_levels() -> Iterator[None]:
    """This test changes SDK logger levels and the opt-in: later tests get them back as they were."""
    with logs.restored():
        yield


async def test_at_debug_the_sdk_loggers_do_not_write_message_text(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture, sdk_levels: None
) -> None:
    caplog.set_level(logging.DEBUG)  # VOORDENKEN_LOG_LEVEL=DEBUG
    async with running(fake, tmp_path) as bot:
        await bot.group().say("anna", f"/probleem start {TOPIC}")
        await fake.sent(f"Onderwerp: {TOPIC}")
    assert "Kerkstraat" not in caplog.text


def test_the_sdk_debug_lines_are_an_opt_in_and_still_redacted(sdk_levels: None) -> None:
    assert Settings(_env_file=None).log_sdk_debug is False
    assert Settings(_env_file=None, VOORDENKEN_LOG_SDK_DEBUG="true").log_sdk_debug is True  # type: ignore[call-arg]
    stream = io.StringIO()
    logs.configure_logging("DEBUG", "text", stream, sdk_debug=False)
    logging.getLogger("telegram._bot").debug("Calling Bot API endpoint `sendMessage` with %s", TOPIC)
    logging.getLogger("slack_sdk.web.async_base_client").debug("Sending a request %s", TOPIC)
    logging.getLogger("slack_bolt.App").debug("Payload %s", TOPIC)
    assert "Kerkstraat" not in stream.getvalue()
    logs.configure_logging("DEBUG", "text", stream, sdk_debug=True)
    logs.register_secret(TOKEN, "<telegram-token>", ("telegram",))  # what the adapter does at start
    logging.getLogger("telegram._bot").debug("Calling Bot API endpoint with %s via bot%s", TOPIC, TOKEN)
    assert "Kerkstraat" in stream.getvalue()
    assert TOKEN not in stream.getvalue()
