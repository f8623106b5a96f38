"""Service round trip: de-duplicate, load, decide, commit state + outbox, deliver (no-op).

On SQLite and on PostgreSQL (skipped with a note when 127.0.0.1:5432 is unreachable):

* **capacity** (closed loop): every channel sends its next message as soon as the previous
  one is handled; messages/s is the most one process does. With 50 channels, 50 messages are
  always in flight, so each waits behind the others: latency here is queueing by design.
* **latency at the target rate** (open loop): messages arrive on a fixed timetable, 1,000/s
  spread over the channels, whether or not earlier ones are done, and each latency is
  counted from its scheduled arrival (so a stall is not hidden by sending less during it).
  This is the "1,000 messages/s with p99 <= 10 ms" question.
* PostgreSQL with two processes at once (does a second replica add throughput?).

Uses the real engine and script; every channel first opens a session, then receives
answers from four people. Prints figures; asserts nothing.
Run: ``python -m benchmarks.bench_service``.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app.bootstrap import App, bootstrap  # noqa: E402
from bot.app.runner import settle_heap  # noqa: E402
from bot.app.settings import Settings  # noqa: E402
from bot.core.model import CommandIssued, OutboundMessage, Sender, TextMessage  # noqa: E402
from bot.shell.storage.database import sqlite_url_for  # noqa: E402

TARGET = "target: >= 1,000 messages/s per process on SQLite, p99 <= 10 ms"
MESSAGES = 2000  # per scenario
RATE = 1000  # messages/s offered in the open-loop runs
PACED_MESSAGES = 4000
PEOPLE = [Sender(f"U{i}", name) for i, name in enumerate(("Alice", "Bob", "Carol", "Dave"))]
ANSWER = "Rent arrears are usually the first signal we get, months before anyone else sees the debt."


class NoopTransport:
    platform = "console"

    def __init__(self) -> None:
        self.count = 0

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        self.count += 1
        return target or f"m{self.count}"


@dataclass
class Figures:
    messages: int
    seconds: float
    latencies: list[float]
    began: float = 0.0  # wall clock (time.time()) when the timed part began
    cpu: float = 0.0  # CPU seconds this process used in the timed part

    def line(self, label: str) -> str:
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        cpu = f"   this process: {self.cpu / self.seconds:.0%} of a core" if self.cpu else ""
        return (f"  {label:<40} {self.messages / self.seconds:>8,.0f} msg/s   p50 "
                f"{statistics.median(ordered) * 1e3:6.2f} ms   p99 {p99 * 1e3:6.2f} ms{cpu}")


def answer(name: str, i: int) -> TextMessage:
    return TextMessage(event_id=f"{name}:{i}", channel=name, sender=PEOPLE[i % len(PEOPLE)],
                       text=f"{ANSWER} ({i})", message_id=f"{name}:{i}")


async def open_sessions(app: App, names: list[str]) -> None:
    for name in names:  # not timed
        await app.service.handle(CommandIssued(event_id=f"{name}:start", channel=name, sender=PEOPLE[0],
                                               text="start bench"))


async def workload(url: str, channels: int, prefix: str, messages: int = MESSAGES) -> Figures:
    """Closed loop: ``messages`` answers over ``channels`` concurrent channels (sequential within one)."""
    settings = Settings(_env_file=None, database_url=url)
    app = await bootstrap(settings, transports=[NoopTransport()])
    names = [f"console:{prefix}-{i}" for i in range(channels)]
    try:
        await open_sessions(app, names)
        per_channel = messages // channels
        latencies: list[float] = []

        async def talk(name: str) -> None:
            for i in range(per_channel):
                event = answer(name, i)
                t0 = time.perf_counter()
                await app.service.handle(event)
                latencies.append(time.perf_counter() - t0)

        began, cpu, started = time.time(), time.process_time(), time.perf_counter()
        await asyncio.gather(*(talk(name) for name in names))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await app.close()
    return Figures(len(latencies), elapsed, latencies, began, cpu)


async def paced(url: str, channels: int, prefix: str, rate: float = RATE, messages: int = PACED_MESSAGES) -> Figures:
    """Open loop: message ``n`` arrives at ``n / rate`` s, round-robin over the channels.

    Latency runs from the scheduled arrival to the end of ``handle``. ``Figures.seconds``
    is until the last message was handled, so the rate printed is the rate achieved.
    """
    settings = Settings(_env_file=None, database_url=url)
    app = await bootstrap(settings, transports=[NoopTransport()])
    names = [f"console:{prefix}-{i}" for i in range(channels)]
    latencies: list[float] = []

    async def one(event: TextMessage, due: float) -> None:
        await app.service.handle(event)
        latencies.append(time.perf_counter() - due)

    try:
        await open_sessions(app, names)
        tasks: list[asyncio.Task[None]] = []
        started = time.perf_counter()
        for n in range(messages):
            due = started + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(answer(names[n % channels], n // channels), due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    finally:
        await app.close()
    return Figures(len(latencies), elapsed, latencies)


async def run_backend(label: str, url: str, rate: float | None) -> None:
    print(f"{label}:")
    for channels in (1, 50):
        figures = await workload(url, channels, f"c{channels}")
        print(figures.line(f"{channels} channel{'s' if channels > 1 else ''}, capacity (closed loop)"))
    if rate is not None:
        for channels in (1, 50):
            figures = await paced(url, channels, f"r{channels}", rate)
            print(figures.line(f"{channels} channel{'s' if channels > 1 else ''}, {rate:,.0f}/s offered"))


def two_processes(url: str) -> None:
    """The 50-channel workload in two OS processes at once, on distinct channels."""
    command = [sys.executable, "-m", "benchmarks.bench_service", "--worker", url]
    workers = [subprocess.Popen([*command, f"p{i}"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
               for i in range(2)]
    results = [json.loads(worker.communicate(timeout=120)[0].strip().splitlines()[-1]) for worker in workers]
    start = min(r["start"] for r in results)
    end = max(r["end"] for r in results)
    total = sum(r["messages"] for r in results)
    latencies = [x for r in results for x in r["latencies"]]
    print(Figures(total, end - start, latencies).line("2 processes x 50 channels"))
    for i, r in enumerate(results):
        seconds = r["end"] - r["start"]
        print(f"    process {i}: {r['messages'] / seconds:,.0f} msg/s, using {r['cpu'] / seconds:.0%} of a core "
              f"(this machine has {os.cpu_count()} cores for both processes and the database server)")


async def worker(url: str, prefix: str) -> None:
    settle_heap()
    figures = await workload(url, 50, prefix)
    # Wall clock of the timed part: comparable across the processes.
    print(json.dumps({"messages": figures.messages, "start": figures.began, "end": figures.began + figures.seconds,
                      "cpu": figures.cpu, "latencies": figures.latencies}))


async def main() -> None:
    settle_heap()  # as ``voordenken run`` does at start-up
    print(TARGET)
    with tempfile.TemporaryDirectory() as tmp:
        await run_backend("SQLite (file, WAL)", sqlite_url_for(Path(tmp) / "bench.db"), RATE)
    from tests.storage.pg import PostgresUnavailable, fresh_postgres_url

    try:
        async with fresh_postgres_url() as url:
            await run_backend("PostgreSQL (127.0.0.1:5432)", url, None)
            await asyncio.to_thread(two_processes, url)
    except PostgresUnavailable as error:
        print(f"PostgreSQL: skipped, server unreachable ({error})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        asyncio.run(worker(sys.argv[2], sys.argv[3]))
    else:
        asyncio.run(main())
