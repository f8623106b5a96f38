"""Telegram long polling across two real replicas: the poller is killed mid-batch, nothing is lost.

Only the replica holding the lease polls. It fetches a whole batch of updates at once and
handles them one by one; Telegram forgets an update only once a later ``getUpdates`` names
an offset past it, and the poller asks for that only after handling the update. So what the
killed poller had fetched but not handled stays with Telegram (here: the fake), and the
replica that takes the lease over gets it again; what it had handled already comes back too
and is recognised by its update id.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import Settings
from bot.core.model import Phase
from tests.ops.test_replicas_http import Replica, poll, processed_ids, start_replica, tear_down, wait_healthy
from tests.telegram.fake_telegram import TOKEN, FakeTelegram

CHAT = -100301
FACILITATOR = 7001
PEOPLE = [7100 + n for n in range(10)]
ANSWERS = 200  # one batch: the fake hands every waiting update out at once
KILL_AFTER = 40  # handled by the poller when it is killed
TAKEOVER = 45.0  # the standby tries the lease every 15 s


def polling_env(url: str, telegram: FakeTelegram) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "VOORDENKEN_"))}
    env.update({
        "VOORDENKEN_DATABASE_URL": url,
        "VOORDENKEN_HTTP_HOST": "127.0.0.1",
        "VOORDENKEN_LANGUAGE": "en",
        "VOORDENKEN_OUTBOUND_PACING": "false",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram.url,
    })
    return env


def update(update_id: int, user: int, text: str, telegram: FakeTelegram) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": telegram.next_message_id(), "date": int(time.time()),
        "chat": {"id": CHAT, "type": "supergroup", "title": "Team"},
        "from": {"id": user, "is_bot": False, "first_name": f"P{user}"}, "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


async def leader_of(session: aiohttp.ClientSession, replicas: list[Replica]) -> Replica:
    """The replica that polls: its /healthz lists no platform on standby."""
    found: list[Replica] = []

    async def one_leads() -> bool:
        found.clear()
        for replica in replicas:
            async with session.get(f"{replica.base}/healthz") as response:
                if response.status == 200 and not (await response.json())["standby"]:
                    found.append(replica)
        return len(found) == 1

    await poll(one_leads, "one replica to hold the polling lease")
    return found[0]


@pytest.mark.postgres
async def test_updates_a_killed_poller_had_fetched_are_handled_once_by_the_next_poller(
    pg_url: str, tmp_path: Path
) -> None:
    replicas: list[Replica] = []
    logs = [(tmp_path / f"{name}.log").open("wb") for name in ("r1", "r2")]
    app: App | None = None
    with FakeTelegram() as telegram:
        try:
            env = polling_env(pg_url, telegram)
            for name, log_file in zip(("r1", "r2"), logs, strict=True):
                replicas.append(await start_replica(name, env, tmp_path, log_file))
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
                await asyncio.gather(*(wait_healthy(session, replica) for replica in replicas))
                app = await bootstrap(Settings(_env_file=None, database_url=pg_url))  # the same database
                victim = await leader_of(session, replicas)
                survivor = next(replica for replica in replicas if replica is not victim)
                key = f"telegram:{CHAT}"
                telegram.queue_update(update(1, FACILITATOR, "/problem start rent arrears", telegram))

                async def session_open() -> bool:
                    state = await app.service.get_state(key) if app is not None else None
                    return state is not None and state.phase is Phase.ANALYSIS

                await poll(session_open, "the poller to start the session")
                texts = {n: f"answer {n}: the arrears start months before anyone sees them" for n in range(ANSWERS)}
                for n, text in texts.items():
                    telegram.queue_update(update(100 + n, PEOPLE[n % len(PEOPLE)], text, telegram))
                wanted = {f"telegram:{100 + n}" for n in texts}

                async def some_handled() -> bool:
                    return len(wanted & await processed_ids(app)) >= KILL_AFTER if app is not None else False

                await poll(some_handled, f"the poller to handle {KILL_AFTER} answers")
                victim.process.send_signal(signal.SIGKILL)
                assert await asyncio.wait_for(victim.process.wait(), 15) == -signal.SIGKILL
                handled_by_victim = len(wanted & await processed_ids(app))
                assert handled_by_victim < ANSWERS, "the poller finished the batch before the kill: nothing tested"

                async def all_handled() -> bool:
                    return wanted <= await processed_ids(app) if app is not None else False

                await poll(all_handled, "the next poller to handle what the killed one had fetched", TAKEOVER)
                assert survivor.process.returncode is None, survivor.tail()
                state = await app.service.get_state(key)
                assert state is not None
                stored = [answer.text for answer in state.answers]
                assert len(stored) == len(set(stored)) == ANSWERS, "an answer was lost or counted twice"
                assert set(stored) == set(texts.values())
                print(f"\npolling failover: the killed poller had handled {handled_by_victim} of {ANSWERS} "
                      f"fetched answers; the next poller handled the rest")
        finally:
            await tear_down(replicas, logs, app)
