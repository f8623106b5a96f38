"""Webhook mode: registration, the secret token, duplicates, edits and oversized payloads."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.telegram.conftest import SECRET, WEBHOOK_URL, running
from tests.telegram.fake_telegram import TOKEN, FakeTelegram


async def test_start_registers_webhook_and_commands_in_english_and_dutch(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        (webhook,) = fake.calls("setWebhook")
        assert webhook.params["url"] == WEBHOOK_URL
        assert webhook.params["secret_token"] == SECRET
        assert set(webhook.params["allowed_updates"]) == {"message", "callback_query"}
        assert not fake.calls("getUpdates")  # webhook mode does not poll
        commands = {c.params.get("language_code"): c.params["commands"] for c in fake.calls("setMyCommands")}
        assert set(commands) == {None, "nl"}
        assert [c["command"] for c in commands[None]] == ["problem", "probleem"]
        assert "Eerst samen" in commands["nl"][0]["description"]
        status, health = await bot.health()
        assert status == 200 and health["checks"]["telegram"] is True


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    fake: FakeTelegram, tmp_path: Path, secret: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        forged = group.update(message=group._message("anna", "/probleem start ingebroken"))
        body = json.dumps(forged)
        with caplog.at_level(logging.DEBUG):
            assert await bot.post_webhook(body, secret=secret) == 403
        assert not fake.calls("sendMessage")
        # Nothing about the request is logged beyond the fact.
        assert "ingebroken" not in caplog.text
        assert "refused a request without the right secret token" in caplog.text
        # The same update with the right secret is handled: the refusal did not record it.
        assert await bot.post_webhook(body) == 200
        assert await fake.sent("Onderwerp: ingebroken")


async def test_duplicate_updates_change_nothing(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        start = await group.say("anna", "/probleem start jongeren en schulden")
        await fake.sent("Vraag 1 van 6")
        sent_before = len(fake.calls("sendMessage"))
        await bot.deliver(start)  # Telegram retries a webhook delivery
        await group.say("bram", "Ik pak de schuldhulpverlening op.")
        parked = await fake.sent("Ik heb het geparkeerd")
        assert len(fake.calls("sendMessage")) == sent_before + 1
        # A replayed button press (same update) releases once and says so once.
        press = await group.press("bram", parked, "Geen taakpraat")
        assert await fake.sent("#1 is vrijgegeven")
        await bot.deliver(press)
        await group.say("anna", "/probleem status")
        await fake.sent("Fase:")
        assert sum("#1 is vrijgegeven" in t for t in fake.texts()) == 1
        assert sum("Sessie gestart. Gespreksleider: Anna" in t for t in fake.texts()) == 1


async def test_edited_messages_do_not_rerun_commands(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/probleem start jongeren")
        await fake.sent("Vraag 1 van 6")
        sent = len(fake.calls("sendMessage"))
        edited = group._message("anna", "/probleem volgende")
        await bot.deliver(group.update(edited_message={**edited, "edit_date": 1764320100}))
        task_talk = group._message("bram", "Ik pak de schuldhulpverlening op.")
        await bot.deliver(group.update(edited_message={**task_talk, "edit_date": 1764320100}))
        await group.say("anna", "/probleem status")
        status = await fake.sent("Vraag 1 van 6:", count=1)  # status still on question 1
        assert status
        assert len(fake.calls("sendMessage")) == sent + 1  # only the status note


async def test_command_addressed_to_this_bot_by_name(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/problem@SomeOtherBot start not for us")
        await group.say("anna", "/problem@VoordenkenBot start young people and debts")
        assert await fake.sent("Topic: young people and debts")
        assert not any("not for us" in t for t in fake.texts())


async def test_oversized_and_malformed_payloads_are_refused_early(fake: FakeTelegram, tmp_path: Path) -> None:
    async with running(fake, tmp_path) as bot:
        huge = json.dumps({"update_id": 1, "message": {"text": "x" * (1024 * 1024 + 10)}})
        assert await bot.post_webhook(huge) == 413
        assert await bot.post_webhook("{not json") == 400
        assert await bot.post_webhook(json.dumps([1, 2])) == 400
        assert await bot.post_webhook(json.dumps({"update_id": "x"})) == 400
        assert not fake.calls("sendMessage")


async def test_the_token_is_never_logged(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(fake, tmp_path) as bot:
        await bot.group().say("anna", "/probleem start jongeren")
        await fake.sent("Vraag 1 van 6")
        logging.getLogger("httpx").warning("HTTP Request: POST %s/bot%s/sendMessage", fake.url, TOKEN)
    assert TOKEN not in caplog.text
    assert "<telegram-token>" in caplog.text


async def test_the_webhook_secret_is_never_logged_not_even_in_a_traceback(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(fake, tmp_path):
        try:
            raise RuntimeError(f"setWebhook failed: secret_token={SECRET}")
        except RuntimeError:
            logging.getLogger("telegram.ext.Application").exception("webhook set-up failed")
    assert SECRET not in caplog.text
    assert "secret_token=<telegram-webhook-secret>" in caplog.text


def test_webhook_mode_without_a_secret_refuses_to_start(fake: FakeTelegram, tmp_path: Path) -> None:
    from typing import cast

    from bot.app.bootstrap import App
    from bot.app.platforms import build_telegram
    from tests.telegram.conftest import settings_for

    settings = settings_for(fake, tmp_path, webhook=True, telegram_webhook_secret=None)
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        build_telegram(settings, cast(App, None))


async def test_deeply_nested_json_is_refused_with_400_and_no_traceback(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    depth = 200_000  # deeper than any parser's recursion limit
    nested = '{"update_id": 1, "message": ' + "[" * depth + "]" * depth + "}"
    async with running(fake, tmp_path) as bot:
        assert await bot.post_webhook(nested) == 400
        group = bot.group()
        await group.say("anna", "/probleem start jongeren")  # the webhook still works
        assert await fake.sent("Vraag 1 van 6")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text
