"""Prometheus metrics, one registry per app (no module-level collectors).

The service calls the small hook methods of :class:`Metrics` (it knows nothing about
Prometheus); the runner serves :meth:`Metrics.render` at ``/metrics``. The outbox
backlog is read from the database at scrape time, so it is the same on every replica:
aggregate it with ``max``, not ``sum``.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import Effect, InboundEvent, Observed, OutboundMessage, Post, platform_of
from bot.shell.storage.database import read_only
from bot.shell.storage.views import backlog, failed_outbox

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Handling is a few milliseconds on SQLite; delivery to a platform adds network time.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The instruments of one app, registered in their own :class:`CollectorRegistry`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "voordenken_events", "Inbound events handled", ["platform", "type", "outcome"], registry=r
        )
        self.latency = Histogram(
            "voordenken_handle_seconds",
            "Time to handle one event: de-duplicate, load, decide, commit and deliver",
            ["platform"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.observed = Counter(
            "voordenken_observed", "Engine observations (guard_held, guard_released, guard_observed)",
            ["what"], registry=r,
        )
        self.delivered = Counter(
            "voordenken_messages_delivered", "Outbox messages delivered", ["platform", "kind"], registry=r
        )
        self.failed = Counter(
            "voordenken_deliveries_failed", "Outbox messages given up on (permanent error, or still failing "
            "VOORDENKEN_OUTBOX_GIVE_UP_AFTER after queueing)",
            ["platform"], registry=r,
        )
        self.given_up = Counter(
            "voordenken_outbox_given_up",
            "Outbox messages given up on: reason=permanent (the platform refuses it) or expired (still failing "
            "VOORDENKEN_OUTBOX_GIVE_UP_AFTER after it was queued); see `voordenken outbox list`",
            ["platform", "reason"], registry=r,
        )
        self.failed_rows = Gauge(
            "voordenken_outbox_failed",
            "Outbox messages given up on and still stored (whole database); `voordenken outbox retry` sends them",
            registry=r,
        )
        self.retries = Counter(
            "voordenken_delivery_retries", "Delivery attempts to be retried later", ["platform", "reason"], registry=r
        )
        self.checkins = Counter("voordenken_checkins_posted", "Check-in messages delivered", ["platform"], registry=r)
        self.backlog = Gauge(
            "voordenken_outbox_backlog", "Outbox messages not yet delivered (whole database)", registry=r
        )
        self.inbox = Gauge(
            "voordenken_inbox_backlog",
            "Accepted events not yet processed (whole database); stuck ones stay after 8 failed attempts",
            registry=r,
        )
        self.oldest = Gauge(
            "voordenken_outbox_oldest_seconds", "Age of the oldest undelivered outbox message", registry=r
        )
        self.inbox_oldest = Gauge(
            "voordenken_inbox_oldest_seconds",
            "Age of the oldest accepted event not yet processed: growing means no worker takes them",
            registry=r,
        )
        self.leading = Gauge(
            "voordenken_leading", "1 while this replica runs a single-owner platform (holds its lease)",
            ["platform"], registry=r,
        )

    # ------------------------------------------------------------------ service hooks

    def event_handled(
        self, event: InboundEvent, *, duplicate: bool, effects: tuple[Effect, ...], seconds: float
    ) -> None:
        platform = platform_of(event.channel)
        outcome = "duplicate" if duplicate else "processed"
        self.events.labels(platform, type(event).__name__, outcome).inc()
        self.latency.labels(platform).observe(seconds)
        for effect in effects:
            if isinstance(effect, Observed):
                self.observed.labels(effect.what).inc()

    def event_failed(self, event: InboundEvent, seconds: float) -> None:
        platform = platform_of(event.channel)
        self.events.labels(platform, type(event).__name__, "error").inc()
        self.latency.labels(platform).observe(seconds)

    def message_delivered(self, channel: str, message: OutboundMessage) -> None:
        platform = platform_of(channel)
        kind = getattr(message, "kind", type(message).__name__.lower())
        self.delivered.labels(platform, kind).inc()
        if isinstance(message, Post) and message.kind == "checkin":
            self.checkins.labels(platform).inc()

    def delivery_given_up(self, channel: str, reason: str) -> None:
        platform = platform_of(channel)
        self.failed.labels(platform).inc()
        self.given_up.labels(platform, reason).inc()

    def delivery_retry(self, channel: str, reason: str) -> None:
        self.retries.labels(platform_of(channel), reason).inc()

    def set_leading(self, platform: str, leading: bool) -> None:
        self.leading.labels(platform).set(1 if leading else 0)

    # ------------------------------------------------------------------ scrape

    async def refresh(self, engine: AsyncEngine, now: datetime) -> None:
        """Read the outbox and inbox backlogs from the database (called per scrape)."""
        async with read_only(engine).begin() as connection:
            waiting = await connection.run_sync(backlog)
            failed = await connection.run_sync(failed_outbox)
        self.failed_rows.set(failed)
        self.backlog.set(waiting.outbox)
        self.inbox.set(waiting.inbox)
        self.oldest.set(_age(waiting.outbox_since, now))
        self.inbox_oldest.set(_age(waiting.inbox_since, now))

    def render(self) -> bytes:
        return generate_latest(self.registry)


def _age(since: datetime | None, now: datetime) -> float:
    """Seconds since ``since`` (0 when there is none)."""
    if since is None:
        return 0.0
    if since.tzinfo is None:  # SQLite's raw aggregate skips UTCDateTime
        since = since.replace(tzinfo=now.tzinfo)
    return max((now - since).total_seconds(), 0.0)
