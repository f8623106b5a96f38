"""Slack HTTP mode: the full app against a bare slack-bolt app that only acknowledges.

The same stream of correctly signed Slack requests (message events in an active analysis
session, and every 20th a slash command) goes, over HTTP from a few concurrent clients, to

* **full**: ``bot.app.runner.serve`` with the Slack platform in HTTP mode; its Web API calls
  (``conversations.info``, ``users.info``, the replies) go to the fake Slack of
  ``tests/slack/fake_slack.py``. On SQLite, and on PostgreSQL when it is reachable; each
  as one process (``VOORDENKEN_ROLE=all``, the default) and split (``web`` in this
  process, which stores and acknowledges, and one ``worker`` process, ``voordenken run``,
  which processes and replies); and
* **bare**: a slack-bolt ``AsyncApp`` whose listeners only ``ack()``, mounted on an aiohttp
  server the same way (one POST route, ``to_bolt_request`` / ``to_aiohttp_response``).

Why: Slack wants every request answered within 3 s and retries (or shows the user an
error) otherwise, and a replica's capacity is how many requests it can take. The bare app
is the ceiling Bolt itself allows; the target is the full app at >= 0.5 of it, with ack
latency well under 3 s. The full app answers a message event or a command once it is
stored (the inbox: durable, so a replica killed after its 200 loses nothing) and
processes it right after, in batches per channel. So it also prints the rate at which the
work (de-duplicate, decide, commit, reply) was done, until the inbox and outbox were
empty: in one process acknowledging can run ahead of the work, which is what a sustained
load gets. All requests are for one channel. The split run uses a second process, and so
a second core where there is one: it shows what a web replica takes, with the work done
beside it, not what one process does. Both apps run with 4 and with 32 concurrent clients
(Slack itself sends concurrently; more in flight means larger batches). For each set-up
the bare and the full app run in turn three times, each pair on a fresh stream, and the
pair with the median ratio is printed with the range of the three: on a shared machine
whose speed drifts from minute to minute, only neighbouring runs compare. Outbound pacing is
off (it would spread the command replies over minutes by design); logging is left
unconfigured (WARNING), as it is not what is measured. Client, servers and the fake share
this process (one event loop plus the fake's thread), so both sides pay the client's cost
alike. Prints figures; asserts nothing.
Run: ``python -m benchmarks.bench_slack_http``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request  # noqa: E402
from slack_bolt.async_app import AsyncApp  # noqa: E402
from slack_sdk.signature import SignatureVerifier  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from adapters.slack import SlackPlatform  # noqa: E402
from bot.app.bootstrap import App  # noqa: E402
from bot.app.platforms import build_slack  # noqa: E402
from bot.app.runner import serve, settle_heap  # noqa: E402
from bot.app.settings import Settings  # noqa: E402
from bot.core.model import Phase  # noqa: E402
from bot.shell.storage.database import sqlite_url_for  # noqa: E402
from bot.shell.storage.statements import UNSETTLED  # noqa: E402
from bot.shell.storage.tables import inbox, outbox, processed_events  # noqa: E402
from tests.slack.fake_slack import TEAM, FakeSlack  # noqa: E402
from tests.storage.pg import PostgresUnavailable, fresh_postgres_url  # noqa: E402

REQUESTS = 2000
CLIENTS = (4, 32)  # concurrent senders, one run each
COMMAND_EVERY = 20  # every 20th request is a slash command (/problem status)
ROUNDS = 3  # bare and full alternate this often per set-up (a shared machine's speed drifts)
PEOPLE = 50  # commands spread over people, so the flood guard (20 per person) stays out of it
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
CHANNEL = "CBENCH"
TARGET = "target: full >= 0.5 x bare Bolt; ack p99 well under Slack's 3 s"
ANSWER = "Rent arrears are usually the first signal we get, months before anyone else sees the debt."


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]
    event_id: str  # the id the service de-duplicates on


def _signed(body: str, content_type: str, event_id: str, verifier: SignatureVerifier) -> Request:
    ts = str(int(time.time()))
    signature = verifier.generate_signature(timestamp=ts, body=body) or ""
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}
    return Request(body.encode(), headers, event_id)


def command(verifier: SignatureVerifier, n: int, user: str, line: str, response_url: str) -> Request:
    word, _, text = line.partition(" ")
    fields = {"token": "legacy", "team_id": TEAM, "team_domain": "bench", "channel_id": CHANNEL,
              "channel_name": "bench", "user_id": user, "user_name": user.lower(), "command": word, "text": text,
              "api_app_id": "A1", "is_enterprise_install": "false", "response_url": response_url,
              "trigger_id": f"trigger.{n}"}
    return _signed(urlencode(fields), "application/x-www-form-urlencoded", f"slack:cmd:trigger.{n}", verifier)


def message(verifier: SignatureVerifier, n: int, user: str, text: str) -> Request:
    ts = f"1800000000.{n:06d}"
    body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
            "event": {"type": "message", "channel": CHANNEL, "channel_type": "channel", "user": user,
                      "text": text, "ts": ts, "event_ts": ts},
            "event_id": f"Ev{n:08d}", "event_time": int(time.time())}
    return _signed(json.dumps(body), "application/json", f"slack:msg:{TEAM}:{CHANNEL}:{ts}", verifier)


def stream(fake: FakeSlack, count: int) -> list[Request]:
    """Signed before timing: signing is the platform's cost, not the bot's."""
    verifier = SignatureVerifier(SECRET)
    requests = []
    for n in range(1, count + 1):
        user = f"U{n % PEOPLE:04d}"
        if n % COMMAND_EVERY == 0:
            requests.append(command(verifier, n, user, "/problem status", f"{fake.url}respond/{n}"))
        else:
            requests.append(message(verifier, n, user, f"{ANSWER} ({n})"))
    return requests


@dataclass
class Figures:
    seconds: float
    latencies: list[float]
    statuses: Counter[int]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]

    def line(self, label: str) -> str:
        return (f"  {label:<44} {self.rate:>7,.0f} req/s   ack p50 {statistics.median(self.latencies) * 1e3:6.2f} ms"
                f"   p99 {self.percentile(0.99) * 1e3:6.2f} ms   statuses {dict(self.statuses)}")


async def blast(url: str, requests: list[Request], clients: int) -> Figures:
    """``clients`` concurrent senders share the stream; each request's ack latency is kept."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    queue = iter(requests)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def client() -> None:
            for request in queue:  # one shared iterator: each request is sent once
                started = time.perf_counter()
                async with session.post(url, data=request.body, headers=request.headers) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
                statuses[response.status] += 1

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return Figures(time.perf_counter() - began, latencies, statuses)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark: condition not met in time")
        await asyncio.sleep(0.01)


def start_worker(fake: FakeSlack, database_url: str) -> subprocess.Popen[bytes]:
    """``voordenken run`` as a worker on the same database and fake Slack."""
    env = {**os.environ, "VOORDENKEN_ROLE": "worker", "VOORDENKEN_DATABASE_URL": database_url,
           "VOORDENKEN_HTTP_HOST": "127.0.0.1", "VOORDENKEN_HTTP_PORT": "0", "VOORDENKEN_LANGUAGE": "en",
           "VOORDENKEN_OUTBOUND_PACING": "false", "VOORDENKEN_LOG_LEVEL": "WARNING", "SLACK_BOT_TOKEN": TOKEN,
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url}
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "TELEGRAM_BOT_TOKEN"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-m", "bot.app.cli", "run"], cwd=ROOT, env=env)


async def full(fake: FakeSlack, requests: list[Request], database_url: str, clients: int,
               split: bool = False) -> tuple[Figures, float, int]:
    """The real server; returns the ack figures, seconds until all work was done, events committed."""
    settings = Settings(
        _env_file=None, database_url=database_url, http_host="127.0.0.1", http_port=0,
        language="en", slack_bot_token=TOKEN, slack_app_token=None, slack_signing_secret=SECRET,
        slack_client_id=None, slack_client_secret=None, slack_api_url=fake.api_url, telegram_bot_token=None,
        outbound_pacing=False, role="web" if split else "all",
    )
    captured: dict[str, Any] = {}

    def capture(settings: Settings, app: App) -> SlackPlatform:
        platform = build_slack(settings, app)
        assert isinstance(platform, SlackPlatform)
        captured["app"], captured["platform"] = app, platform
        return platform

    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def ready(bound: int) -> None:
        port.set_result(bound)

    task = asyncio.create_task(serve(settings, [capture], stop, ready=ready))
    worker: subprocess.Popen[bytes] | None = None
    try:
        waiting: set[asyncio.Future[Any]] = {task, port}
        await asyncio.wait(waiting, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        url = f"http://127.0.0.1:{port.result()}/slack/events"
        if split:
            worker = start_worker(fake, database_url)  # the web process has created the database
        app: App = captured["app"]
        platform: SlackPlatform = captured["platform"]
        key = f"slack:{TEAM}:{CHANNEL}"
        opener = command(SignatureVerifier(SECRET), 0, "UFAC", "/problem start bench", f"{fake.url}respond/0")
        await blast(url, [opener], clients=1)

        async def session_open() -> bool:
            state = await app.service.get_state(key)
            return state is not None and state.phase is Phase.ANALYSIS

        await until(session_open)  # split: the worker is up

        async def all_done() -> bool:
            """Nothing waits in the inbox (split: the worker's) and the outbox is empty."""
            unsent = select(func.count()).select_from(outbox).where(outbox.c.status.in_(UNSETTLED))
            waiting = select(func.count()).select_from(inbox)
            async with app.engine.connect() as connection:
                pending = (await connection.execute(unsent)).scalar_one()
                return pending + (await connection.execute(waiting)).scalar_one() == 0

        await until(all_done)
        began = time.perf_counter()
        figures = await blast(url, requests, clients)
        await platform.drain()
        await app.service.drain()
        await until(all_done)
        done = time.perf_counter() - began
        wanted = [r.event_id for r in requests]
        async with app.engine.connect() as connection:
            query = select(func.count()).select_from(processed_events).where(processed_events.c.event_id.in_(wanted))
            committed = int((await connection.execute(query)).scalar_one())
        return figures, done, committed
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            await asyncio.to_thread(worker.wait, 60)


async def bare(fake: FakeSlack, requests: list[Request], clients: int = 4) -> Figures:
    """slack-bolt alone: verify the signature, route, ack. The ceiling for the full app."""
    bolt = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=fake.api_url), signing_secret=SECRET)

    @bolt.event("message")
    async def on_message(ack: Any) -> None:
        await ack()

    @bolt.command("/problem")
    async def on_command(ack: Any) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return await blast(f"http://127.0.0.1:{port}/slack/events", requests, clients)
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def database(backend: str) -> AsyncIterator[str]:
    """A fresh database URL: a SQLite file in a temporary folder, or a new PostgreSQL database."""
    if backend == "PostgreSQL":
        async with fresh_postgres_url() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as directory:
        yield sqlite_url_for(Path(directory) / "bench.db")


async def paired(fake: FakeSlack, clients: int, backend: str, split: bool) -> None:
    """``ROUNDS`` runs of bare then full, each on a fresh stream; the pair with the median ratio
    is printed, and the range of the ratios. Neighbouring runs share the machine's mood."""
    label = f"{'web + worker' if split else 'one process'}, {backend}"
    pairs: list[tuple[Figures, Figures, float, int]] = []
    for _ in range(ROUNDS):
        requests = stream(fake, REQUESTS)
        bare_figures = await bare(fake, requests, clients)
        try:
            async with database(backend) as url:
                full_figures, done, committed = await full(fake, requests, url, clients, split)
        except PostgresUnavailable as error:
            print(f"  full app, {label}: skipped, PostgreSQL unreachable ({error})")
            return
        pairs.append((bare_figures, full_figures, done, committed))
    ack_ratios = sorted(f.rate / b.rate for b, f, _, _ in pairs)
    work_ratios = sorted(REQUESTS / done / b.rate for b, _, done, _ in pairs)
    bare_figures, full_figures, done, committed = sorted(pairs, key=lambda p: p[1].rate / p[0].rate)[len(pairs) // 2]
    print(bare_figures.line("bare slack-bolt AsyncApp (ack only)"))
    print(full_figures.line(f"full app, {label}: acks"))
    print(f"  {f'full app, {label}: work done':<44} {REQUESTS / done:>7,.0f} req/s   "
          f"{committed:,} of {REQUESTS:,} events committed, inbox and outbox empty, in {done:.2f} s")
    print(f"  ratio full ({label})/bare: acks {full_figures.rate / bare_figures.rate:.2f}, "
          f"work done {REQUESTS / done / bare_figures.rate:.2f}   (target >= 0.5; over {ROUNDS} pairs: acks "
          f"{ack_ratios[0]:.2f}-{ack_ratios[-1]:.2f}, work done {work_ratios[0]:.2f}-{work_ratios[-1]:.2f})")


async def main() -> None:
    settle_heap()  # as ``voordenken run`` does at start-up (both apps benefit alike)
    fake = FakeSlack()
    fake.start()
    try:
        print(f"  {TARGET}")
        # Warm-up (imports, Bolt's first auth.test); the full app warms up on its "/problem start".
        await bare(fake, stream(fake, 50))
        for clients in CLIENTS:
            commands = REQUESTS // COMMAND_EVERY
            print(f"Slack HTTP mode: {REQUESTS:,} signed requests ({REQUESTS - commands:,} message events "
                  f"in an analysis session, {commands} slash commands), {clients} concurrent clients")
            for backend, split in (("SQLite", False), ("SQLite", True), ("PostgreSQL", False), ("PostgreSQL", True)):
                await paired(fake, clients, backend, split)
    finally:
        fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
