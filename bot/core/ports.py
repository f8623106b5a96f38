"""The seams between the service layer and the outside world.

A platform adapter implements :class:`Transport` to deliver outgoing messages; the
service layer owns everything else (de-duplication, state, outbox, retries).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.model import OutboundMessage


class DeliveryError(Exception):
    """Base class for delivery failures a transport reports to the outbox."""


class RateLimited(DeliveryError):
    """The platform asked us to wait; the outbox retries after ``retry_after`` seconds."""

    def __init__(self, retry_after: float, detail: str = "") -> None:
        super().__init__(detail or f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered as is (bot not in channel, missing scope...)."""


class Transport(Protocol):
    """Delivers rendered messages for one platform."""

    platform: str

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        """Send ``message`` to ``channel``.

        ``target`` is the platform id of the earlier message an :class:`~bot.core.model.Edit`
        replaces (``None`` when unknown: then post it as a new message). Return the
        platform id of the message created or edited, so later edits can find it.
        Raise :class:`RateLimited` or :class:`PermanentDeliveryError`; any other exception
        is treated as transient and retried.
        """
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...
