"""The seams between the service layer and the outside world.

A platform adapter implements :class:`Transport` to deliver outgoing messages, and asks
the shell for what it needs through :class:`ChannelPort` only; the service layer owns
everything else (de-duplication, state, outbox, retries).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.core.card import StatementCard
from bot.core.model import ChannelState, Effect, InboundEvent, OutboundMessage

# Draws the statement card as PNG bytes: the shell's drawing (Pillow), handed to each platform
# by the app, so an adapter renders a PostCard without importing the shell.
DrawCard = Callable[[StatementCard], bytes]


class ConfigurationError(ValueError):
    """The settings cannot run what was asked; the message names the setting to fix."""


class StorageUnavailable(Exception):
    """The database is out of reach or busy: it passes by itself, so try again later.

    Raised by a :class:`ChannelPort` instead of the driver's own error, so an adapter can
    tell an outage (wait, retry) from a bug (give up after a few tries) without knowing
    the database.
    """


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


@runtime_checkable
class Splitting(Protocol):
    """A :class:`Transport` whose platform cannot take a long message in one piece."""

    def split(self, message: OutboundMessage) -> Sequence[OutboundMessage]:
        """``message`` as the messages the platform can take, in order (itself alone when it fits).

        The outbox delivers them one after the other as one outbox message; when a part
        fails, the row keeps only the parts not yet delivered, so a retry resumes there.
        """
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class Handled(Protocol):
    """What handling an event came to."""

    @property
    def duplicate(self) -> bool:
        """The event was handled before (a platform's redelivery): nothing happened now."""
        ...

    @property
    def effects(self) -> tuple[Effect, ...]: ...


class ChannelPort(Protocol):
    """What a platform adapter may ask of the shell; nothing else of the app reaches it.

    Every method raises :class:`StorageUnavailable` when the database is out of reach.
    """

    async def accept(self, event: InboundEvent) -> None:
        """Store ``event``, to be processed right after; once this returns, the platform may be answered."""
        ...

    async def handle(self, event: InboundEvent) -> Handled:
        """Process ``event`` once (per event id) and deliver what it caused."""
        ...

    async def language(self, channel: str) -> str:
        """The channel's language, for what an adapter says before the engine is involved (a refusal)."""
        ...

    async def overviews(self, prefix: str) -> Sequence[ChannelState]:
        """The channels whose key starts with ``prefix``, without their answers, drafts and items."""
        ...
