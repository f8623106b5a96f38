"""The service layer: the imperative shell around the pure engine.

``handle`` turns inbound events into database transactions (de-duplicate, load, decide,
save, log, enqueue messages, record wakeups; a channel's queued events share one) and
then delivers the channel's outbox. ``accept`` stores an event in the inbox first, for
platforms that must be answered at once; it is processed right after, or by a worker
process (``VOORDENKEN_ROLE``). Transactions are synchronous functions run by
:class:`Transactor`. Messages are written to the outbox in the same transaction as the
state that caused them, so a crash after the commit delays a message but never loses
it; ``deliver_pending`` (at start-up and in ``run_outbox``) picks it up.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import logging
import time
import weakref
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import (
    ChannelState,
    Decision,
    Edit,
    Effect,
    InboundEvent,
    Notify,
    Observed,
    OutboundMessage,
    Post,
    Purge,
    Reply,
    Schedule,
    Tick,
    Unschedule,
    platform_of,
)
from bot.core.ports import Clock, DeliveryError, PermanentDeliveryError, RateLimited, Transport
from bot.shell.flood import FloodGuard
from bot.shell.ratelimit import RateLimiter
from bot.shell.storage import channels as stored_channels
from bot.shell.storage import purge, queues, views
from bot.shell.storage.channels import LostRace, StoredState
from bot.shell.storage.codec import decode_event
from bot.shell.storage.database import Transactor
from bot.shell.storage.queues import Claim, OutboxRow
from bot.shell.storage.views import Views

log = logging.getLogger(__name__)

Decide = Callable[[ChannelState, InboundEvent, datetime], Decision]

_TRANSACTION_ATTEMPTS = 5
_MAX_BACKOFF = timedelta(seconds=300)
# Set while a person's own event is answered inline: per-chat rate limits are waived for it.
_REPLYING: contextvars.ContextVar[bool] = contextvars.ContextVar("replying", default=False)
# How long a claimed outbox row stays ours; past it another deliverer may retry it.
_CLAIM_LEASE = timedelta(seconds=120)
# How long an accepted event is this process's to handle; past it any replica may (the
# database de-duplicates if both do). Handling takes milliseconds: this only bounds how
# long the events a crashed replica had accepted wait (claim + sweep interval).
_INBOX_CLAIM = timedelta(seconds=10)
_INBOX_ATTEMPTS = 8  # an event failing this often stays in the inbox for a person to look at
_INBOX_BATCH = 200  # events claimed from the inbox at a time
_ACCEPT_TURNS = 3  # turns of the event loop accepted events wait for others (one inbox commit)
_ACCEPTED_WINDOW = 0.05  # seconds accepted events wait for others of their channel (one commit)
# Events of one channel decided and committed in one transaction, at most.
_BATCH_EVENTS = 64
# Stored states kept decoded (see ``_KnownStates``): at most this many channels and
# characters of JSON; the least recently used go first.
_KNOWN_CHANNELS = 1024
_KNOWN_CHARS = 32 * 1024 * 1024


class ServiceMetrics(Protocol):
    """What the service reports; :class:`bot.shell.metrics.Metrics` implements it for Prometheus."""

    def event_handled(
        self, event: InboundEvent, *, duplicate: bool, effects: tuple[Effect, ...], seconds: float
    ) -> None: ...

    def event_failed(self, event: InboundEvent, seconds: float) -> None: ...

    def message_delivered(self, channel: str, message: OutboundMessage) -> None: ...

    def delivery_failed(self, channel: str) -> None: ...

    def delivery_retry(self, channel: str, reason: str) -> None: ...


@dataclass(frozen=True)
class HandleResult:
    duplicate: bool
    effects: tuple[Effect, ...]


def _describe(error: BaseException) -> str:
    """A short, text-free description for the outbox row and the logs.

    Transports write ``DeliveryError`` details deliberately (an API error code); any other
    exception's text might quote the message, so only its class name is kept.
    """
    if isinstance(error, DeliveryError):
        return f"{type(error).__name__}: {error}"[:200]
    return type(error).__name__


def _backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... seconds after the first, second, third ... failure, capped at 300 s."""
    return min(timedelta(seconds=2 ** min(attempts - 1, 16)), _MAX_BACKOFF)


class ChannelService:
    def __init__(
        self,
        engine: AsyncEngine,
        decide: Decide,
        new_state: Callable[[str], ChannelState],
        clock: Clock,
        transports: Mapping[str, Transport] | None = None,
        max_attempts: int = 8,
        limiter: RateLimiter | None = None,
        flood: FloodGuard | None = None,
        metrics: ServiceMetrics | None = None,
        process_accepted: bool = True,
    ) -> None:
        self._db = Transactor(engine)
        # False (a web-role process): accepted events are left in the inbox for the workers.
        self._process_accepted_here = process_accepted
        self._decide = decide
        self._new_state = new_state
        self._clock = clock
        self._transports: dict[str, Transport] = dict(transports or {})
        self._max_attempts = max_attempts
        self.repository = Views(self._db)
        # Locks live only while someone holds or awaits them.
        self._handle_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._delivery_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._missing_transport_logged: set[str] = set()
        self._wake: asyncio.Event | None = None  # created inside the running loop by run_outbox
        self._limiter = limiter  # None: no outbound rate limits (tests, console)
        self._metrics = metrics  # None: nothing is counted (tests, CLI commands)
        self._flood = flood  # None: no inbound flood control
        self._background: set[asyncio.Task[None]] = set()  # drainers; deliveries after handle(deliver=False)
        self._queues: dict[str, list[_Pending]] = {}  # events waiting for their channel's drainer
        self._accepting: list[tuple[InboundEvent, asyncio.Future[bool]]] = []  # for the next inbox write
        self._wakeup_listeners: list[Callable[[datetime], None]] = []
        # The state this process last stored or loaded per channel: when the row is unchanged
        # (compared in the transaction) it is not decoded again. Touched on the loop thread only.
        self._known = _KnownStates(_KNOWN_CHANNELS, _KNOWN_CHARS)

    def add_wakeup_listener(self, listener: Callable[[datetime], None]) -> None:
        """Called with the time of every wakeup a handled event scheduled (after the commit)."""
        self._wakeup_listeners.append(listener)

    def add_transport(self, transport: Transport) -> None:
        self._transports[transport.platform] = transport
        self._missing_transport_logged.discard(transport.platform)

    def remove_transport(self, platform: str) -> None:
        """Stop delivering for ``platform`` here (its messages stay pending for another replica)."""
        self._transports.pop(platform, None)
        self._missing_transport_logged.add(platform)  # expected, not worth a warning

    # ----------------------------------------------------------------------- inbound

    async def accept(self, event: InboundEvent) -> None:
        """Store ``event`` in the inbox, then process it in the background; returns once stored.

        For platforms that must be answered fast and retry what they think was lost (Slack):
        answer after this, and the event is durable but its processing is not waited for.
        Events accepted at the same moment share one transaction. If this process dies before
        processing, any replica's :meth:`process_inbox` takes the event up once its claim lapses.
        A web-role process leaves every event unclaimed, for the workers' :meth:`run_inbox`.
        """
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._accepting.append((event, future))
        if len(self._accepting) == 1:
            self._in_background(self._store_accepted())
        # False: a copy is already waiting (a platform's retry)
        if await future and self._process_accepted_here:
            self._in_background(self._process_accepted(event, _ACCEPTED_WINDOW))

    async def _store_accepted(self) -> None:
        # A few turns of the loop: requests the server has already read reach accept() in about
        # this many, and join this transaction (under load: a commit for each few requests).
        for _ in range(_ACCEPT_TURNS):
            await asyncio.sleep(0)
        batch, self._accepting = self._accepting, []
        claim = _INBOX_CLAIM if self._process_accepted_here else timedelta(0)
        try:
            events = [event for event, _ in batch]
            stored = await self._db.write_statements(queues.add_to_inbox, events, self._clock.now(), claim)
        except BaseException as error:
            for _, future in batch:
                _fail(future, error)
            if not isinstance(error, Exception):
                raise
            return
        for event, future in batch:
            if not future.done():
                future.set_result(event.event_id in stored)
                stored.discard(event.event_id)  # the same event twice in one batch: processed once

    async def _process_accepted(self, event: InboundEvent, window: float) -> None:
        try:
            # Delivered in the background: a slow platform call must not hold up the next
            # inbox claim (a worker's other channels).
            await self._handle_timed(event, deliver=False, accepted=True, window=window)
        except Exception:
            # Still in the inbox: process_inbox takes it up again once its claim lapses.
            log.exception("processing accepted event %s for channel %s failed", event.event_id, event.channel)

    async def process_inbox(self) -> int:
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
        await asyncio.gather(*(self._process_accepted(event, 0) for event in events))
        return len(rows)

    async def run_inbox(self, stop: asyncio.Event, interval: float) -> None:
        """Process the inbox every ``interval`` seconds until ``stop``; at once again while more waits.

        Every replica sweeps now and then for the events of a replica that died; a worker
        (see ``VOORDENKEN_ROLE``) polls often, as the web replicas leave it all their events.
        """
        while not stop.is_set():
            try:
                full = await self.process_inbox() == _INBOX_BATCH
            except Exception:
                log.exception("inbox pass failed; retrying in %ss", interval)
                full = False
            if not full:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)

    async def drain(self) -> None:
        """Wait for background work (accepted events, deliveries) to finish: before shutting down."""
        while self._background:
            await asyncio.wait(set(self._background))

    async def handle(self, event: InboundEvent, *, deliver: bool = True) -> HandleResult:
        """Process ``event`` exactly once (per event id), then deliver the channel's outbox.

        With ``deliver=False`` it returns as soon as the event is committed (durable) and
        delivers in the background: for callers that must answer the platform quickly.
        """
        return await self._handle_timed(event, deliver=deliver, accepted=False, window=0)

    async def _handle_timed(self, event: InboundEvent, *, deliver: bool, accepted: bool, window: float) -> HandleResult:
        """``accepted``: the event waits in the inbox (see :meth:`accept`); its row leaves in the
        transaction that records it. ``window``: seconds to wait for more of the channel's events."""
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
        result = await self._enqueue(event, accepted, window)
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
            self._notify_wakeups(result.effects)
        if not result.duplicate and any(isinstance(e, Post | Reply | Notify | Edit) for e in result.effects):
            if deliver:
                await self._deliver_after(event)
            else:
                self._in_background(self._deliver_after(event))
        return result

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _enqueue(self, event: InboundEvent, accepted: bool, window: float) -> HandleResult:
        """Queue ``event`` behind its channel's others; one drainer per channel commits them.

        Events that queue up while a transaction runs are decided and committed together in
        the next one (group commit): under load a channel pays for one state load, one save
        and one commit per batch instead of per event, and still nothing is acknowledged
        before it is durable.
        """
        pending = _Pending(event, accepted, window, asyncio.get_running_loop().create_future())
        queue = self._queues.get(event.channel)
        if queue is not None:
            queue.append(pending)
        else:
            self._queues[event.channel] = [pending]
            self._in_background(self._drain(event.channel))
        return await pending.future

    async def _drain(self, channel: str) -> None:
        queue = self._queues[channel]
        batch: list[_Pending] = []
        try:
            async with self._lock(self._handle_locks, channel):
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
                    await self._handle_batch(channel, batch)
                    batch = []
        except BaseException as error:  # cancelled at shutdown, or a bug here: nobody waits forever
            for pending in (*batch, *queue):
                pending.fail(error)
            raise
        finally:
            # No await since the queue was last seen empty: nothing can have joined it.
            if self._queues.get(channel) is queue:
                del self._queues[channel]

    async def _handle_batch(self, channel: str, batch: list[_Pending]) -> None:
        try:
            results = await self._handle_in_transaction(channel, batch)
        except Exception as error:
            if len(batch) == 1:
                batch[0].fail(error)
                return
            # One event that cannot be handled must not take the others down with it.
            log.warning("a batch of %d events for channel %s failed; handling them one by one", len(batch), channel)
            for pending in batch:
                try:
                    (result,) = await self._handle_in_transaction(channel, [pending])
                except Exception as single_error:
                    pending.fail(single_error)
                else:
                    pending.settle(result)
            return
        for pending, result in zip(batch, results, strict=True):
            pending.settle(result)

    async def _deliver_after(self, event: InboundEvent) -> None:
        replying = _REPLYING.set(not isinstance(event, Tick))
        try:
            _, waiting = await self._deliver_channel(event.channel)
        except Exception:
            # Committed already; the outbox loop or the next start retries delivery.
            log.exception("delivery after handling failed for channel %s", event.channel)
            waiting = True
        finally:
            _REPLYING.reset(replying)
        # Left waiting: the outbox loop looks at once (a retry may be due very soon) rather than
        # after its poll interval. Delivered: nothing for it to do, and no query to make.
        if waiting and self._wake is not None:
            self._wake.set()

    def _notify_wakeups(self, effects: tuple[Effect, ...]) -> None:
        for effect in effects:
            if isinstance(effect, Schedule):
                for listener in self._wakeup_listeners:
                    try:
                        listener(effect.at)
                    except Exception:
                        log.exception("wakeup listener failed")

    async def _handle_in_transaction(self, channel: str, batch: list[_Pending]) -> list[HandleResult]:
        events = [pending.event for pending in batch]
        accepted = [pending.event.event_id for pending in batch if pending.accepted]
        for attempt in range(1, _TRANSACTION_ATTEMPTS + 1):
            known = self._known.pop(channel)  # back (most recent) only once committed
            now = self._clock.now()
            # Decided before the transaction, on the state known here: the write lock (SQLite's
            # is the whole file's, other processes wait for it) is held only for the writes.
            try:
                planned = self._plan(known.state, events, now) if known is not None else None
            except Exception:  # decided again in the transaction, which skips duplicates (or raises)
                planned = None
            try:
                results, stored = await self._db.write(
                    self._apply_sync, channel, events, accepted, now, known, planned
                )
            except LostRace:
                log.info("lost a race on channel %s (attempt %d); retrying", channel, attempt)
                continue
            if stored is not None:
                self._known.put(channel, stored)
            return results
        raise RuntimeError(f"channel {channel}: gave up after {_TRANSACTION_ATTEMPTS} lost races")

    def _plan(self, state: ChannelState, events: list[InboundEvent], now: datetime) -> list[Decision]:
        """Each event decided on the state the previous one left (``decide`` is pure)."""
        decisions = []
        for event in events:
            decision = self._decide(state, event, now)
            decisions.append(decision)
            state = decision.state
        return decisions

    def _apply_sync(
        self,
        connection: Connection,
        channel: str,
        events: list[InboundEvent],
        accepted: list[str],
        now: datetime,
        known: StoredState | None,
        planned: list[Decision] | None = None,
    ) -> tuple[list[HandleResult], StoredState | None]:
        """The whole transaction for a channel's events, synchronously (see :class:`Transactor`).

        Each event is de-duplicated, decided on the state the previous one left, logged and
        its effects recorded; the state is saved once at the end, and ``accepted`` events
        leave the inbox. Returns one result per event and the channel's stored state
        afterwards (None: not stored). ``planned``: the decisions on ``known`` made before
        the transaction, used when every event is new (else each is decided here again).
        """
        if accepted:
            queues.remove_from_inbox(connection, accepted)
        # ``known`` is decided on unverified (one round trip less): the save's compare-and-set
        # checks it, or ``verify`` does where nothing is saved. A stale one is a lost race.
        unverified = known is not None
        stored = known if known is not None else stored_channels.load_channel(connection, channel)
        base = stored  # what the row holds in this transaction (None: no row)
        state = stored.state if stored is not None else self._new_state(channel)
        dirty = False

        def verify() -> None:
            nonlocal unverified
            if unverified and stored_channels.load_channel(connection, channel, known) is not known:
                raise LostRace(channel)
            unverified = False

        results: list[HandleResult] = []
        lines: list[queues.LogLine] = []
        new = queues.mark_processed(connection, [(event.event_id, channel) for event in events], now)
        # A duplicate changes what the events after it were decided on: then decide them here.
        decisions = iter(planned) if planned is not None and len(new) == len(events) else None
        for event in events:
            if event.event_id not in new:
                log.debug("duplicate event %s for channel %s", event.event_id, channel)
                results.append(HandleResult(duplicate=True, effects=()))
                continue
            new.discard(event.event_id)  # a second copy in this batch is a duplicate too
            decision = next(decisions) if decisions is not None else self._decide(state, event, now)
            if decision.state.channel != channel:
                raise ValueError(f"decide returned state for {decision.state.channel!r}, not {channel!r}")
            changed = decision.state is not state  # (a new object may still hold the same contents)
            if any(isinstance(effect, Purge) for effect in decision.effects):
                verify()
                # Content goes first; the purge itself stays visible in the event log only.
                purge.purge_channel(connection, channel)
                base, dirty = None, changed and decision.state != state
            elif not dirty:
                # An unchanged state costs no save; once one is due, a long session's states
                # need not be compared field by field again.
                dirty = changed and decision.state != state
            lines.append(queues.LogLine(event.event_id, type(event).__name__, decision.effects))
            for effect in decision.effects:
                self._record(connection, channel, effect, now)
            results.append(HandleResult(duplicate=False, effects=decision.effects))
            state = decision.state
        queues.append_log(connection, channel, now, lines)
        if dirty:
            return results, stored_channels.save_channel(connection, state, base, now)
        verify()
        return results, base

    @staticmethod
    def _record(connection: Connection, channel: str, effect: Effect, now: datetime) -> None:
        match effect:
            case Post() | Reply() | Notify() | Edit():
                queues.enqueue(connection, channel, effect, now)
            case Schedule(kind=kind, at=at):
                queues.set_wakeup(connection, channel, kind, at)
            case Unschedule(kind=kind):
                queues.clear_wakeup(connection, channel, kind)
            case Observed(what=what, detail=detail):
                log.debug("observed in %s: %s %s", channel, what, detail)
            case Purge():
                log.info("channel %s purged", channel)
            case _:
                raise TypeError(f"unknown effect: {type(effect).__name__}")

    # ----------------------------------------------------------------------- outbound

    async def deliver_pending(self, channel: str | None = None) -> int:
        """Deliver due outbox messages (of one channel, or all); returns how many were sent."""
        if channel is not None:
            channels = [channel]
        else:
            channels = await self._db.read(queues.channels_with_due_messages, self._clock.now())
        sent = 0
        for name in channels:
            sent += (await self._deliver_channel(name))[0]
        return sent

    async def _deliver_channel(self, channel: str) -> tuple[int, bool]:
        """Deliver the channel's due messages in order: how many were sent, and whether its
        head was left waiting (a rate limit, a retry later)."""
        transport = self._transports.get(platform_of(channel))
        if transport is None:
            platform = platform_of(channel)
            if platform not in self._missing_transport_logged:
                self._missing_transport_logged.add(platform)
                log.warning("no transport for platform %r; its messages stay pending", platform)
            return 0, False
        sent = 0
        async with self._lock(self._delivery_locks, channel):
            while True:
                limiter = self._limiter
                if limiter is not None and limiter.try_acquire(channel, chat_limits=not _REPLYING.get()) > 0:
                    return sent, True  # over the platform's rate: stays pending
                claimed = await self._db.write(self._claim_sync, channel, self._clock.now())
                if claimed is None:
                    if self._limiter is not None:
                        self._limiter.refund(channel)
                    return sent, False
                (row, more), target = claimed
                outcome = await self._deliver_row(row, transport, target)
                if outcome is _Outcome.WAIT:
                    return sent, True  # the head must wait (rate limit or backoff): keep the order
                sent += outcome is _Outcome.SENT
                if not more:
                    # Nothing was queued behind it. A message enqueued since is delivered by the
                    # handle() that enqueued it (it waits for our lock) or by the outbox loop.
                    return sent, False

    @staticmethod
    def _claim_sync(connection: Connection, channel: str, now: datetime) -> tuple[Claim, str | None] | None:
        """Claim the channel's head and look up the platform message an Edit replaces."""
        claim = queues.claim_head(connection, channel, now, _CLAIM_LEASE)
        if claim is None:
            return None
        message = claim.row.message
        target = queues.message_ref(connection, channel, message.key) if isinstance(message, Edit) else None
        return claim, target

    async def _deliver_row(self, row: OutboxRow, transport: Transport, target: str | None) -> _Outcome:
        channel, message = row.channel, row.message
        try:
            platform_id = await transport.deliver(channel, message, target)
        except RateLimited as error:
            retry_at = self._clock.now() + timedelta(seconds=max(error.retry_after, 0.0))
            await self._db.write(queues.settle_retry, row.id, retry_at, _describe(error))
            log.info("rate limited in channel %s; retrying after %ss", channel, error.retry_after)
            if self._metrics is not None:
                self._metrics.delivery_retry(channel, "rate_limited")
            return _Outcome.WAIT
        except PermanentDeliveryError as error:
            await self._db.write(queues.settle_failed, row.id, _describe(error))
            log.warning("outbox %d for channel %s failed permanently: %s", row.id, channel, _describe(error))
            if self._metrics is not None:
                self._metrics.delivery_failed(channel)
            return _Outcome.FAILED
        except Exception as error:
            attempts = row.attempts + 1
            log.debug("delivery error detail for outbox %d", row.id, exc_info=True)
            if attempts >= self._max_attempts:
                await self._db.write(queues.settle_failed, row.id, _describe(error))
                log.warning(
                    "outbox %d for channel %s failed after %d attempts: %s",
                    row.id,
                    channel,
                    attempts,
                    _describe(error),
                )
                if self._metrics is not None:
                    self._metrics.delivery_failed(channel)
                return _Outcome.FAILED
            retry_at = self._clock.now() + _backoff(attempts)
            await self._db.write(queues.settle_retry, row.id, retry_at, _describe(error))
            log.info(
                "outbox %d for channel %s: attempt %d failed (%s)",
                row.id,
                channel,
                attempts,
                _describe(error),
            )
            if self._metrics is not None:
                self._metrics.delivery_retry(channel, "error")
            return _Outcome.WAIT
        await self._db.write(self._settle_sent_sync, row, platform_id, self._clock.now())
        if self._metrics is not None:
            self._metrics.message_delivered(channel, message)
        return _Outcome.SENT

    @staticmethod
    def _settle_sent_sync(connection: Connection, row: OutboxRow, platform_id: str | None, now: datetime) -> None:
        queues.settle_sent(connection, row.id, platform_id, now)
        message = row.message
        key = message.key if isinstance(message, Post | Edit) else None
        if key is not None and platform_id is not None:
            queues.set_message_ref(connection, row.channel, key, platform_id, now)

    async def run_outbox(self, stop: asyncio.Event, poll_interval: float = 0.5) -> None:
        """Deliver due messages until ``stop`` is set; ``handle`` wakes it early."""
        self._wake = wake = asyncio.Event()
        try:
            while not stop.is_set():
                wake.clear()
                try:
                    await self.deliver_pending()
                except Exception:
                    log.exception("outbox pass failed; retrying in %ss", poll_interval)
                waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())}
                try:
                    await asyncio.wait(waiters, timeout=poll_interval, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waiters:
                        waiter.cancel()
                    await asyncio.gather(*waiters, return_exceptions=True)
        finally:
            if self._wake is wake:
                self._wake = None

    # ----------------------------------------------------------------------- queries

    async def get_state(self, channel: str) -> ChannelState | None:
        return await self.repository.get_state(channel)

    async def all_states(self) -> list[ChannelState]:
        return await self.repository.all_states()

    async def overviews(self, prefix: str) -> list[ChannelState]:
        """Channels under ``prefix`` without their answers, drafts, parked items and tasks."""
        return await self.repository.overviews(prefix)

    async def delete_channel(self, channel: str, reason: str = "Purge") -> bool:
        """Forget a channel's content (state, outbox, message refs, wakeups) in one transaction.

        The event log keeps one content-free line saying that (and why) it happened.
        """
        async with self._lock(self._handle_locks, channel):
            self._known.pop(channel)
            return await self._db.write(purge.delete_channel, channel, reason, self._clock.now())

    async def purge_expired(self, max_idle: timedelta) -> list[str]:
        """Retention: delete the content of every channel untouched for longer than ``max_idle``."""
        expired = await self._db.read(views.idle_channels, self._clock.now() - max_idle)
        purged = [channel for channel in expired if await self.delete_channel(channel, "RetentionPurge")]
        if purged:
            log.info("retention purged %d channel(s)", len(purged))
        return purged

    @staticmethod
    def _lock(locks: weakref.WeakValueDictionary[str, asyncio.Lock], channel: str) -> asyncio.Lock:
        lock = locks.get(channel)
        if lock is None:
            lock = locks[channel] = asyncio.Lock()
        return lock


class _KnownStates:
    """A small LRU of stored channel states, bounded in channels and JSON characters.

    Only a shortcut: ``load_channel`` uses an entry only when the stored row still matches
    it exactly, so a stale entry (another process wrote) costs one decode, never correctness.
    """

    def __init__(self, max_channels: int, max_chars: int) -> None:
        self._entries: dict[str, StoredState] = {}
        self._max_channels = max_channels
        self._max_chars = max_chars
        self._chars = 0

    def pop(self, channel: str) -> StoredState | None:
        entry = self._entries.pop(channel, None)
        if entry is not None:
            self._chars -= entry.size
        return entry

    def put(self, channel: str, entry: StoredState) -> None:
        self.pop(channel)
        if entry.size > self._max_chars:
            return
        self._entries[channel] = entry  # dicts keep insertion order: the oldest come first
        self._chars += entry.size
        while len(self._entries) > self._max_channels or self._chars > self._max_chars:
            self.pop(next(iter(self._entries)))


@dataclass(frozen=True, slots=True)
class _Pending:
    """An event waiting for its channel's drainer, and the caller waiting for its result."""

    event: InboundEvent
    accepted: bool  # waits in the inbox
    window: float  # seconds to wait for others of the channel before committing
    future: asyncio.Future[HandleResult]

    def settle(self, result: HandleResult) -> None:
        if not self.future.done():  # the caller may have given up (cancelled)
            self.future.set_result(result)

    def fail(self, error: BaseException) -> None:
        _fail(self.future, error)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    """Hand ``error`` to whoever waits on ``future`` (if still waiting)."""
    if future.done():
        return
    if isinstance(error, Exception):
        future.set_exception(error)
    else:  # cancelled (or exiting): so is the wait
        future.cancel()


class _Outcome(enum.Enum):
    SENT = "sent"
    FAILED = "failed"  # settled as failed; the next message may go
    WAIT = "wait"  # to be retried later; later messages wait behind it
