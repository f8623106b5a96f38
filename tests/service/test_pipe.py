"""Where the pipe's stages meet: handling claims the reply it enqueued, delivery follows on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import OutboundMessage
from bot.shell.pipe.outbox import CLAIM_LEASE
from bot.shell.pipe.service import ChannelService
from bot.shell.ratelimit import Limit, RateLimiter
from bot.shell.storage.database import Transactor
from tests.service.fakes import FakeClock, FakeTransport, counting_decide, new_state, text

DEMO = "console:demo"


class GatedTransport(FakeTransport):
    """Holds every delivery until ``gate`` is set (a slow platform, or a process about to die)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        self.waiting.set()
        await self.gate.wait()
        return await super().deliver(channel, message, target)


async def statuses(service: ChannelService) -> list[str]:
    return [row.status for row in await service.repository.outbox(DEMO)]


async def test_handling_claims_its_reply_so_a_deliverer_that_dies_leaves_it_to_the_lease(
    engine: AsyncEngine, clock: FakeClock, make_service: Callable[..., ChannelService]
) -> None:
    stuck = GatedTransport()
    dying = make_service(engine, stuck)
    await dying.handle(text(DEMO, "e1", "hello"), deliver=False)
    assert await statuses(dying) == ["sending"]  # claimed by the transaction that enqueued it

    replica = FakeTransport()
    other = make_service(engine, replica)
    assert await other.deliver_pending() == 0  # the claim holds
    clock.advance(CLAIM_LEASE.total_seconds())
    assert await other.deliver_pending() == 1  # its lease has lapsed: another deliverer retries it
    assert replica.texts == ["answer 1"]

    stuck.gate.set()
    await dying.drain()


async def test_a_reply_enqueued_while_the_head_is_out_follows_it_in_order(
    engine: AsyncEngine, make_service: Callable[..., ChannelService]
) -> None:
    transport = GatedTransport()
    service = make_service(engine, transport)
    first = asyncio.create_task(service.handle(text(DEMO, "e1", "one")))
    await transport.waiting.wait()  # the first reply is out
    second = asyncio.create_task(service.handle(text(DEMO, "e2", "two")))
    await asyncio.sleep(0.05)
    assert await statuses(service) == ["sending", "pending"]  # only the head may be claimed

    transport.gate.set()
    await asyncio.gather(first, second)
    assert transport.texts == ["answer 1", "answer 2"]
    assert await statuses(service) == ["sent", "sent"]


async def test_a_reply_that_cannot_go_at_once_is_left_unclaimed(engine: AsyncEngine, clock: FakeClock) -> None:
    # One message a minute for the whole platform (a key other than the channel: not waived for replies).
    limiter = RateLimiter(clock, {"console": lambda channel: (("console", Limit(1, 60.0)),)})
    transport = FakeTransport()
    service = ChannelService(Transactor(engine), counting_decide, new_state, clock, {"console": transport},
                             limiter=limiter)
    await service.handle(text(DEMO, "e1", "one"))
    await service.handle(text(DEMO, "e2", "two"))
    # Over the rate: pending, not claimed (a claimed head would wait for its lease).
    assert await statuses(service) == ["sent", "pending"]

    clock.advance(60)
    assert await service.deliver_pending() == 1
    assert transport.texts == ["answer 1", "answer 2"]
