"""10,000 channels due at the same minute, through the real service on SQLite.

Run: ``.venv/bin/python -m benchmarks.bench_checkins [channels]`` (default 10,000).

Delivery runs on a *virtual* clock: the rate limiter, the outbox and the scheduler all
read the injected clock, and when the limiter refuses, the benchmark advances that clock
to the moment a slot frees up instead of sleeping. Real time at 30 messages/s would take
minutes for the Telegram share alone; virtual time gives the same send schedule in the
time the machinery itself needs. Achieved rates are measured against the virtual send
times recorded by fake transports (one per platform), and compared with the limits.
"""

from __future__ import annotations

import asyncio
import gc
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import Settings
from bot.core.engine import decide, new_state
from bot.core.model import CommandIssued, OutboundMessage, Sender
from bot.shell.ratelimit import SLACK_CHANNEL, TELEGRAM_BOT, TELEGRAM_GROUP, RateLimiter
from bot.shell.scheduler import CheckinScheduler
from bot.shell.storage.channels import channel_rows
from bot.shell.storage.tables import channel_items, channels, wakeups
from tests.service.fakes import FakeClock

ZONE = "Europe/Amsterdam"
SET_AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday 10:00 local
SLOT = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # Thursday 09:00 local
SHARE = {"telegram": 0.5, "slack": 0.4, "console": 0.1}


@dataclass
class Recorder:
    """A transport that records the virtual time of every delivery."""

    platform: str
    clock: FakeClock
    sent: list[tuple[float, str]] = field(default_factory=list)

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        self.sent.append(((self.clock.now() - SLOT).total_seconds(), channel))
        return f"m{len(self.sent)}"


def channel_keys(total: int) -> list[str]:
    keys: list[str] = []
    telegram, slack = int(total * SHARE["telegram"]), int(total * SHARE["slack"])
    keys += [f"telegram:-100{n}" for n in range(telegram)]
    keys += [f"slack:T1:C{n}" for n in range(slack)]
    keys += [f"console:c{n}" for n in range(total - telegram - slack)]
    return keys


def most_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, low = 0, 0
    for high, t in enumerate(times):
        while times[low] <= t - window + 1e-9:
            low += 1
        best = max(best, high - low + 1)
    return best


async def seed(app: App, keys: list[str]) -> None:
    """Channels with a running session and a daily 09:00 check-in, written in bulk."""
    state = new_state("template", "en", ZONE)
    alice = Sender("alice", "Alice")
    for number, text in enumerate(["start debts", "checkin daily 09:00"]):
        event = CommandIssued(event_id=f"seed:{number}", channel="template", sender=alice, text=text)
        state = decide(state, event, app.script, SET_AT).state
    assert state.checkins.next_at == SLOT
    heads, items = [], []
    for key in keys:
        head, rows = channel_rows(replace(state, channel=key), SET_AT)
        heads.append(head)
        items += rows
    async with app.engine.begin() as connection:  # bulk: the same rows save_channel/set_wakeup write
        await connection.execute(channels.insert(), heads)
        if items:
            await connection.execute(channel_items.insert(), items)
        await connection.execute(wakeups.insert(), [{"channel": key, "kind": "checkin", "at": SLOT} for key in keys])


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure_start(app: App, clock: FakeClock) -> None:
    """Start-up of the scheduler as built (one job armed from the wakeups table)..."""
    gc.collect()
    tracemalloc.start()
    began = time.perf_counter()
    scheduler = CheckinScheduler(app.service, app.engine, clock, poll_interval=timedelta(days=1))
    await scheduler.start()
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    armed = scheduler.next_run_time
    await scheduler.stop()
    wakeups = len(await app.service.repository.all_wakeups())
    print(f"scheduler start from {wakeups} wakeups: {elapsed * 1000:.1f} ms, "
          f"peak Python memory {peak / 1024:.0f} KiB, armed at {armed}")
    # ... against the alternative: one APScheduler DateTrigger job per wakeup.
    gc.collect()
    tracemalloc.start()
    began = time.perf_counter()
    rows = await app.service.repository.all_wakeups()
    alternative = AsyncIOScheduler(timezone=UTC)
    alternative.start(paused=True)
    for row in rows:
        alternative.add_job(_noop, DateTrigger(run_date=row.at + timedelta(days=3650), timezone=UTC),
                            id=f"{row.channel}:{row.kind}", args=(row.channel,))
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    alternative.shutdown(wait=False)
    print(f"  (one job per wakeup instead: {elapsed * 1000:.0f} ms, peak Python memory {peak / 1024:.0f} KiB)")


class SoonestWait:
    """The shortest wait the limiter refused since the last ``take`` (the limiter keeps none).

    Wraps the limiter's ``try_acquire`` so the benchmark can jump the virtual clock straight
    to the moment the first refused message may go.
    """

    def __init__(self, limiter: RateLimiter) -> None:
        self._soonest: float | None = None
        acquire = limiter.try_acquire

        def try_acquire(channel: str, *, chat_limits: bool = True) -> float:
            wait = acquire(channel, chat_limits=chat_limits)
            if wait > 0:
                self._soonest = wait if self._soonest is None else min(self._soonest, wait)
            return wait

        limiter.try_acquire = try_acquire  # type: ignore[method-assign]

    def take(self) -> float | None:
        soonest, self._soonest = self._soonest, None
        return soonest


async def _noop(channel: str) -> None:  # pragma: no cover - never runs
    return None


async def main(total: int) -> None:
    wall = time.perf_counter()
    clock = FakeClock(SET_AT)  # virtual time: advanced by hand, never slept
    recorders = {p: Recorder(p, clock) for p in SHARE}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", timezone=ZONE)
        app = await bootstrap(settings, clock=clock, transports=list(recorders.values()))
        try:
            keys = channel_keys(total)
            began = time.perf_counter()
            await seed(app, keys)
            print(f"seeded {len(keys)} channels "
                  f"({', '.join(f'{p} {int(total * s)}' for p, s in SHARE.items())}) "
                  f"in {time.perf_counter() - began:.1f} s; resident memory {rss_mb():.0f} MB")
            await measure_start(app, clock)

            clock.advance((SLOT - clock.now()).total_seconds())
            began = time.perf_counter()
            claimed = await app.scheduler.fire_due()
            fired = time.perf_counter() - began
            print(f"fire_due: {claimed} check-in slots claimed and handled in {fired:.1f} s "
                  f"({claimed / fired:.0f} ticks/s wall); delivered inline: "
                  f"{sum(len(r.sent) for r in recorders.values())}")
            limiter = app.limiter  # the one bootstrap built, on the virtual clock
            assert isinstance(limiter, RateLimiter)
            soonest = SoonestWait(limiter)
            began = time.perf_counter()
            passes = 0
            while sum(len(r.sent) for r in recorders.values()) < total:
                passes += 1
                if await app.service.deliver_pending() == 0:
                    clock.advance((soonest.take() or 0.05) + 1e-6)
            drained = time.perf_counter() - began
            print(f"outbox drained in {drained:.1f} s wall, {passes} passes, "
                  f"{(clock.now() - SLOT).total_seconds():.1f} s virtual")
            report(recorders)
            print(f"resident memory (peak) {rss_mb():.0f} MB; total wall time {time.perf_counter() - wall:.1f} s")
        finally:
            await app.close()


def report(recorders: dict[str, Recorder]) -> None:
    print(f"{'platform':9} {'sent':>6} {'virtual s':>9} {'avg msg/s':>9}  limit check")
    for platform, recorder in recorders.items():
        times = [t for t, _ in recorder.sent]
        if not times:
            continue
        span = max(times) - min(times)
        average = len(times) / span if span > 0 else float("inf")
        per_channel: dict[str, list[float]] = defaultdict(list)
        for t, channel in recorder.sent:
            per_channel[channel].append(t)
        if platform == "telegram":
            peak = most_in_window(times, 1.0)
            group = max(most_in_window(ts, 60.0) for ts in per_channel.values())
            check = (f"max {peak} in any 1 s (allowed {TELEGRAM_BOT.count}); "
                     f"max {group} per group in any 60 s (allowed {TELEGRAM_GROUP.count})")
            ok = peak <= TELEGRAM_BOT.count and group <= TELEGRAM_GROUP.count
        elif platform == "slack":
            peak = max(most_in_window(ts, 1.0) for ts in per_channel.values())
            check = (f"max {peak} per channel in any 1 s "
                     f"(allowed {SLACK_CHANNEL.rate:.0f}/s, bursts {SLACK_CHANNEL.burst})")
            ok = peak <= SLACK_CHANNEL.burst
        else:
            check, ok = "no limit", True
        rate = f"{average:9.1f}" if average != float("inf") else "  instant"
        print(f"{platform:9} {len(times):>6} {span:>9.1f} {rate}  {check} {'OK' if ok else 'EXCEEDED'}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
