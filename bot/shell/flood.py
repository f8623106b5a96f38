"""Slow down a user who floods a channel with commands or button presses.

A token bucket per (channel, user), kept in memory: flood control is about the next few
seconds on this replica, not about durable state. Plain messages are never throttled,
because they may be answers and must not be lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.model import ButtonPressed, CommandIssued, InboundEvent, Throttled, platform_of
from bot.shell.buckets import TokenBucket


@dataclass
class FloodGuard:
    """Allow ``burst`` commands at once and one more every ``refill_seconds``."""

    burst: int = 20
    refill_seconds: float = 2.0
    max_keys: int = 100_000
    exempt_platforms: tuple[str, ...] = ("console",)  # a local terminal or a replayed file
    _buckets: dict[tuple[str, str], TokenBucket] = field(default_factory=dict)
    _warned: set[tuple[str, str]] = field(default_factory=set)  # told once until they may speak again

    def check(self, event: InboundEvent, now: datetime) -> InboundEvent:
        """The event itself when allowed, else a :class:`Throttled` stand-in for it."""
        if not isinstance(event, CommandIssued | ButtonPressed) or platform_of(event.channel) in self.exempt_platforms:
            return event
        key = (event.channel, event.sender.id)
        at = now.timestamp()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # bounded memory; forgetting buckets only forgives
                self._warned.clear()
            bucket = self._buckets[key] = TokenBucket(1.0 / self.refill_seconds, float(self.burst), at)
        if bucket.try_take(at):
            self._warned.discard(key)
            return event
        notify = key not in self._warned
        self._warned.add(key)
        return Throttled(event_id=event.event_id, channel=event.channel, sender=event.sender, notify=notify)
