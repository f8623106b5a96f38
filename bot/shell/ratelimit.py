"""Outbound rate limits per platform, so a fan-out (10,000 check-ins at 09:00) stays polite.

Two shapes, because the platforms state two kinds of limit:

* hard "at most N per window" (Telegram: 30 messages/s per bot, 20/min per group) is a
  sliding-window log of the last N send times (:class:`Limit`): unlike a token bucket with
  burst capacity it never lets N+1 through inside one window;
* soft "about 1 per second, short bursts allowed" (Telegram per chat, Slack per channel) is
  a token bucket (:class:`Bucket`), so a command that answers with two or three messages
  is not delayed while a channel's sustained rate still stays at the limit.

Per-chat limits can be waived for a direct reply to a person's own action
(``chat_limits=False``): such bursts are bounded by people typing, and the platform's 429
with Retry-After still holds them back. The reply is counted all the same, so a check-in
right after it waits its turn. The per-bot limit is never waived.

Non-blocking on purpose: :meth:`RateLimiter.try_acquire` either takes a slot or says how
long to wait; the outbox leaves the message pending and its loop comes back, so a request
handler (or the check-in scheduler) never sleeps behind someone else's fan-out. The clock
is injected, so tests and the benchmark run on virtual time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.model import platform_of
from bot.core.ports import Clock
from bot.shell.buckets import TokenBucket


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` messages in any ``per`` seconds."""

    count: int
    per: float  # seconds


@dataclass(frozen=True, slots=True)
class Bucket:
    """``rate`` messages per second sustained, ``burst`` at once (a :class:`TokenBucket` per key)."""

    rate: float
    burst: int


Window = tuple[str, Limit | Bucket]  # (key, limit)
Policy = Callable[[str], tuple[Window, ...]]

TELEGRAM_BOT = Limit(30, 1.0)
TELEGRAM_GROUP = Limit(20, 60.0)
TELEGRAM_CHAT = Bucket(1.0, 5)
SLACK_CHANNEL = Bucket(1.0, 5)


def _telegram(channel: str) -> tuple[Window, ...]:
    chat = channel.split(":")[1] if ":" in channel else channel
    windows: tuple[Window, ...] = (("telegram", TELEGRAM_BOT), (channel, TELEGRAM_CHAT))
    if chat.startswith("-"):  # negative chat ids are groups and channels
        windows += ((channel, TELEGRAM_GROUP),)
    return windows


def _slack(channel: str) -> tuple[Window, ...]:
    return ((channel, SLACK_CHANNEL),)


DEFAULT_POLICIES: dict[str, Policy] = {"telegram": _telegram, "slack": _slack}


class RateLimiter:
    """Per-platform and per-channel limits; platforms without a policy are unlimited."""

    def __init__(self, clock: Clock, policies: dict[str, Policy] | None = None) -> None:
        self._clock = clock
        self._policies = DEFAULT_POLICIES if policies is None else policies
        self._logs: dict[tuple[str, Limit], deque[float]] = {}
        self._buckets: dict[tuple[str, Bucket], TokenBucket] = {}
        self._taken: dict[str, float] = {}  # channel -> time of its last slot (for refund)
        self._acquired = 0

    def windows(self, channel: str) -> tuple[Window, ...]:
        policy = self._policies.get(platform_of(channel))
        return policy(channel) if policy is not None else ()

    def try_acquire(self, channel: str, *, chat_limits: bool = True) -> float:
        """Take a slot for one message to ``channel`` (0.0), or the seconds until one frees up."""
        windows = self.windows(channel)
        if not windows:
            return 0.0
        now = self._clock.now().timestamp()
        waits = [(self._wait(key, limit, now), key) for key, limit in windows]  # also refills
        wait = max(w if chat_limits or key != channel else 0.0 for w, key in waits)
        if wait > 0:
            return wait
        for key, limit in windows:
            if isinstance(limit, Limit):
                self._logs[(key, limit)].append(now)  # created by _wait
            else:
                self._buckets[(key, limit)].take()  # created by _wait; may go below zero after waived replies
        self._taken[channel] = now
        self._acquired += 1
        if self._acquired % 10_000 == 0:
            self._sweep(now)
        return 0.0

    def _wait(self, key: str, limit: Limit | Bucket, now: float) -> float:
        if isinstance(limit, Limit):
            log = self._logs.setdefault((key, limit), deque())
            while log and log[0] <= now - limit.per:
                log.popleft()
            return log[-limit.count] + limit.per - now if len(log) >= limit.count else 0.0
        bucket = self._buckets.get((key, limit))
        if bucket is None:
            bucket = self._buckets[(key, limit)] = TokenBucket(limit.rate, float(limit.burst), now)
        return bucket.wait(now)

    def refund(self, channel: str) -> None:
        """Give back the slot just taken for ``channel`` (there was nothing to send after all)."""
        at = self._taken.pop(channel, None)
        if at is None:
            return
        for key, limit in self.windows(channel):
            if isinstance(limit, Limit):
                log = self._logs.get((key, limit))
                if log is not None and at in log:
                    log.remove(at)
            elif (key, limit) in self._buckets:
                self._buckets[(key, limit)].give_back()

    def _sweep(self, now: float) -> None:
        """Forget limits that have fully recovered, so idle channels cost no memory."""
        for key in [k for k, log in self._logs.items() if not log or log[-1] <= now - k[1].per]:
            del self._logs[key]
        for idle in [k for k, bucket in self._buckets.items() if bucket.full(now)]:
            del self._buckets[idle]
        self._taken.clear()
