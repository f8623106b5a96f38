"""Telegram webhook: lost updates, forged callbacks across chats, fuzzed bodies, quiet logs.

Threats: an update is lost because the database hiccuped while Telegram was told "ok";
a callback pressed in one group changes another group's session; a hostile or broken
body crashes the handler or the process; message text or secrets end up in the logs.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from bot.shell.pipe.handler import Handler
from tests.telegram.conftest import PEOPLE, SECRET, running
from tests.telegram.fake_telegram import TOKEN, FakeTelegram

OTHER_GROUP = -1009999
SENSITIVE = "Haar ex-partner stond weer voor de deur"


async def test_an_update_that_fails_to_process_is_answered_500_so_telegram_redelivers_it(
    telegram_api: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    original = Handler._commit
    down = {"left": 1}

    async def database_down_once(self: Handler, *args: Any) -> Any:
        if down["left"]:
            down["left"] -= 1
            raise OperationalError("INSERT ...", {}, ConnectionRefusedError("database is down"))
        return await original(self, *args)

    monkeypatch.setattr(Handler, "_commit", database_down_once)
    async with running(telegram_api, tmp_path) as bot:
        group = bot.group()
        update = group.update(message=group._message("anna", f"/probleem start {SENSITIVE}"))
        body = json.dumps(update)
        with caplog.at_level(logging.INFO):
            assert await bot.post_webhook(body) == 500
        assert not telegram_api.calls("sendMessage")
        assert SENSITIVE not in caplog.text
        # Telegram delivers the same update again: now it is processed, once.
        assert await bot.post_webhook(body) == 200
        assert await telegram_api.sent("Vraag 1 van 6")
        assert await bot.post_webhook(body) == 200  # a third copy is a duplicate
        await group.say("anna", "/probleem status")
        await telegram_api.sent("Fase:")
        assert sum("Sessie gestart. Gespreksleider:" in t for t in telegram_api.texts()) == 1


async def test_refusals_keep_their_status_codes(telegram_api: FakeTelegram, tmp_path: Path) -> None:
    async with running(telegram_api, tmp_path) as bot:
        assert await bot.post_webhook(json.dumps({"update_id": 1}), secret="wrong") == 403
        assert await bot.post_webhook("{truncated") == 400
        assert await bot.post_webhook("x" * (1024 * 1024 + 1)) == 413


async def test_a_callback_from_another_chat_changes_neither_chat(telegram_api: FakeTelegram, tmp_path: Path) -> None:
    async with running(telegram_api, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", "/problem start youth and debts")
        await group.say("bram", "I'll take care of the debt counselling myself.")
        parked = await telegram_api.sent("I have parked it")

        # The release button of group A's message, replayed in a press from group B's chat.
        data = next(b["callback_data"] for row in parked["reply_markup"]["inline_keyboard"] for b in row)
        moved = {**{k: v for k, v in parked.items() if not k.startswith("_")},
                 "chat": {"id": OTHER_GROUP, "type": "supergroup", "title": "Elsewhere"}}
        await bot.deliver(group.update(callback_query={
            "id": "cb-forged", "from": PEOPLE["dirk"], "chat_instance": "ci2", "message": moved, "data": data}))
        # An inline-mode callback (no message, so no chat) is refused too.
        await bot.deliver(group.update(callback_query={
            "id": "cb-inline", "from": PEOPLE["dirk"], "chat_instance": "ci3", "inline_message_id": "abc",
            "data": data}))
        await group.say("anna", "/problem parked")
        listing = await telegram_api.sent("#1 Bram")
        assert "(released)" not in listing["text"]
        assert not any("Released #1" in t for t in telegram_api.texts())
        # Group B hears at most that it has no session: nothing of group A.
        for said in telegram_api.texts(OTHER_GROUP):
            assert "Bram" not in said and "debt" not in said and "#1" not in said


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
UPDATE_KEYS = st.sampled_from(["message", "callback_query", "edited_message", "chat", "from", "text", "data",
                               "entities", "reply_to_message", "message_id", "date", "id", "chat_instance"])


async def test_an_update_whose_message_names_no_chat_is_refused_not_retried(
    telegram_api: FakeTelegram, tmp_path: Path
) -> None:
    """Found by the fuzzer below: it used to answer 500, so Telegram would redeliver it for hours."""
    message = {"message_id": 1, "date": 0, "text": "hi", "from": {"id": 5, "is_bot": False, "first_name": "a"}}
    async with running(telegram_api, tmp_path) as bot:
        assert await bot.post_webhook(json.dumps({"update_id": 777, "message": message}).encode()) == 400
        await bot.group().say("anna", "/problem help")  # still serving
        assert await telegram_api.sent("/problem")


async def test_fuzzed_webhook_bodies_never_crash_the_server_nor_store_anything(
    telegram_api: FakeTelegram, tmp_path: Path
) -> None:
    async with running(telegram_api, tmp_path) as bot:
        bodies: list[bytes] = []

        @settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
        @given(payload=st.dictionaries(UPDATE_KEYS, JSON_VALUES, max_size=4),
               message=st.fixed_dictionaries({}, optional={
                   "message_id": st.integers(), "date": st.integers(), "text": st.text(max_size=50),
                   "chat": st.fixed_dictionaries({"id": st.integers(), "type": st.sampled_from(
                       ["group", "supergroup", "private", "channel", "x"])}),
                   "from": st.fixed_dictionaries({"id": st.integers(), "is_bot": st.booleans(),
                                                  "first_name": st.text(max_size=5)}),
                   "entities": st.lists(st.fixed_dictionaries({"type": st.text(max_size=12), "offset":
                                                               st.integers(-5, 50), "length": st.integers(-5, 50)}),
                                        max_size=2)}),
               cut=st.integers(0, 400))
        def collect(payload: dict[str, Any], message: dict[str, Any], cut: int) -> None:
            update = {"update_id": 10_000 + len(bodies), **payload}
            if message:
                update["message"] = message
            raw = json.dumps(update).encode()
            bodies.append(raw)
            bodies.append(raw[:cut])  # and a truncated copy

        collect()
        for body in bodies:
            status = await bot.post_webhook(body)
            assert status in (200, 400), (status, body[:200])
        # Still serving: a valid update right after is handled.
        await bot.group().say("anna", "/problem help")
        assert await telegram_api.sent("/problem")
        assert not any("Question 1 of 6" in t for t in telegram_api.texts())


async def test_a_whole_telegram_journey_logs_no_text_no_token_no_secret(
    telegram_api: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(telegram_api, tmp_path) as bot:
        group = bot.group()
        await group.say("anna", f"/problem start {SENSITIVE}")
        await group.say("bram", f"{SENSITIVE} en niemand belde de politie")
        await group.say("carla", "I'll call the police about him myself.")
        await group.say("anna", "/problem status")
        await telegram_api.sent("Fase:")  # the Dutch topic made the session Dutch
        await bot.post_webhook(json.dumps({"update_id": 1}), secret="wrong")
    debug = caplog.text
    assert TOKEN not in debug and SECRET not in debug
    info = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records if r.levelno >= logging.INFO)
    for fragment in (SENSITIVE, "niemand belde", "call the police"):
        assert fragment not in info
