"""The shell as a platform adapter sees it: :class:`bot.core.ports.ChannelPort` over the service.

Adapters get this, never the app: they can store and handle events, read the overviews
Slack's App Home shows, and ask a channel's language; database outages reach them as
:class:`~bot.core.ports.StorageUnavailable`, so they need not know the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bot.app.bootstrap import App
from bot.core.model import ChannelState, InboundEvent
from bot.core.ports import Handled, StorageUnavailable
from bot.shell.pipe.service import ChannelService
from bot.shell.storage.database import is_outage


@contextmanager
def _outages() -> Iterator[None]:
    """The database's own errors for "out of reach or busy" become :class:`StorageUnavailable`."""
    try:
        yield
    except StorageUnavailable:
        raise
    except Exception as error:
        if is_outage(error):
            raise StorageUnavailable(type(error).__name__) from error
        raise


class ServicePort:
    """``ChannelPort`` over a :class:`ChannelService`; ``default_language`` is that of new channels."""

    def __init__(self, service: ChannelService, default_language: str) -> None:
        self._service = service
        self._default_language = default_language

    @classmethod
    def of(cls, app: App) -> ServicePort:
        return cls(app.service, app.script.default_language)

    async def accept(self, event: InboundEvent) -> None:
        with _outages():
            await self._service.accept(event)

    async def handle(self, event: InboundEvent) -> Handled:
        with _outages():
            return await self._service.handle(event)

    async def overviews(self, prefix: str) -> list[ChannelState]:
        with _outages():
            return await self._service.overviews(prefix)

    async def language(self, channel: str) -> str:
        """Read from the channel's head only (no answers, drafts or items are loaded)."""
        with _outages():
            head = await self._service.overview(channel)
        return head.language if head is not None else self._default_language
