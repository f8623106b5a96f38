"""The pipe's middle stage: a channel's events, de-duplicated, decided and committed in batches.

Events queue behind their channel's others; one drainer per channel commits them (group
commit: under load a channel pays for one state load, one save and one commit per batch
instead of per event, and still nothing is acknowledged before it is durable). Decisions
are made before the transaction on the state this process knows (the write lock, which on
SQLite is the whole file's, is held only for the writes). A batch that enqueued messages
hands its channel to the outbox, with the head its transaction claimed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.model import (
    ChannelState,
    Decision,
    DraftWritten,
    Effect,
    InboundEvent,
    Purge,
    Schedule,
    Tick,
    WriteDraft,
)
from bot.core.ports import Clock
from bot.shell.flood import FloodGuard
from bot.shell.pipe.background import Background
from bot.shell.pipe.batch import Batch, Committed, Decide, HandleResult, commit_batch, has_messages, is_message
from bot.shell.pipe.gathering import fail
from bot.shell.pipe.known import KnownStates
from bot.shell.pipe.outbox import Outbox
from bot.shell.storage import purge, views
from bot.shell.storage.channels import LostRace
from bot.shell.storage.database import Transactor, is_outage

log = logging.getLogger(__name__)

_TRANSACTION_ATTEMPTS = 5
_BATCH_EVENTS = 64  # events of one channel decided and committed in one transaction, at most


class HandlerMetrics(Protocol):
    def event_handled(
        self, event: InboundEvent, *, duplicate: bool, effects: tuple[Effect, ...], seconds: float
    ) -> None: ...

    def event_failed(self, event: InboundEvent, seconds: float) -> None: ...


Delivery = asyncio.Task[tuple[int, bool]]


@dataclass(frozen=True, slots=True)
class _Pending:
    """An event waiting for its channel's drainer, and the caller waiting for its result."""

    event: InboundEvent
    accepted: bool  # waits in the inbox
    window: float  # seconds to wait for others of the channel before committing
    future: asyncio.Future[tuple[HandleResult, Delivery | None]]

    def settle(self, result: HandleResult, delivery: Delivery | None) -> None:
        if not self.future.done():  # the caller may have given up (cancelled)
            self.future.set_result((result, delivery))


class Handler:
    def __init__(
        self,
        db: Transactor,
        outbox: Outbox,
        background: Background,
        decide: Decide,
        new_state: Callable[[str], ChannelState],
        clock: Clock,
        *,
        flood: FloodGuard | None = None,
        metrics: HandlerMetrics | None = None,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._background = background
        self._decide = decide
        self._new_state = new_state
        self._clock = clock
        self._flood = flood  # None: no inbound flood control
        self._metrics = metrics  # None: nothing is counted (tests, CLI commands)
        # Locks live only while someone holds or awaits them.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._queues: dict[str, list[_Pending]] = {}  # events waiting for their channel's drainer
        self._known = KnownStates()
        self._alone: set[str] = set()  # channels whose events are being handled one by one
        self._wakeup_listeners: list[Callable[[datetime], None]] = []
        self._draft_listeners: list[Callable[[str, WriteDraft], None]] = []

    def add_wakeup_listener(self, listener: Callable[[datetime], None]) -> None:
        """Called with the time of every wakeup a handled event scheduled (after the commit)."""
        self._wakeup_listeners.append(listener)

    def add_draft_listener(self, listener: Callable[[str, WriteDraft], None]) -> None:
        """Called with the channel and every :class:`WriteDraft` a handled event asked for (after
        the commit, so a draft is never asked for by a decision that did not stick)."""
        self._draft_listeners.append(listener)

    def idle(self) -> bool:
        """Whether no event waits or is being handled here."""
        return not self._queues

    async def handle(self, event: InboundEvent, *, deliver: bool, accepted: bool, window: float) -> HandleResult:
        """Process ``event`` once (per event id); ``deliver``: wait for its messages to be delivered.

        ``accepted``: the event waits in the inbox; its row leaves in the transaction that
        records it. ``window``: seconds to wait for more of the channel's events.
        """
        started = time.perf_counter()
        try:
            result = await self._handle(event, deliver, accepted, window)
        except Exception:
            if self._metrics is not None:
                self._metrics.event_failed(event, time.perf_counter() - started)
            raise
        if self._metrics is not None:
            self._metrics.event_handled(
                event, duplicate=result.duplicate, effects=result.effects, seconds=time.perf_counter() - started
            )
        return result

    async def _handle(self, event: InboundEvent, deliver: bool, accepted: bool, window: float) -> HandleResult:
        if self._flood is not None:
            event = self._flood.check(event, self._clock.now())
        pending = _Pending(event, accepted, window, asyncio.get_running_loop().create_future())
        queue = self._queues.get(event.channel)
        if queue is not None:
            queue.append(pending)
        else:
            self._queues[event.channel] = [pending]
            self._background.spawn(self._drain(event.channel))
        result, delivery = await pending.future
        log.info(
            "event handled",
            extra={
                "channel": event.channel,
                "event_id": event.event_id,
                "event_type": type(event).__name__,
                "duplicate": result.duplicate,
                "effects": len(result.effects),
            },
        )
        if not result.duplicate:
            self._notify(event.channel, result.effects)
        if deliver and delivery is not None:
            await asyncio.shield(delivery)  # the outbox logs its own failures; the loop retries
        return result

    async def _drain(self, channel: str) -> None:
        queue = self._queues[channel]
        batch: list[_Pending] = []
        try:
            async with self._lock(channel):
                while queue:
                    # Let more events join this batch: a turn of the loop (requests already read
                    # by the server), or for events just accepted, whose platform has had its
                    # answer, a short window (a reply 50 ms later goes unnoticed; far fewer
                    # commits do not). A full batch waiting goes at once: a busy channel's
                    # throughput is not capped at one batch per window.
                    if len(queue) < _BATCH_EVENTS:
                        await asyncio.sleep(queue[0].window)
                    batch = queue[:_BATCH_EVENTS]
                    del queue[:_BATCH_EVENTS]
                    # Older events other replicas accepted went first; these wait their turn.
                    queue[:0] = await self._handle_batch(channel, batch)
                    batch = []
        except BaseException as error:  # cancelled at shutdown, or a bug here: nobody waits forever
            for pending in (*batch, *queue):
                fail(pending.future, error)
            raise
        finally:
            # No await since the queue was last seen empty: nothing can have joined it.
            if self._queues.get(channel) is queue:
                del self._queues[channel]

    async def _handle_batch(self, channel: str, batch: list[_Pending]) -> list[_Pending]:
        """Commit ``batch``; returns the events that must wait for older ones (hand them in again)."""
        try:
            committed = [await self._commit(channel, batch)]
            parts = [batch]
        except Exception as error:
            if len(batch) == 1 and is_outage(error):
                fail(batch[0].future, error)
                return []
            # One event that cannot be handled (this batch's, or one waiting in the inbox that
            # another replica accepted) must not take the others down with it: each alone,
            # without the waiting events.
            log.warning("a batch of %d events for channel %s failed; handling them one by one", len(batch), channel)
            committed, parts = [], []
            self._alone.add(channel)
            try:
                for pending in batch:
                    try:
                        committed.append(await self._commit(channel, [pending]))
                    except Exception as single_error:
                        fail(pending.future, single_error)
                    else:
                        parts.append([pending])
            finally:
                self._alone.discard(channel)
        if any(_purged(done) for done in committed):
            self._background.spawn(self.scrub())  # the purged rows' bytes, off the reply's path
        delivery = None
        replying = any(not isinstance(pending.event, Tick | DraftWritten) for pending in batch)
        for done in committed:
            if done.enqueued:
                delivery = self._outbox.deliver(channel, done.claim, replying=replying)
            if done.others:
                self._notify(channel, done.others)
        later = []
        for part, done in zip(parts, committed, strict=True):
            for pending, result in zip(part, done.results, strict=True):
                if result is None:
                    later.append(pending)
                    continue
                messages = not result.duplicate and any(is_message(effect) for effect in result.effects)
                pending.settle(result, delivery if messages else None)
        return later

    async def _commit(self, channel: str, batch: list[_Pending]) -> Committed:
        """One transaction for ``batch``, first taking the channel's waiting inbox rows (any
        replica's, oldest first): one channel's events apply in the order they were accepted.
        Events handled one by one after a failed batch take only their own rows."""
        events = [pending.event for pending in batch]
        take = 0 if channel in self._alone else _BATCH_EVENTS
        accepted = [pending.event.event_id for pending in batch if pending.accepted]
        # A person's own event is answered at once: per-chat rate limits are waived for it.
        replying = any(not isinstance(event, Tick | DraftWritten) for event in events)
        for attempt in range(1, _TRANSACTION_ATTEMPTS + 1):
            known = self._known.pop(channel)  # back (most recent) only once committed
            now = self._clock.now()
            # Decided before the transaction, on the state known here: the write lock (SQLite's
            # is the whole file's, other processes wait for it) is held only for the writes.
            try:
                planned = self._plan(known.state, events, now) if known is not None else None
            except Exception:  # decided again in the transaction, which skips duplicates (or raises)
                planned = None
            # Claim the head in the transaction only when it can go out right after it.
            claim = (planned is None or has_messages(planned)) and self._outbox.may_claim(channel, replying=replying)
            try:
                committed = await self._db.write(
                    commit_batch, Batch(channel, events, accepted, now, known, planned, claim, take),
                    self._decide, self._new_state,
                )
            except BaseException as error:
                if claim:
                    self._outbox.unclaimed(channel)
                if not isinstance(error, LostRace):
                    raise
                log.info("lost a race on channel %s (attempt %d); retrying", channel, attempt)
                continue
            if claim and committed.claim is None:
                self._outbox.unclaimed(channel)
            if committed.stored is not None:
                self._known.put(channel, committed.stored)
            return committed
        raise RuntimeError(f"channel {channel}: gave up after {_TRANSACTION_ATTEMPTS} lost races")

    def _plan(self, state: ChannelState, events: list[InboundEvent], now: datetime) -> list[Decision]:
        """Each event decided on the state the previous one left (``decide`` is pure)."""
        decisions = []
        for event in events:
            decision = self._decide(state, event, now)
            decisions.append(decision)
            state = decision.state
        return decisions

    def _notify(self, channel: str, effects: tuple[Effect, ...]) -> None:
        for effect in effects:
            if isinstance(effect, Schedule):
                for listener in self._wakeup_listeners:
                    try:
                        listener(effect.at)
                    except Exception:
                        log.exception("wakeup listener failed")
            elif isinstance(effect, WriteDraft):
                for draft_listener in self._draft_listeners:
                    try:
                        draft_listener(channel, effect)
                    except Exception:
                        log.exception("draft listener failed")

    # ----------------------------------------------------------------------- forgetting

    async def delete_channel(self, channel: str, reason: str = "Purge", *, scrub: bool = True) -> bool:
        """Forget everything about a channel in one transaction (see :mod:`bot.shell.storage.purge`),
        then (``scrub``) leave no copy of it in the database's files.

        The event log keeps one content-free line saying that (and why) a purge happened.
        """
        async with self._lock(channel):
            self._known.pop(channel)
            deleted = await self._db.write(purge.delete_channel, channel, reason, self._clock.now())
        if deleted and scrub:
            await self.scrub()
        return deleted

    async def scrub(self) -> None:
        """After a purge: no copy of what it deleted left in the database's files. A failure is
        logged, not raised: the purge itself is committed."""
        try:
            await self._db.scrub(purge.PURGED_TABLES)
        except Exception:
            log.warning("could not scrub the database files after a purge", exc_info=True)

    async def purge_expired(self, max_idle: timedelta) -> list[str]:
        """Retention: delete the content of every channel untouched for longer than ``max_idle``."""
        expired = await self._db.read(views.idle_channels, self._clock.now() - max_idle)
        purged = [channel for channel in expired
                  if await self.delete_channel(channel, "RetentionPurge", scrub=False)]
        if purged:
            await self.scrub()  # once for them all
            log.info("retention purged %d channel(s)", len(purged))
        return purged

    def _lock(self, channel: str) -> asyncio.Lock:
        lock = self._locks.get(channel)
        if lock is None:
            lock = self._locks[channel] = asyncio.Lock()
        return lock


def _purged(done: Committed) -> bool:
    """Whether ``done`` applied a purge (of this replica's events or of ones another accepted)."""
    effects = [effect for result in done.results if result is not None for effect in result.effects]
    return any(isinstance(effect, Purge) for effect in (*effects, *done.others))
