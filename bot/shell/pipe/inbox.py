"""The pipe's first stage, for platforms that must be answered at once (Slack): make an
event durable, answer, and hand it to the handler right after, or leave it to a worker.

A lone event in a quiet process is handled at once instead: its handling transaction makes
it durable by itself, one write transaction instead of two (the common case: people type
one message at a time). Under load, events accepted at the same moment share one INSERT. A stored event is claimed for a
while by the process that stored it; if that process dies before handling it, any
replica's sweep (:meth:`Inbox.process`) takes it up once the claim lapses. The handler
removes the row in the transaction that records the event; that transaction first takes
every row of the channel still waiting, whichever replica accepted it, oldest first (see
:func:`bot.shell.pipe.batch.commit_batch`): one channel's events apply in the order they
were accepted, and a replica that finds its own row taken leaves the event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.core.model import InboundEvent
from bot.core.ports import Clock
from bot.shell.pipe.background import Background
from bot.shell.pipe.gathering import Gathering
from bot.shell.storage import queues
from bot.shell.storage.codec import decode_event
from bot.shell.storage.database import Transactor

log = logging.getLogger(__name__)

# How long an accepted event is this process's to handle; past it any replica may (the
# database de-duplicates if both do). Handling takes milliseconds: this only bounds how
# long the events a crashed replica had accepted wait (claim + sweep interval).
_INBOX_CLAIM = timedelta(seconds=10)
_INBOX_ATTEMPTS = queues.INBOX_ATTEMPTS  # an event failing this often stays in the inbox for a person
_INBOX_BATCH = 200  # events claimed from the inbox at a time
_ACCEPTED_WINDOW = 0.05  # seconds accepted events wait for others of their channel (one commit)

# Hands an accepted event to the handler: (event, window) -> handled.
Process = Callable[[InboundEvent, float], Awaitable[object]]
# Handles an event before the platform is answered; returns once it is committed.
HandleNow = Callable[[InboundEvent], Awaitable[object]]


class Inbox:
    def __init__(
        self, db: Transactor, clock: Clock, background: Background, process: Process, *, process_here: bool = True,
        handle_now: HandleNow | None = None, handler_idle: Callable[[], bool] = lambda: False,
    ) -> None:
        self._db = db
        self._clock = clock
        self._background = background
        self._process = process
        # False (a web-role process): accepted events are left in the inbox for the workers.
        self._process_here = process_here
        self._handle_now = handle_now
        self._handler_idle = handler_idle
        self._in_flight = 0  # stored events handed to the handler and not handled yet
        self._stores: Gathering[InboundEvent, bool] = Gathering(self._store, background.spawn)

    async def accept(self, event: InboundEvent) -> None:
        """Make ``event`` durable and see that it is processed; returns once it is durable."""
        if self._quiet() and self._handle_now is not None:
            try:
                await self._handle_now(event)
                return
            except Exception:
                # Not committed (or committed and failed after): the inbox keeps it for a retry,
                # and the database's de-duplication makes a second handling harmless.
                log.warning("handling event %s at once failed; keeping it in the inbox", event.event_id)
        # False: a copy is already waiting (a platform's retry)
        if await self._stores.submit(event) and self._process_here:
            self._in_flight += 1  # counted from now: the task below starts a loop turn later
            self._background.spawn(self._process_accepted(event, _ACCEPTED_WINDOW))

    def _quiet(self) -> bool:
        """Nothing stored or handled here that this event could overtake, or share a commit with."""
        return self._process_here and self._in_flight == 0 and not self._stores.waiting and self._handler_idle()

    async def _store(self, events: list[InboundEvent]) -> list[bool]:
        """One INSERT for events accepted together: whether each was stored now (new)."""
        claim = _INBOX_CLAIM if self._process_here else timedelta(0)
        stored = await self._db.write_statements(queues.add_to_inbox, events, self._clock.now(), claim)
        new = []
        for event in events:
            new.append(event.event_id in stored)
            stored.discard(event.event_id)  # the same event twice in one batch: processed once
        return new

    async def _process_accepted(self, event: InboundEvent, window: float) -> None:
        """Hand a stored event to the handler (counted in ``_in_flight`` by the caller)."""
        try:
            await self._process(event, window)
        except Exception:
            # Still in the inbox: process() takes it up again once its claim lapses.
            log.exception("processing accepted event %s for channel %s failed", event.event_id, event.channel)
        finally:
            self._in_flight -= 1

    async def process(self) -> int:
        """Process inbox events nobody holds: left for workers, or their process died; returns how many."""
        now = self._clock.now()
        if not await self._db.read(queues.inbox_claimable, now, _INBOX_ATTEMPTS):
            return 0
        rows = await self._db.write(queues.claim_inbox, now, _INBOX_CLAIM, _INBOX_ATTEMPTS, _INBOX_BATCH)
        events = []
        for row in rows:
            if row.attempts == _INBOX_ATTEMPTS:
                log.warning("inbox event %s: last attempt; it stays in the inbox if it fails", row.event_id)
            try:
                events.append(decode_event(row.payload))
            except Exception:  # written by a newer release, or damaged: left for a person
                log.error("inbox event %s cannot be read; it stays in the inbox", row.event_id)
        # All at once, oldest first: each channel's events queue in order and commit in batches
        # (they are all here already: no window to wait for more).
        self._in_flight += len(events)
        await asyncio.gather(*(self._process_accepted(event, 0) for event in events))
        return len(rows)

    async def run(self, stop: asyncio.Event, interval: float) -> None:
        """Process the inbox every ``interval`` seconds until ``stop``; at once again while more waits.

        Every replica sweeps now and then for the events of a replica that died; a worker
        (see ``VOORDENKEN_ROLE``) polls often, as the web replicas leave it all their events.
        """
        while not stop.is_set():
            try:
                full = await self.process() == _INBOX_BATCH
            except Exception:
                log.exception("inbox pass failed; retrying in %ss", interval)
                full = False
            if not full:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
