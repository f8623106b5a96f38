"""The pipe's last stage: deliver a channel's outbox in order, settle, retry later what failed.

A message is claimed before it is sent (only the channel's head, under a lease: see
:func:`bot.shell.storage.queues.claim_head`) and settled after. The handler's transaction
claims the head it has just enqueued (see :meth:`Outbox.may_claim`), and settling a
message claims the channel's next one in the same transaction, while settles finishing
together, of any channels, share one commit: a reply costs no write transaction of its
own to be claimed, and under load a fraction of one to be settled. One deliverer per
channel runs in this process at a time (:class:`_Run`); whoever asks for delivery while
it runs joins it.

Nothing is dropped quietly. A 429 only delays a message (it is not a failed try); any other
transient error is retried with back-off capped at a minute for as long as the message still
means something (``give_up_after`` since it was queued: VOORDENKEN_OUTBOX_GIVE_UP_AFTER), and
the channel's later messages wait behind it. What is given up in the end is logged (WARNING,
never the text), counted (``voordenken_outbox_given_up_total``), kept as a ``failed`` row
(``voordenken outbox list``) and can be sent again (``voordenken outbox retry``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Protocol

from bot.core.model import OutboundMessage, platform_of
from bot.core.ports import Clock, DeliveryError, PermanentDeliveryError, RateLimited, Splitting, Transport
from bot.shell.pipe.background import Background
from bot.shell.pipe.gathering import Gathering
from bot.shell.ratelimit import RateLimiter
from bot.shell.storage import queues
from bot.shell.storage.database import Transactor
from bot.shell.storage.queues import Claim, Settlement
from bot.shell.storage.tables import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENT

log = logging.getLogger(__name__)

# How long a claimed outbox row stays ours; past it another deliverer may retry it.
CLAIM_LEASE = timedelta(seconds=120)
_MAX_BACKOFF = timedelta(seconds=60)  # during an outage, a message goes out within a minute of recovery
GIVE_UP_AFTER = timedelta(hours=6)


class DeliveryMetrics(Protocol):
    def message_delivered(self, channel: str, message: OutboundMessage) -> None: ...

    def delivery_given_up(self, channel: str, reason: str) -> None:
        """A message will not be sent: ``permanent`` (the platform refuses it) or ``expired`` (too old)."""

    def delivery_retry(self, channel: str, reason: str) -> None: ...


def describe(error: BaseException) -> str:
    """A short, text-free description for the outbox row and the logs.

    Transports write ``DeliveryError`` details deliberately (an API error code); any other
    exception's text might quote the message, so only its class name is kept.
    """
    if isinstance(error, DeliveryError):
        return f"{type(error).__name__}: {error}"[:200]
    return type(error).__name__


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... seconds after the first, second, third ... failure, capped at 60 s."""
    return min(timedelta(seconds=2 ** min(attempts - 1, 16)), _MAX_BACKOFF)


def _joined(parts: list[OutboundMessage]) -> OutboundMessage:
    """The parts of a message not delivered yet, as one message to store (split again when sent)."""
    return replace(parts[0], text="\n".join(part.text for part in parts), buttons=parts[-1].buttons)


def _age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


@dataclass
class _Run:
    """One channel's deliverer in this process, and what was asked of it while it runs."""

    chat_limits: bool  # False while it answers a person's own event: per-chat limits are waived
    claimed: deque[Claim] = field(default_factory=deque)  # heads claimed for it by handling
    wanted: bool = False  # someone asked since its last claim: claim again before stopping
    granted: bool = False  # a slot of the rate limit was taken for its first claim already
    wake: bool = True  # left waiting, it wakes the outbox loop (not when the loop itself started it)
    task: asyncio.Task[tuple[int, bool]] | None = None


class Outbox:
    def __init__(
        self,
        db: Transactor,
        clock: Clock,
        background: Background,
        transports: Mapping[str, Transport] | None = None,
        *,
        give_up_after: timedelta = GIVE_UP_AFTER,
        limiter: RateLimiter | None = None,
        metrics: DeliveryMetrics | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._background = background
        self._transports: dict[str, Transport] = dict(transports or {})
        self._give_up_after = give_up_after
        self._limiter = limiter  # None: no outbound rate limits (tests, console)
        self._metrics = metrics  # None: nothing is counted (tests, CLI commands)
        self._missing_transport_logged: set[str] = set()
        self._runs: dict[str, _Run] = {}
        self._settles: Gathering[Settlement, Claim | None] = Gathering(self._settle_all, background.spawn)
        self._wake: asyncio.Event | None = None  # created inside the running loop by run

    def add_transport(self, transport: Transport) -> None:
        self._transports[transport.platform] = transport
        self._missing_transport_logged.discard(transport.platform)

    def remove_transport(self, platform: str) -> None:
        """Stop delivering for ``platform`` here (its messages stay pending for another replica)."""
        self._transports.pop(platform, None)
        self._missing_transport_logged.add(platform)  # expected, not worth a warning

    def _transport(self, channel: str) -> Transport | None:
        platform = platform_of(channel)
        transport = self._transports.get(platform)
        if transport is None and platform not in self._missing_transport_logged:
            self._missing_transport_logged.add(platform)
            log.warning("no transport for platform %r; its messages stay pending", platform)
        return transport

    def _acquire(self, channel: str, chat_limits: bool) -> bool:
        """A slot of the platform's rate for one more message now (False: over the rate)."""
        return self._limiter is None or self._limiter.try_acquire(channel, chat_limits=chat_limits) <= 0

    def may_claim(self, channel: str, *, replying: bool) -> bool:
        """Whether handling may claim the channel's head for delivery right after its commit.

        Only when it can go at once (a transport here, a slot of the rate limit, which is
        taken now): a claimed head waits for its lease otherwise. When nothing was claimed
        after all, :meth:`unclaimed` gives the slot back.
        """
        return platform_of(channel) in self._transports and self._acquire(channel, not replying)

    def unclaimed(self, channel: str) -> None:
        if self._limiter is not None:
            self._limiter.refund(channel)

    # ----------------------------------------------------------------------- delivering

    def deliver(
        self, channel: str, claimed: Claim | None = None, *, replying: bool = False
    ) -> asyncio.Task[tuple[int, bool]]:
        """Deliver the channel's due messages, starting with ``claimed`` (claimed by handling).

        Joins the channel's running deliverer if there is one. The task's result: how many
        messages it sent and whether it left the head waiting (a rate limit, a retry later).
        """
        run = self._runs.get(channel)
        if run is None:
            run = self._runs[channel] = _Run(chat_limits=not replying)
            run.task = self._background.spawn(self._run(channel, run))
        elif replying:
            run.chat_limits = False
        if claimed is not None:
            run.claimed.append(claimed)
        else:
            run.wanted = True
        assert run.task is not None
        return run.task

    async def deliver_pending(self, channel: str | None = None) -> int:
        """Deliver due outbox messages (of one channel, or all); returns how many were sent."""
        if channel is not None:
            channels = [channel]
        else:
            channels = await self._db.read(queues.channels_with_due_messages, self._clock.now())
        sent = 0
        for name in channels:
            run = self._runs.get(name)
            if run is None:
                # Over the platform's rate (a fan-out's usual case), or nobody here to deliver:
                # it stays pending for a later pass, and costs no deliverer (a task) meanwhile.
                if self._transport(name) is None or not self._acquire(name, chat_limits=True):
                    continue
                run = self._runs[name] = _Run(chat_limits=True, wanted=True, granted=True, wake=False)
                run.task = self._background.spawn(self._run(name, run))
                sent += (await asyncio.shield(run.task))[0]
            else:  # what the running deliverer sends counts for whoever started it
                await asyncio.shield(self.deliver(name))
        return sent

    async def _run(self, channel: str, run: _Run) -> tuple[int, bool]:
        sent, waiting = 0, False
        try:
            transport = self._transport(channel)
            while transport is not None:
                if run.claimed:
                    claim: Claim | None = run.claimed.popleft()
                elif run.wanted and not waiting:
                    run.wanted = False
                    if run.granted:
                        run.granted = False
                    elif not self._acquire(channel, run.chat_limits):
                        waiting = True  # over the platform's rate: stays pending
                        continue
                    claim = await self._db.write(queues.claim_head, channel, self._clock.now(), CLAIM_LEASE)
                    if claim is None:
                        self.unclaimed(channel)
                else:
                    break
                while claim is not None:
                    settlement = await self._attempt(claim, transport)
                    waiting = settlement.status == OUTBOX_PENDING
                    if not waiting and (claim.more or run.wanted):
                        run.wanted = False
                        waiting = not self._acquire(channel, run.chat_limits)
                        settlement = settlement._replace(claim_next=not waiting)
                    claim = await self._settles.submit(settlement)
                    if settlement.claim_next and claim is None:
                        self.unclaimed(channel)
                    if settlement.status == OUTBOX_SENT:
                        sent += 1
                        if self._metrics is not None:
                            self._metrics.message_delivered(channel, settlement.row.message)
        except Exception:
            # Claimed rows wait for their lease; the outbox loop or the next start retries.
            log.exception("delivery failed for channel %s", channel)
            waiting = True
        finally:
            if self._runs.get(channel) is run:
                del self._runs[channel]
        # Left waiting: the outbox loop looks at once (a retry may be due very soon) rather than
        # after its poll interval. Delivered: nothing for it to do, and no query to make.
        if waiting and run.wake and self._wake is not None:
            self._wake.set()
        return sent, waiting

    async def _settle_all(self, settlements: list[Settlement]) -> list[Claim | None]:
        return await self._db.write(queues.settle, settlements, self._clock.now(), CLAIM_LEASE)

    async def _attempt(self, claim: Claim, transport: Transport) -> Settlement:
        """Send one claimed message; how it went, as the settlement to store."""
        row = claim.row
        channel = row.channel
        try:
            platform_id = await self._deliver_parts(claim, transport)
        except RateLimited as error:
            # The platform said "later", not "no": the message waits (in order) without a try used up.
            log.info("rate limited in channel %s; retrying after %ss", channel, error.retry_after)
            if self._metrics is not None:
                self._metrics.delivery_retry(channel, "rate_limited")
            retry_at = self._clock.now() + timedelta(seconds=max(error.retry_after, 0.0))
            return Settlement(row, OUTBOX_PENDING, retry_at=retry_at, error=describe(error), counted=False)
        except PermanentDeliveryError as error:
            log.warning("outbox %d for channel %s failed permanently: %s", row.id, channel, describe(error))
            if self._metrics is not None:
                self._metrics.delivery_given_up(channel, "permanent")
            return Settlement(row, OUTBOX_FAILED, error=describe(error))
        except Exception as error:
            attempts = row.attempts + 1
            now = self._clock.now()
            log.debug("delivery error detail for outbox %d", row.id, exc_info=True)
            if now - row.created_at >= self._give_up_after:
                log.warning("outbox %d for channel %s given up after %d attempts over %s: %s "
                            "(voordenken outbox list / retry)",
                            row.id, channel, attempts, _age(now - row.created_at), describe(error))
                if self._metrics is not None:
                    self._metrics.delivery_given_up(channel, "expired")
                return Settlement(row, OUTBOX_FAILED, error=describe(error))
            log.info("outbox %d for channel %s: attempt %d failed (%s)", row.id, channel, attempts, describe(error))
            if self._metrics is not None:
                self._metrics.delivery_retry(channel, "error")
            return Settlement(row, OUTBOX_PENDING, retry_at=now + backoff(attempts), error=describe(error))
        return Settlement(row, OUTBOX_SENT, platform_id=platform_id)

    async def _deliver_parts(self, claim: Claim, transport: Transport) -> str | None:
        """Deliver a message in the parts the platform needs (most need one); the platform id of
        the first. After each part but the last, the row keeps only the rest: a failure (or a
        crash) later resumes with the parts not yet delivered instead of sending the first again."""
        row = claim.row
        parts = list(transport.split(row.message)) if isinstance(transport, Splitting) else [row.message]
        first: str | None = None
        for index, part in enumerate(parts):
            platform_id = await transport.deliver(row.channel, part, claim.target if index == 0 else None)
            if index == 0:
                first = platform_id
            if index + 1 < len(parts):
                await self._db.write(queues.keep_rest, row.id, _joined(parts[index + 1:]))
        return first

    async def run(self, stop: asyncio.Event, poll_interval: float = 0.5) -> None:
        """Deliver due messages until ``stop`` is set; a head left waiting wakes it early."""
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

