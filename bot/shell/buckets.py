"""The one token bucket: outbound pacing (:mod:`bot.shell.ratelimit`) and inbound flood
control (:mod:`bot.shell.flood`) both hold one per key.

Times are plain seconds from the caller's injected clock, so tests and benchmarks run on
virtual time; the bucket never reads a clock itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class TokenBucket:
    """``rate`` tokens a second up to ``burst``; starts full at ``at``.

    ``tokens`` may go below zero (:meth:`take` regardless of the balance, for sends that
    are counted but not held back); the bucket then needs longer to recover.
    """

    rate: float
    burst: float
    at: float
    tokens: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def refill(self, now: float) -> None:
        """Add what has trickled in since the last look (a clock that went back adds nothing)."""
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = now

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0.0: one is there now); refills first."""
        self.refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        """Spend one token, even when there is none (call after :meth:`wait` to respect the limit)."""
        self.tokens -= 1.0

    def try_take(self, now: float) -> bool:
        """Spend a token if there is one."""
        if self.wait(now) > 0:
            return False
        self.take()
        return True

    def give_back(self) -> None:
        """Return a token taken for nothing (never beyond ``burst``)."""
        self.tokens = min(self.burst, self.tokens + 1.0)

    def full(self, now: float) -> bool:
        """Whether the bucket would be full by ``now``: then it can be forgotten."""
        return self.tokens + max(0.0, now - self.at) * self.rate >= self.burst
