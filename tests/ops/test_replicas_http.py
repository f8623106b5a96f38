"""The real scale-out test: two ``voordenken run`` processes on one PostgreSQL, one killed.

Two OS processes run exactly what production runs (``python -m bot.app.cli run``: Slack in HTTP
mode, Telegram in webhook mode, the shared aiohttp server) against one fake Slack and one
fake Telegram. The test plays the load balancer and the platforms: per platform one
channel collects answers and one holds an open consent round; a burst of signed Slack
requests and Telegram updates goes to alternating replicas, some deliveries to both (a
platform retry landing elsewhere, same Slack ``event_id`` / Telegram ``update_id``), and
one replica is SIGKILLed mid-burst. Afterwards every event is counted exactly once and
every message the bot committed reached the fakes.

How the platforms' retries are modelled, honestly:

* A request whose answer never came (connection reset by the kill) or was a 5xx is sent
  again to the survivor, as Slack and Telegram do. Slack retries carry
  ``X-Slack-Retry-Num``. (Slack retries Events API deliveries by itself; for a slash command
  or a button the user sees an error and does it again; re-sending the same signed payload
  models that, and the bot de-duplicates it by trigger id either way.)
* Telegram webhook updates are processed before the 200 (a 500 asks Telegram to retry), so
  a 2xx means committed.
* Slack message events, slash commands and plain button presses are answered once stored
  in the inbox; what the killed replica answered but had not processed, the survivor takes
  up once its claim lapses. The test asserts that none of them is lost: Slack does not
  retry what it saw answered.
* A message the killed replica had claimed for delivery stays claimed for the 120 s claim
  lease before another replica retries it. Waiting two minutes would break the time
  budget, so once the survivor has done everything else, the test moves those claims'
  ``next_attempt_at`` to now (what the clock would do) and lets the survivor's own outbox
  loop redeliver them. Only those messages may then reach the fakes twice.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import socket
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select, update

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import Settings
from bot.core.model import ChannelState, Choice, Notify, Phase, Post, Reply
from bot.shell.storage import queues
from bot.shell.storage.statements import UNSETTLED
from bot.shell.storage.tables import OUTBOX_SENDING, OUTBOX_SENT, inbox, outbox, processed_events
from tests.slack.fake_slack import TEAM, FakeSlack
from tests.storage.pg import deadlocks
from tests.telegram.fake_telegram import TOKEN, FakeTelegram
from tests.waiting import until

ROOT = Path(__file__).resolve().parents[2]
SLACK_SECRET = "replicas-signing-secret"
TELEGRAM_SECRET = "replicas-webhook-secret"
FACILITATOR = "FAC"
ANSWERERS = [f"A{i}" for i in range(1, 6)]  # five people, six answers each
ANSWERS_EACH = 6
VOTERS = [f"V{i}" for i in range(1, 11)]  # ten people vote once by button; four again by command
VOTE_TWICE = VOTERS[::3]
DUPLICATE_SHARE = 0.25  # deliveries sent to both replicas
CONCURRENCY = 8
KILL_AT = 0.4  # share of the burst completed when the victim is killed
TIMEOUT = 30.0


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def telegram_fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


# --------------------------------------------------------------------------- deliveries


@dataclass
class Job:
    """One platform delivery: a signed request body and the event id the service keys it on."""

    platform: str
    event_id: str
    path: str
    body: bytes
    headers: dict[str, str]
    duplicate: bool = False
    acked_by: set[str] = field(default_factory=set)  # replicas that answered 2xx
    unanswered: int = 0  # attempts without a 2xx (connection died, or a 5xx)
    retries: int = 0


class Side(Protocol):
    """A platform as the burst drives it (``channel`` is a Slack channel id or a Telegram chat id)."""

    def key(self, channel: Any) -> str: ...

    def uid(self, person: str) -> str: ...

    def command(self, person: str, line: str, channel: Any) -> Job: ...

    def message(self, person: str, text: str, channel: Any) -> Job: ...

    def press(self, person: str, channel: Any, message_id: str, value: str) -> Job: ...


class SlackSide:
    """Builds what Slack would POST to ``/slack/events``, signed with the signing secret."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self._ids = itertools.count(1)
        self._verifier = SignatureVerifier(SLACK_SECRET)

    def key(self, channel: str) -> str:
        return f"slack:{TEAM}:{channel}"

    def uid(self, person: str) -> str:
        return f"U{person}"

    def _job(self, event_id: str, body: str, content_type: str) -> Job:
        ts = str(int(time.time()))
        signature = self._verifier.generate_signature(timestamp=ts, body=body) or ""
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}
        return Job("slack", event_id, "/slack/events", body.encode(), headers)

    def command(self, person: str, line: str, channel: str) -> Job:
        word, _, text = line.partition(" ")
        trigger = f"trigger.{next(self._ids)}"
        fields = {
            "token": "legacy", "team_id": TEAM, "team_domain": "fake", "channel_id": channel,
            "channel_name": "general", "user_id": self.uid(person), "user_name": person, "command": word,
            "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
            "response_url": f"{self.fake.url}respond/{next(self._ids)}", "trigger_id": trigger,
        }
        return self._job(f"slack:cmd:{trigger}", urlencode(fields), "application/x-www-form-urlencoded")

    def message(self, person: str, text: str, channel: str) -> Job:
        n = next(self._ids)
        ts = f"1800000000.{n:06d}"
        event_id = f"Ev{n:08d}"
        body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                "event": {"type": "message", "channel": channel, "channel_type": "channel",
                          "user": self.uid(person), "text": text, "ts": ts, "event_ts": ts},
                "event_id": event_id, "event_time": int(time.time())}
        return self._job(f"slack:msg:{TEAM}:{channel}:{ts}", json.dumps(body), "application/json")

    def press(self, person: str, channel: str, message_ts: str, value: str) -> Job:
        trigger, action_ts = f"trigger.{next(self._ids)}", f"1800000001.{next(self._ids):06d}"
        user = self.uid(person)
        body = {
            "type": "block_actions", "team": {"id": TEAM, "domain": "fake"},
            "user": {"id": user, "username": person, "team_id": TEAM}, "api_app_id": "A1",
            "token": "legacy", "trigger_id": trigger,
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
            "channel": {"id": channel, "name": "general"},
            "response_url": f"{self.fake.url}respond/{next(self._ids)}",
            "actions": [{"type": "button", "action_id": "voordenken.vote.0", "block_id": "b",
                         "text": {"type": "plain_text", "text": value}, "value": value,
                         "action_ts": action_ts}],
        }
        return self._job(f"slack:act:{trigger}:{action_ts}", urlencode({"payload": json.dumps(body)}),
                         "application/x-www-form-urlencoded")


class TelegramSide:
    """Builds the updates Telegram would POST to ``/telegram/webhook``."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self._updates = itertools.count(70_000)
        self._users = {name: 5000 + index for index, name in enumerate([FACILITATOR, *ANSWERERS, *VOTERS])}

    def key(self, chat: int) -> str:
        return f"telegram:{chat}"

    def uid(self, person: str) -> str:
        return str(self._users[person])

    def _user(self, person: str) -> dict[str, Any]:
        return {"id": self._users[person], "is_bot": False, "first_name": person}

    def _job(self, payload: dict[str, Any]) -> Job:
        update_id = next(self._updates)
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        return Job("telegram", f"telegram:{update_id}", "/telegram/webhook",
                   json.dumps({"update_id": update_id, **payload}).encode(), headers)

    def message(self, person: str, text: str, chat: int) -> Job:
        message: dict[str, Any] = {
            "message_id": self.fake.next_message_id(), "date": int(time.time()),
            "chat": {"id": chat, "type": "supergroup", "title": "Team"}, "from": self._user(person), "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._job({"message": message})

    def command(self, person: str, line: str, chat: int) -> Job:
        return self.message(person, line, chat)

    def press(self, person: str, chat: int, message_id: str, value: str) -> Job:
        shown = {k: v for k, v in self.fake.message(chat, int(message_id)).items() if not k.startswith("_")}
        choice, _, version = value.partition(":")
        return self._job({"callback_query": {"id": f"cb{next(self._updates)}", "from": self._user(person),
                                             "chat_instance": "ci", "message": shown,
                                             "data": f"v:{choice}:{version}"}})


# --------------------------------------------------------------------------- replicas


@dataclass
class Replica:
    name: str
    port: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_replica(name: str, env: dict[str, str], directory: Path, log_file: IO[bytes]) -> Replica:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.app.cli", "run", cwd=ROOT, env={**env, "VOORDENKEN_HTTP_PORT": str(port)},
        stdin=asyncio.subprocess.DEVNULL, stdout=log_file, stderr=asyncio.subprocess.STDOUT,
    )
    return Replica(name, port, process, directory / f"{name}.log")


def replica_env(url: str, slack: FakeSlack, telegram: FakeTelegram) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "VOORDENKEN_"))}
    env.update({
        "VOORDENKEN_DATABASE_URL": url,
        "VOORDENKEN_HTTP_HOST": "127.0.0.1",
        "VOORDENKEN_LANGUAGE": "en",
        "VOORDENKEN_OUTBOUND_PACING": "false",  # a paced burst would take minutes
        "SLACK_BOT_TOKEN": "xoxb-replicas-token",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_URL": slack.api_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram.url,
        "TELEGRAM_WEBHOOK_URL": "https://voordenken.example.org/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
    })
    return env


async def poll(check: Callable[[], Awaitable[bool]], what: str, timeout: float = TIMEOUT) -> None:
    """:func:`tests.waiting.until` with this module's (long) default timeout."""
    await until(check, what, timeout)


async def tear_down(replicas: Iterable[Replica], logs: Iterable[IO[bytes]], app: App | None) -> None:
    """Kill what still runs, close the log files and the test's own app."""
    for replica in replicas:
        if replica.process.returncode is None:
            replica.process.kill()
            await replica.process.wait()
    for log_file in logs:
        log_file.close()
    if app is not None:
        await app.close()


async def redeliver_orphans(app: App, claimed: set[int], who: str) -> set[int]:
    """Let the dead process's delivery claims lapse now (not in 120 s); wait until ``who`` delivered
    them. Returns the outbox ids that were still claimed (their message may go out twice)."""
    async with app.engine.begin() as connection:
        expired = await connection.execute(
            update(outbox).where(outbox.c.id.in_(claimed), outbox.c.status == OUTBOX_SENDING)
            .values(next_attempt_at=datetime.now(UTC)).returning(outbox.c.id))
        orphaned = set(expired.scalars())

    async def outbox_empty() -> bool:
        return not await unsettled(app)

    await poll(outbox_empty, f"{who} to redeliver the dead process's claims")
    return orphaned


async def wait_healthy(session: aiohttp.ClientSession, replica: Replica) -> None:
    async def healthy() -> bool:
        if replica.process.returncode is not None:
            raise AssertionError(f"{replica.name} exited ({replica.process.returncode}):\n{replica.tail()}")
        try:
            async with session.get(f"{replica.base}/healthz") as response:
                return response.status == 200
        except aiohttp.ClientError:
            return False

    await poll(healthy, f"{replica.name} /healthz to answer 200", 45)


# --------------------------------------------------------------------------- database views


async def processed_ids(app: App) -> set[str]:
    async with app.engine.connect() as connection:
        return set((await connection.execute(select(processed_events.c.event_id))).scalars())


async def unsettled(app: App) -> list[Any]:
    async with app.engine.connect() as connection:
        query = select(outbox.c.id, outbox.c.channel, outbox.c.status).where(outbox.c.status.in_(UNSETTLED))
        return list(await connection.execute(query.order_by(outbox.c.id)))


async def settled_state(app: App, channel: str, done: Callable[[ChannelState], bool], what: str) -> None:
    """Wait until ``channel``'s state satisfies ``done`` and its outbox is empty (setup steps)."""

    async def check() -> bool:
        state = await app.service.get_state(channel)
        return state is not None and done(state) and not [r for r in await unsettled(app) if r.channel == channel]

    await poll(check, what)


# --------------------------------------------------------------------------- the test


@dataclass
class Burst:
    """The deliveries of the burst and what they must leave in the database."""

    jobs: list[Job] = field(default_factory=list)
    answers: dict[str, set[str]] = field(default_factory=dict)  # channel -> answer texts
    votes: dict[str, dict[str, Choice]] = field(default_factory=dict)  # channel -> user -> choice

    def add(self, side: Side, answer_channel: Any, vote_channel: Any, vote_message: str) -> None:
        answers = self.answers.setdefault(side.key(answer_channel), set())
        for person, n in itertools.product(ANSWERERS, range(ANSWERS_EACH)):
            text = f"{side.key(answer_channel)} {person} note {n}: the waiting lists in the north grew again"
            self.jobs.append(side.message(person, text, answer_channel))
            answers.add(text)
        votes = self.votes.setdefault(side.key(vote_channel), {})
        for index, person in enumerate(VOTERS):
            choice = Choice.AGREE if index % 2 == 0 else Choice.ABSTAIN
            votes[side.uid(person)] = choice
            self.jobs.append(side.press(person, vote_channel, vote_message, f"{choice.value}:1"))
            if person in VOTE_TWICE:  # the same vote again, typed: still one vote
                self.jobs.append(side.command(person, f"/problem {choice.value}", vote_channel))

    def shuffle(self, seed: int) -> None:
        rng = random.Random(seed)
        rng.shuffle(self.jobs)
        for job in rng.sample(self.jobs, int(len(self.jobs) * DUPLICATE_SHARE)):
            job.duplicate = True


class Cluster:
    """The load balancer and the platforms' redelivery, in front of two replicas."""

    def __init__(self, session: aiohttp.ClientSession, victim: Replica, survivor: Replica) -> None:
        self.session = session
        self.victim = victim
        self.survivor = survivor
        self.killed = asyncio.Event()
        self.completed = 0
        self.after_kill = 0  # deliveries started once the victim was gone

    async def send(self, replica: Replica, job: Job, *, retry: bool = False) -> bool:
        """POST one delivery; True when the replica answered 2xx."""
        headers = dict(job.headers)
        if retry and job.platform == "slack":
            headers.update({"X-Slack-Retry-Num": str(job.retries + 1), "X-Slack-Retry-Reason": "http_error"})
        job.retries += retry
        try:
            async with self.session.post(replica.base + job.path, data=job.body, headers=headers) as response:
                await response.read()
                ok = 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError):
            ok = False  # no answer: the connection died with the replica
        if ok:
            job.acked_by.add(replica.name)
        else:
            job.unanswered += 1
        return ok

    async def redeliver(self, job: Job) -> None:
        """What the platforms do with an unanswered or failed delivery: try again, on a live replica."""
        for _ in range(3):
            if await self.send(self.survivor, job, retry=True):
                return

    async def run(self, jobs: list[Job], kill_after: int) -> None:
        """Alternate replicas, some deliveries to both; SIGKILL the victim after ``kill_after``."""
        gate = asyncio.Semaphore(CONCURRENCY)

        async def deliver(index: int, job: Job) -> None:
            async with gate:
                planned = [self.victim, self.survivor] if job.duplicate else [(self.victim, self.survivor)[index % 2]]
                if self.killed.is_set():
                    planned = [self.survivor for _ in planned]
                    self.after_kill += 1
                results = await asyncio.gather(*(self.send(replica, job) for replica in planned))
                for ok in results:
                    if not ok:
                        await self.redeliver(job)
                self.completed += 1
                if self.completed == kill_after:
                    # Other deliveries are in flight to the victim right now; from here on the
                    # load balancer sends everything to the survivor.
                    self.killed.set()
                    self.victim.process.send_signal(signal.SIGKILL)

        await asyncio.gather(*(deliver(index, job) for index, job in enumerate(jobs)))
        assert await asyncio.wait_for(self.victim.process.wait(), 15) == -signal.SIGKILL


def past_question(number: int) -> Callable[[ChannelState], bool]:
    return lambda state: state.step == number or state.phase is Phase.DRAFTING


async def open_sessions(app: App, cluster: Cluster, side: Side, answer_channel: Any, vote_channel: Any) -> str:
    """Start a session in both channels and open a round in the second; return its message id."""

    async def step(line: str, channel: Any, done: Callable[[ChannelState], bool], what: str) -> None:
        replica = cluster.victim
        assert await cluster.send(replica, side.command(FACILITATOR, line, channel)), replica.tail()
        await settled_state(app, side.key(channel), done, f"{side.key(channel)}: {what}")

    await step("/problem start answers", answer_channel, lambda s: s.phase is Phase.ANALYSIS, "session")
    await step("/problem start votes", vote_channel, lambda s: s.phase is Phase.ANALYSIS, "session")
    for number in range(1, 7):  # the sixth "next" ends the questions (nobody answered: no draft)
        await step("/problem next", vote_channel, past_question(number), f"past question {number}")
    await step("/problem draft Reports get lost between the teams.", vote_channel,
               lambda s: s.current_draft is not None, "draft")
    await step("/problem vote", vote_channel, lambda s: s.open_round is not None, "round open")
    async with app.engine.connect() as connection:
        ref = await connection.run_sync(queues.message_ref, side.key(vote_channel), "vote:1")
    assert ref is not None, "the vote message was not delivered"
    return ref


@pytest.mark.postgres
async def test_two_real_replicas_count_each_event_once_and_deliver_every_message(
    pg_url: str, slack_fake: FakeSlack, telegram_fake: FakeTelegram, tmp_path: Path
) -> None:
    env = replica_env(pg_url, slack_fake, telegram_fake)
    slack, telegram = SlackSide(slack_fake), TelegramSide(telegram_fake)
    channels: list[tuple[Side, Any, Any]] = [(slack, "CANSWERS", "CVOTES"), (telegram, -100201, -100202)]
    replicas: list[Replica] = []
    logs = [(tmp_path / f"{name}.log").open("wb") for name in ("victim", "survivor")]
    app: App | None = None
    try:
        for name, log_file in zip(("victim", "survivor"), logs, strict=True):
            replicas.append(await start_replica(name, env, tmp_path, log_file))
        victim, survivor = replicas
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            await asyncio.gather(wait_healthy(session, victim), wait_healthy(session, survivor))
            app = await bootstrap(Settings(_env_file=None, database_url=pg_url))  # reads the same database
            cluster = Cluster(session, victim, survivor)
            burst = Burst()
            for side, answer_channel, vote_channel in channels:
                vote_message = await open_sessions(app, cluster, side, answer_channel, vote_channel)
                burst.add(side, answer_channel, vote_channel, vote_message)
            burst.shuffle(seed=11)
            jobs = burst.jobs

            await cluster.run(jobs, kill_after=int(len(jobs) * KILL_AT))
            async with app.engine.connect() as connection:  # claims the dead replica left mid-delivery
                claimed = set((await connection.execute(
                    select(outbox.c.id).where(outbox.c.status == OUTBOX_SENDING))).scalars())

            # Slack: what the dead replica acknowledged waits in the inbox for the survivor.
            async def inbox_empty() -> bool:
                async with app.engine.connect() as connection:
                    return (await connection.execute(select(func.count()).select_from(inbox))).scalar_one() == 0

            await poll(inbox_empty, "the survivor to take up what the dead replica had accepted")
            committed = await processed_ids(app)
            lost = [j.event_id for j in jobs if j.platform == "slack" and j.acked_by == {victim.name}
                    and j.event_id not in committed]
            assert lost == [], "Slack events the dead replica acknowledged were lost"
            assert all(job.acked_by for job in jobs), "a delivery was never accepted by any replica"
            expected = {job.event_id for job in jobs}

            async def all_committed() -> bool:
                return expected <= await processed_ids(app)

            await poll(all_committed, "every accepted event to be committed")

            # The dead replica's claims: their lease runs out, then the survivor redelivers them.
            async def only_orphans_left() -> bool:
                heads: dict[str, Any] = {}
                for row in await unsettled(app):
                    heads.setdefault(row.channel, row)
                return all(head.status == OUTBOX_SENDING and head.id in claimed for head in heads.values())

            await poll(only_orphans_left, "the survivor to deliver all but the dead replica's claims")
            orphaned = await redeliver_orphans(app, claimed, "the survivor")
            assert survivor.process.returncode is None, survivor.tail()

            # ---- the kill really happened mid-burst
            assert cluster.after_kill > 0 and any(victim.name in job.acked_by for job in jobs)

            # ---- exactly once in the stored state
            applied = Counter(entry.event_id for entry in await app.service.repository.event_log())
            twice = sorted(event_id for event_id in expected if applied[event_id] != 1)
            assert not twice, f"applied twice or never: {twice}"
            for key, texts in burst.answers.items():
                state = await app.service.get_state(key)
                assert state is not None and state.phase is Phase.ANALYSIS and not state.parked
                stored = [answer.text for answer in state.answers]
                assert len(stored) == len(set(stored)), f"{key}: an answer was counted twice"
                assert set(stored) == texts, f"{key}: answers missing or extra"
            for key, wanted in burst.votes.items():
                state = await app.service.get_state(key)
                assert state is not None and state.open_round is not None, f"{key}: the round closed"
                cast = [(vote.user, vote.choice) for vote in state.open_round.votes]
                assert len(cast) == len({user for user, _ in cast}), f"{key}: someone's vote counted twice"
                assert dict(cast) == wanted, f"{key}: votes missing or wrong"

            # ---- every committed message reached the platform; only an orphaned claim twice
            rows = await app.service.repository.outbox()
            assert rows and all(row.status == OUTBOX_SENT for row in rows), "a message was not delivered"
            for key in {row.channel for row in rows}:
                mine = [row for row in rows if row.channel == key]
                calls, ids = delivered(key, slack_fake, telegram_fake)
                allowed = sum(row.id in orphaned for row in mine)
                assert 0 <= len(calls) - len(mine) <= allowed, f"{key}: {len(mine)} messages, {len(calls)} calls"
                for row in mine:
                    if isinstance(row.message, Post | Reply | Notify):
                        assert row.platform_message_id in ids, f"{key}: outbox {row.id} never reached the platform"
            print(f"\nreplicas: {len(jobs)} deliveries, {sum(j.duplicate for j in jobs)} to both; "
                  f"{sum(victim.name in j.acked_by for j in jobs)} accepted by the victim, "
                  f"{sum(j.unanswered for j in jobs)} unanswered and re-sent, "
                  f"{len(orphaned)} orphaned claims redelivered, {len(rows)} messages")
    finally:
        await tear_down(replicas, logs, app)
    # The replicas worked on the same channels at once without deadlocking each other.
    assert await deadlocks(pg_url) == 0


def delivered(key: str, slack: FakeSlack, telegram: FakeTelegram) -> tuple[list[Any], set[str]]:
    """The fake's delivery calls for one channel, and the message ids it answered with."""
    platform, _, rest = key.partition(":")
    if platform == "slack":
        channel = rest.split(":")[1]
        posted = [c for method in ("chat.postMessage", "chat.postEphemeral", "chat.update")
                  for c in slack.calls(method, channel=channel)]
        return posted, {c.ts for c in posted}
    chat = int(rest)
    sent = [c for c in telegram.calls() if c.method in ("sendMessage", "editMessageText")
            and int(c.params["chat_id"]) == chat]
    return sent, {str(c.params["_message_id"]) for c in sent if c.method == "sendMessage"}
