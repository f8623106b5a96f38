"""The service layer: the imperative shell around the pure engine, as a one-way pipe.

inbox (:mod:`bot.shell.pipe.inbox`: store an event first, for platforms that must be answered
at once) -> handler (:mod:`bot.shell.pipe.handler`: de-duplicate, load, decide, commit a
channel's batch; :mod:`bot.shell.pipe.batch` is its transaction) -> outbox
(:mod:`bot.shell.pipe.outbox`: claim, deliver, settle, retry). :class:`ChannelService` only
builds the stages on the unit of work it is given (a :class:`Transactor`, made by the
composition root) and forwards to them.

Guarantees: nothing is acknowledged before it is durable; each event id is processed once
(the database de-duplicates, across replicas too); a message is written in the same
transaction as the state that caused it, so a crash after the commit delays it but never
loses it (``deliver_pending``, at start-up and in ``run_outbox``, picks it up); one
channel's messages go out in order; a message whose deliverer died is retried once its
claim's lease (two minutes) has passed, so it may go out twice across a crash, never
otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.model import ChannelState, InboundEvent, WriteDraft
from bot.core.ports import Clock, Transport
from bot.shell.flood import FloodGuard
from bot.shell.pipe.background import Background
from bot.shell.pipe.batch import Decide, HandleResult
from bot.shell.pipe.handler import Handler, HandlerMetrics
from bot.shell.pipe.inbox import Inbox
from bot.shell.pipe.outbox import GIVE_UP_AFTER, DeliveryMetrics, Outbox
from bot.shell.ratelimit import RateLimiter
from bot.shell.storage.database import Transactor
from bot.shell.storage.views import Views

__all__ = ["ChannelService", "HandleResult", "ServiceMetrics"]


class ServiceMetrics(HandlerMetrics, DeliveryMetrics, Protocol):
    """What the service reports; :class:`bot.shell.metrics.Metrics` implements it for Prometheus."""


class ChannelService:
    def __init__(
        self,
        db: Transactor,
        decide: Decide,
        new_state: Callable[[str], ChannelState],
        clock: Clock,
        transports: Mapping[str, Transport] | None = None,
        give_up_after: timedelta = GIVE_UP_AFTER,
        limiter: RateLimiter | None = None,
        flood: FloodGuard | None = None,
        metrics: ServiceMetrics | None = None,
        process_accepted: bool = True,
    ) -> None:
        self._background = Background()
        self._outbox = Outbox(db, clock, self._background, transports, give_up_after=give_up_after,
                              limiter=limiter, metrics=metrics)
        self._handler = Handler(db, self._outbox, self._background, decide, new_state, clock,
                                flood=flood, metrics=metrics)
        self._inbox = Inbox(db, clock, self._background, self._process_accepted, process_here=process_accepted,
                            handle_now=self._handle_now, handler_idle=self._handler.idle)
        self.repository = Views(db)

    def add_wakeup_listener(self, listener: Callable[[datetime], None]) -> None:
        """Called with the time of every wakeup a handled event scheduled (after the commit)."""
        self._handler.add_wakeup_listener(listener)

    def add_draft_listener(self, listener: Callable[[str, WriteDraft], None]) -> None:
        """Called with the channel and each language-model draft an event asked for (after the commit)."""
        self._handler.add_draft_listener(listener)

    def add_transport(self, transport: Transport) -> None:
        self._outbox.add_transport(transport)

    def remove_transport(self, platform: str) -> None:
        """Stop delivering for ``platform`` here (its messages stay pending for another replica)."""
        self._outbox.remove_transport(platform)

    # ----------------------------------------------------------------------- inbound

    async def accept(self, event: InboundEvent) -> None:
        """Store ``event`` in the inbox, then process it in the background; returns once stored.

        For platforms that must be answered fast and retry what they think was lost (Slack):
        answer after this, and the event is durable but its processing is not waited for.
        Events accepted at the same moment share one transaction. If this process dies before
        processing, any replica's :meth:`process_inbox` takes the event up once its claim lapses.
        A web-role process leaves every event unclaimed, for the workers' :meth:`run_inbox`.
        """
        await self._inbox.accept(event)

    async def _process_accepted(self, event: InboundEvent, window: float) -> HandleResult:
        # Delivered in the background: a slow platform call must not hold up the next inbox
        # claim (a worker's other channels).
        return await self._handler.handle(event, deliver=False, accepted=True, window=window)

    async def _handle_now(self, event: InboundEvent) -> HandleResult:
        return await self._handler.handle(event, deliver=False, accepted=False, window=0)

    async def process_inbox(self) -> int:
        """Process inbox events nobody holds: left for workers, or their process died; returns how many."""
        return await self._inbox.process()

    async def run_inbox(self, stop: asyncio.Event, interval: float) -> None:
        """Process the inbox every ``interval`` seconds until ``stop`` (see :meth:`Inbox.run`)."""
        await self._inbox.run(stop, interval)

    async def handle(self, event: InboundEvent, *, deliver: bool = True) -> HandleResult:
        """Process ``event`` exactly once (per event id), then deliver the channel's outbox.

        With ``deliver=False`` it returns as soon as the event is committed (durable) and
        delivers in the background: for callers that must answer the platform quickly.
        """
        return await self._handler.handle(event, deliver=deliver, accepted=False, window=0)

    async def drain(self) -> None:
        """Wait for background work (accepted events, deliveries) to finish: before shutting down."""
        await self._background.drain()

    # ----------------------------------------------------------------------- outbound

    async def deliver_pending(self, channel: str | None = None) -> int:
        """Deliver due outbox messages (of one channel, or all); returns how many were sent."""
        return await self._outbox.deliver_pending(channel)

    async def run_outbox(self, stop: asyncio.Event, poll_interval: float = 0.5) -> None:
        """Deliver due messages until ``stop`` is set; handling wakes it early."""
        await self._outbox.run(stop, poll_interval)

    # ----------------------------------------------------------------------- queries

    async def get_state(self, channel: str) -> ChannelState | None:
        return await self.repository.get_state(channel)

    async def all_states(self) -> list[ChannelState]:
        return await self.repository.all_states()

    async def overview(self, channel: str) -> ChannelState | None:
        """The channel without its answers, drafts, parked items and tasks (None: not stored)."""
        return await self.repository.overview(channel)

    async def overviews(self, prefix: str) -> list[ChannelState]:
        """Channels under ``prefix`` without their answers, drafts, parked items and tasks."""
        return await self.repository.overviews(prefix)

    async def delete_channel(self, channel: str, reason: str = "Purge") -> bool:
        """Forget a channel's content (state, outbox, message refs, wakeups) in one transaction.

        The event log keeps one content-free line saying that (and why) it happened.
        """
        return await self._handler.delete_channel(channel, reason)

    async def purge_expired(self, max_idle: timedelta) -> list[str]:
        """Retention: delete the content of every channel untouched for longer than ``max_idle``."""
        return await self._handler.purge_expired(max_idle)
