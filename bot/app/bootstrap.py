"""The composition root: build the whole application from settings, in one place.

Nothing is built at import time; tests call :func:`bootstrap` with their own settings,
clock and transports (fakes at the seams, as in "Architecture Patterns with Python").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.settings import Settings
from bot.core.engine import decide, new_state
from bot.core.model import ChannelState, Decision, InboundEvent, Policy
from bot.core.ports import Clock, Transport
from bot.core.script import Script
from bot.shell.draft_model import DraftModel, DraftModelConfig
from bot.shell.flood import FloodGuard
from bot.shell.guard_model import read_model, shipped_model
from bot.shell.metrics import Metrics
from bot.shell.pipe.service import ChannelService
from bot.shell.prompts import load_script
from bot.shell.ratelimit import RateLimiter
from bot.shell.scheduler import CheckinScheduler
from bot.shell.storage.database import Transactor, make_engine, upgrade


class SystemClock:
    """The real clock; the only place that reads the time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


_DRAIN_SECONDS = 10.0


@dataclass
class App:
    settings: Settings
    script: Script
    engine: AsyncEngine
    service: ChannelService
    clock: Clock
    scheduler: CheckinScheduler
    metrics: Metrics = field(default_factory=Metrics)  # this app's own Prometheus registry
    limiter: RateLimiter | None = None  # the outbound pacing the outbox uses (None: VOORDENKEN_OUTBOUND_PACING off)
    drafter: DraftModel | None = None  # the language model writing drafts (None: VOORDENKEN_DRAFT_MODEL_URL empty)

    async def close(self) -> None:
        # Accepted events and deliveries in flight finish first (what does not stays in the
        # inbox and outbox for the next start).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.service.drain(), _DRAIN_SECONDS)
        if self.drafter is not None:  # a draft being written is not waited for: the offline one stands
            await self.drafter.close()
        await self.scheduler.stop()
        await self.engine.dispose()


async def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transports: Iterable[Transport] = (),
    migrate: bool = True,
    serving: bool = False,
) -> App:
    """Load the script, open (and migrate) the database and wire the service.

    ``serving``: the bot runs its HTTP server (``voordenken run`` with a platform), so it can
    hand out links to session pages (when ``VOORDENKEN_PUBLIC_URL`` says where it is reached).
    """
    script = load_script(settings.prompts_dir, settings.language)
    engine = make_engine(settings.database_url)
    if migrate:
        await upgrade(engine)
    language, timezone = settings.language, settings.timezone
    guard = read_model(settings.guard_model) if settings.guard_model else shipped_model()
    policy = Policy(checkin_mention_cooldown=timedelta(minutes=settings.checkin_mention_cooldown),
                    redirect_light_touches=settings.redirect_light_touches,
                    redirect_light_window=timedelta(minutes=settings.redirect_light_window),
                    timezone=timezone, draft_model=bool(settings.draft_model_url.strip()), guard=guard,
                    page_url=settings.public_url if serving else "", page_lifetime=timedelta(days=settings.page_days))

    def decide_with_script(state: ChannelState, event: InboundEvent, now: datetime) -> Decision:
        return decide(state, event, script, now, policy)

    def fresh(channel: str) -> ChannelState:
        return new_state(channel, language, timezone)

    clock = clock or SystemClock()
    metrics = Metrics()
    limiter = RateLimiter(clock) if settings.outbound_pacing else None
    service = ChannelService(Transactor(engine), decide=decide_with_script, new_state=fresh, clock=clock,
                             limiter=limiter, flood=FloodGuard(), metrics=metrics,
                             give_up_after=timedelta(seconds=settings.outbox_give_up_after),
                             process_accepted=settings.role != "web")
    for transport in transports:
        service.add_transport(transport)
    drafter = None
    if policy.draft_model:
        key = settings.draft_model_key.get_secret_value() if settings.draft_model_key is not None else ""
        drafter = DraftModel(DraftModelConfig(settings.draft_model_url.strip(), settings.draft_model, key,
                                              settings.draft_model_timeout), service.handle)
        service.add_draft_listener(drafter.request)
    scheduler = CheckinScheduler(service, engine, clock,
                                 max_lateness=timedelta(seconds=settings.checkin_max_lateness))
    return App(settings, script, engine, service, clock, scheduler, metrics, limiter, drafter)
