"""The check-in scheduler: turns due wakeups into ``Tick`` events (imperative shell).

Schedules live in our own ``wakeups`` table (written by the service from the engine's
``Schedule``/``Unschedule`` effects), never in an APScheduler job store: a restart loses
nothing, and replicas never share a job store (APScheduler FAQ: "You can't").

APScheduler (3.x ``AsyncIOScheduler``, UTC, in the bot's own loop) only decides *when*
to look: one ``DateTrigger`` job armed at the earliest wakeup, re-armed after every run
and whenever this process records an earlier wakeup; at most ``poll_interval`` later it
looks anyway, to see wakeups other replicas wrote. One job instead of one per wakeup:
10,000 channels cost one row read at start, not 10,000 jobs to rebuild and keep in sync.

Exactly once per slot: the tick's event id is ``tick:{channel}:{kind}:{slot}``, and the
service records event ids under a unique key in the same transaction as the state
change. Whichever replica fires first claims the slot; the others get a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import Tick, TickKind
from bot.core.ports import Clock
from bot.shell.pipe.service import ChannelService
from bot.shell.storage.queues import Wakeup, clear_fired_wakeups

log = logging.getLogger(__name__)

JOB_ID = "voordenken-wakeups"
# Only check-ins are skipped when late; a vote deadline or a review still matters.
SKIPPABLE = {TickKind.CHECKIN: TickKind.CHECKIN_MISSED}  # kind -> the kind of its skipped slot


def slot_id(wakeup: Wakeup) -> str:
    """The event id that claims one slot of one channel, the same on every replica."""
    return f"tick:{wakeup.channel}:{wakeup.kind}:{wakeup.at.astimezone(UTC).isoformat()}"


class CheckinScheduler:
    def __init__(
        self,
        service: ChannelService,
        engine: AsyncEngine,
        clock: Clock,
        *,
        max_lateness: timedelta = timedelta(hours=1),
        poll_interval: timedelta = timedelta(seconds=60),
        retry_delay: timedelta = timedelta(seconds=10),
        concurrency: int = 4,
    ) -> None:
        self._service = service
        self._engine = engine
        self._clock = clock
        self.max_lateness = max_lateness
        self._poll = poll_interval
        self._retry = retry_delay
        self._concurrency = max(1, concurrency)
        self._scheduler: AsyncIOScheduler | None = None
        self._run_lock = asyncio.Lock()
        self._busy = False
        self._pending: datetime | None = None  # earliest wakeup recorded while busy
        self._armed_at: datetime | None = None
        self._listening = False

    # ------------------------------------------------------------------ firing

    async def fire_due(self, now: datetime | None = None) -> int:
        """Send a Tick for every wakeup due at ``now``; returns how many slots this call claimed."""
        now = now or self._clock.now()
        due = await self._service.repository.due_wakeups(now)
        if not due:
            return 0
        gate = asyncio.Semaphore(self._concurrency)

        async def one(wakeup: Wakeup) -> int | None:
            async with gate:
                return await self._fire(wakeup, now)

        results = await asyncio.gather(*(one(w) for w in due))
        await self._settle([w for w, result in zip(due, results, strict=True) if result is not None])
        claimed = sum(result or 0 for result in results)
        log.info("fired %d of %d due wakeups", claimed, len(due))
        return claimed

    async def _fire(self, wakeup: Wakeup, now: datetime) -> int | None:
        """1: we claimed the slot; 0: another replica (or an earlier run) had; None: failed."""
        if wakeup.kind not in set(TickKind):
            log.warning("wakeup of unknown kind %r in %s: nothing handles it, settled", wakeup.kind, wakeup.channel)
            return 1  # the row is settled (deleted) with the others; no engine would act on it
        kind = TickKind(wakeup.kind)
        late = now - wakeup.at
        if kind in SKIPPABLE and late > self.max_lateness:
            # Too late to be useful: move on to the next slot without posting.
            log.warning("check-in of %s due %s is %s late (limit %s): skipped",
                        wakeup.channel, wakeup.at.isoformat(), late, self.max_lateness)
            kind = SKIPPABLE[kind]
        event = Tick(event_id=slot_id(wakeup), channel=wakeup.channel, kind=kind)
        try:
            result = await self._service.handle(event)
        except Exception:
            log.exception("wakeup %s of %s failed; retrying later", wakeup.kind, wakeup.channel)
            return None
        return 0 if result.duplicate else 1

    async def _settle(self, fired: list[Wakeup]) -> None:
        """Fired wakeups are done unless the engine moved them: never fire the same slot twice.

        The engine normally moves or clears each wakeup itself; this catches the rest
        (a tick nobody handles) so a leftover can never make the scheduler spin.
        """
        if not fired:
            return
        async with self._engine.begin() as connection:
            await connection.run_sync(clear_fired_wakeups, fired)

    async def earliest(self) -> datetime | None:
        return await self._service.repository.earliest_wakeup()

    # ------------------------------------------------------------------ APScheduler

    async def start(self) -> None:
        """Start APScheduler in the running loop and arm it from the database.

        A slot missed while the bot was down is due already, so it fires at once: posted
        if it is at most ``max_lateness`` late, otherwise skipped (and logged).
        """
        if self._scheduler is not None:
            return
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 3},
        )
        self._scheduler.start()
        if not self._listening:
            self._service.add_wakeup_listener(self.wakeup_changed)
            self._listening = True
        async with self._run_lock:
            await self._arm(after_run=False)

    async def stop(self) -> None:
        scheduler, self._scheduler = self._scheduler, None  # a run starting now returns at once
        if scheduler is None:
            return
        # APScheduler's shutdown cancels a job still running (and logs that as an error): no
        # new runs; one just handed over takes its first step (and so returns); one in
        # progress finishes its ticks, rather than a check-in round being cut off half-way.
        with contextlib.suppress(Exception):
            scheduler.pause()
        await asyncio.sleep(0)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                async with self._run_lock:
                    pass
        with contextlib.suppress(Exception):
            scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # shutdown is delivered through call_soon_threadsafe

    @property
    def next_run_time(self) -> datetime | None:
        if self._scheduler is None:
            return None
        job = self._scheduler.get_job(JOB_ID)
        return None if job is None else job.next_run_time

    def wakeup_changed(self, at: datetime) -> None:
        """The service recorded a wakeup at ``at``: fire earlier than planned if needed."""
        if self._scheduler is None:
            return
        if self._busy:
            self._pending = at if self._pending is None else min(self._pending, at)
        elif self._armed_at is None or at < self._armed_at:
            self._set_job(at)

    async def _run(self) -> None:
        async with self._run_lock:
            if self._scheduler is None:
                return
            self._busy = True
            try:
                await self.fire_due()
            except Exception:
                log.exception("check-in run failed")
            finally:
                try:
                    await self._arm(after_run=True)
                finally:
                    self._busy = False

    async def _arm(self, *, after_run: bool) -> None:
        self._busy = True
        self._pending = None
        try:
            earliest = await self.earliest()
        except Exception:
            log.exception("cannot read wakeups; trying again in %s", self._retry)
            earliest = None
        now = self._clock.now()
        candidates = [now + self._poll]
        if earliest is not None:
            # After a run, what is still due failed: retry later instead of spinning.
            candidates.append(max(earliest, now + self._retry) if after_run else earliest)
        if self._pending is not None:
            candidates.append(self._pending)
        self._busy = after_run  # _run clears it once arming is done
        self._set_job(min(candidates))

    def _set_job(self, at: datetime) -> None:
        if self._scheduler is None:
            return
        self._armed_at = at
        kwargs: dict[str, Any] = {"id": JOB_ID, "replace_existing": True, "name": "voordenken wakeups"}
        self._scheduler.add_job(self._run, DateTrigger(run_date=at, timezone=UTC), **kwargs)
