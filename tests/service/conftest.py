from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.shell.pipe.service import ChannelService, ServiceMetrics
from bot.shell.storage.database import Transactor
from tests.service.fakes import FakeClock, FakeTransport, counting_decide, new_state
from tests.storage.fixtures import database_url, engine

__all__ = ["clock", "database_url", "engine", "make_service", "service", "transport"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


@pytest.fixture
def make_service(clock: FakeClock) -> Callable[..., ChannelService]:
    """Build a service on any engine with the fake engine and clock."""

    def build(engine: AsyncEngine, *transports: FakeTransport, give_up_after: timedelta = timedelta(hours=6),
              metrics: ServiceMetrics | None = None) -> ChannelService:
        return ChannelService(
            Transactor(engine),
            counting_decide,
            new_state,
            clock,
            {t.platform: t for t in transports},
            give_up_after=give_up_after,
            metrics=metrics,
        )

    return build


@pytest.fixture
async def service(
    engine: AsyncEngine, transport: FakeTransport, make_service: Callable[..., ChannelService]
) -> AsyncIterator[ChannelService]:
    yield make_service(engine, transport)
