"""VOORDENKEN_ROLE in real processes: one web, one worker killed mid-burst, a second worker.

``python -m bot.app.cli run`` three times on one PostgreSQL database and one fake Slack: a
``web`` process answers Slack's signed requests (stores each event in the inbox, then
200), a ``worker`` processes the inbox and posts. A burst of message events (answers, and
task talk the bot answers in the message's thread) goes to the web; the worker is
SIGKILLed while it holds claimed events, and a second worker is started while the rest of
the burst arrives. The web never failed a request, so Slack retries nothing: every event
it acknowledged must be processed exactly once (what the dead worker held, once its 10 s
claim lapses: the test takes about 15 s) and every reply delivered.

As in ``test_replicas_http``: a reply the dead worker had claimed for delivery keeps its
120 s claim lease; once the second worker has done everything else, the test moves those
claims' ``next_attempt_at`` to now (what the clock would do), and only those replies may
reach Slack twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import Settings
from bot.core.model import Phase
from bot.shell.storage.tables import OUTBOX_SENDING, OUTBOX_SENT, inbox, outbox
from tests.ops.test_replicas_http import (
    SLACK_SECRET,
    Job,
    Replica,
    SlackSide,
    poll,
    processed_ids,
    redeliver_orphans,
    settled_state,
    start_replica,
    tear_down,
    unsettled,
    wait_healthy,
)
from tests.slack.fake_slack import TEAM, FakeSlack

CHANNEL = "CBURST"
KEY = f"slack:{TEAM}:{CHANNEL}"
PEOPLE = [f"V{i}" for i in range(1, 21)]  # in the fake's member list; 4 messages each (flood guard: 20)
ANSWERS_EACH = 3
TASK_TALK = "I'll take care of the housing part, I know the landlords ({})."
SENT_BEFORE_KILL = 60  # of 80; the rest goes to the web after the kill
CONCURRENCY = 4
TIMEOUT = 45.0  # covers the dead worker's 10 s inbox claim


def role_env(url: str, slack: FakeSlack, role: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "VOORDENKEN_"))}
    env.update({
        "VOORDENKEN_ROLE": role,
        "VOORDENKEN_DATABASE_URL": url,
        "VOORDENKEN_HTTP_HOST": "127.0.0.1",
        "VOORDENKEN_LANGUAGE": "en",
        "VOORDENKEN_OUTBOUND_PACING": "false",  # a paced burst would take minutes
        "SLACK_BOT_TOKEN": "xoxb-roles-token",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": slack.api_url,
    })
    return env


async def post(session: aiohttp.ClientSession, web: Replica, job: Job) -> int:
    async with session.post(web.base + job.path, data=job.body, headers=job.headers) as response:
        await response.read()
        return response.status


async def inbox_count(app: App) -> int:
    async with app.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(inbox))).scalar_one())


async def progress(app: App) -> tuple[int, int]:
    """Events processed, and inbox rows a worker holds (claimed, not lapsed)."""
    now = datetime.now(UTC)
    async with app.engine.connect() as connection:
        # attempts 0: stored by the web (claimed_until = its "now", perhaps a moment after ours)
        held = select(func.count()).select_from(inbox).where(inbox.c.attempts > 0, inbox.c.claimed_until > now)
        return len(await processed_ids(app)), int((await connection.execute(held)).scalar_one())


async def being_sent(app: App) -> set[int]:
    async with app.engine.connect() as connection:
        return set((await connection.execute(select(outbox.c.id).where(outbox.c.status == OUTBOX_SENDING))).scalars())


@pytest.mark.postgres
async def test_a_worker_killed_mid_burst_loses_nothing_the_web_acknowledged(
    pg_url: str, slack_fake: FakeSlack, tmp_path: Path
) -> None:
    side = SlackSide(slack_fake)
    jobs: list[Job] = []
    answers: set[str] = set()
    talk_ts: dict[str, str] = {}  # event id -> the message's ts (the reply's thread)
    for person in PEOPLE:
        for n in range(ANSWERS_EACH):
            text = f"{person} note {n}: the waiting lists in the north grew again"
            jobs.append(side.message(person, text, CHANNEL))
            answers.add(text)
        jobs.append(side.message(person, TASK_TALK.format(person), CHANNEL))
        talk_ts[jobs[-1].event_id] = json.loads(jobs[-1].body)["event"]["ts"]
    random.Random(5).shuffle(jobs)

    processes: dict[str, Replica] = {}
    logs: list[IO[bytes]] = []
    app: App | None = None

    async def start(name: str, role: str) -> Replica:
        logs.append((tmp_path / f"{name}.log").open("wb"))
        processes[name] = await start_replica(name, role_env(pg_url, slack_fake, role), tmp_path, logs[-1])
        return processes[name]

    try:
        web = await start("web", "web")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            await wait_healthy(session, web)  # it has migrated the database
            first = await start("worker-1", "worker")
            await wait_healthy(session, first)
            app = await bootstrap(Settings(_env_file=None, database_url=pg_url))  # reads the same database
            assert await post(session, web, side.command("FAC", "/problem start burst", CHANNEL)) == 200
            await settled_state(app, KEY, lambda state: state.phase is Phase.ANALYSIS, "the session to start")
            before = len(await processed_ids(app))

            statuses: list[int] = []

            async def send(batch: list[Job]) -> None:
                gate = asyncio.Semaphore(CONCURRENCY)

                async def one(job: Job) -> None:
                    async with gate:
                        statuses.append(await post(session, web, job))

                await asyncio.gather(*(one(job) for job in batch))

            async def kill_while_working() -> tuple[int, int, set[int]]:
                """SIGKILL the first worker while it holds claimed events.

                It is frozen (SIGSTOP) when seen holding some, so that what it holds is read while it
                cannot move on; if it had just finished them, it runs on. Returns what it left: the
                events it had processed, the events still claimed by it, the replies it was sending."""
                deadline = time.monotonic() + TIMEOUT
                while True:
                    done, held = await progress(app)
                    if held and done > before:
                        first.process.send_signal(signal.SIGSTOP)
                        if (await progress(app))[1]:
                            break
                        first.process.send_signal(signal.SIGCONT)
                    assert done - before < SENT_BEFORE_KILL, "the first worker was never seen with events in hand"
                    assert time.monotonic() < deadline, "the first worker did not take up the burst"
                first.process.send_signal(signal.SIGKILL)
                assert await asyncio.wait_for(first.process.wait(), 15) == -signal.SIGKILL
                done, held = await progress(app)
                return done - before, held, await being_sent(app)

            killing = asyncio.create_task(kill_while_working())
            await send(jobs[:SENT_BEFORE_KILL])
            done_at_kill, in_hand, claimed = await killing
            second = await start("worker-2", "worker")  # the web keeps storing meanwhile
            await asyncio.gather(send(jobs[SENT_BEFORE_KILL:]), wait_healthy(session, second))

            # ---- the web answered every request: Slack has nothing to retry
            assert statuses == [200] * len(jobs)
            assert 0 < done_at_kill < SENT_BEFORE_KILL and in_hand > 0

            expected = {job.event_id for job in jobs}

            async def all_processed() -> bool:
                return await inbox_count(app) == 0 and expected <= await processed_ids(app)

            await poll(all_processed, "the second worker to process what the web acknowledged", TIMEOUT)

            async def only_orphans_left() -> bool:
                """Delivery keeps a channel's order: what waits behind an orphaned claim waits with it."""
                rows = await unsettled(app)
                return not rows or (rows[0].status == OUTBOX_SENDING and rows[0].id in claimed)

            await poll(only_orphans_left, "the second worker to deliver all but the dead worker's claims")
            orphaned = await redeliver_orphans(app, claimed, "the second worker")
            assert web.process.returncode is None and second.process.returncode is None

            # ---- exactly once in the stored state
            applied = Counter(entry.event_id for entry in await app.service.repository.event_log(KEY))
            assert [event_id for event_id in sorted(expected) if applied[event_id] != 1] == []
            state = await app.service.get_state(KEY)
            assert state is not None and state.phase is Phase.ANALYSIS
            stored = [answer.text for answer in state.answers]
            assert len(stored) == len(set(stored)) and set(stored) == answers
            parked = [item.text for item in state.parked]
            assert sorted(parked) == sorted(TASK_TALK.format(person) for person in PEOPLE)

            # ---- every reply reached Slack, in its message's thread; only an orphaned claim twice
            rows = await app.service.repository.outbox(KEY)
            assert rows and all(row.status == OUTBOX_SENT for row in rows)
            replies = Counter(call.params.get("thread_ts") for call in slack_fake.messages("dividing the work")
                              if call.channel == CHANNEL)
            assert set(replies) == set(talk_ts.values())
            assert sum(replies.values()) - len(talk_ts) <= len(orphaned)
            print(f"\nweb + workers: {len(jobs)} events; the first worker was killed after {done_at_kill} "
                  f"with {in_hand} events claimed and {len(claimed)} replies being sent; "
                  f"{len(orphaned)} orphaned reply claims redelivered")
    finally:
        await tear_down(processes.values(), logs, app)

