"""/metrics and /healthz on the shared server that ``bot.app.runner.serve`` runs."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import aiohttp

from bot.core.model import CommandIssued, Post, Sender, TextMessage
from bot.core.ports import PermanentDeliveryError
from bot.shell.metrics import Metrics
from bot.shell.pipe.service import ChannelService
from bot.shell.storage.database import Transactor, make_engine, sqlite_url_for, upgrade
from bot.shell.storage.queues import add_to_inbox
from tests.ops.harness import eventually, running, samples, settings_for
from tests.service.fakes import FakeClock, FakeTransport, counting_decide, new_state, text

CHANNEL = "console:ops"
ALICE, BOB = Sender("alice", "Alice"), Sender("bob", "Bob")
CLAIM = "I'll take care of the housing part"


def command(event_id: str, who: Sender, body: str) -> CommandIssued:
    return CommandIssued(event_id=event_id, channel=CHANNEL, sender=who, text=body, message_id=event_id)


def say(event_id: str, who: Sender, body: str) -> TextMessage:
    return TextMessage(event_id=event_id, channel=CHANNEL, sender=who, text=body, message_id=event_id)


async def test_metrics_count_a_conversation(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path)) as server:
        service = server.platform.app.service
        await service.handle(command("e1", ALICE, "start"))
        await service.handle(say("e2", BOB, CLAIM))  # held back by the guard
        await service.handle(say("e2", BOB, CLAIM))  # a platform retry: a duplicate
        await service.handle(command("e3", BOB, "notask"))  # released
        await service.handle(say("e4", ALICE, "Families get evicted before anyone notices the arrears"))
        async with aiohttp.ClientSession() as http, http.get(f"{server.base}/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            body = await response.text()

    values = samples(body)
    events = "voordenken_events_total"
    assert values[(events, (("outcome", "processed"), ("platform", "console"), ("type", "CommandIssued")))] == 2
    assert values[(events, (("outcome", "processed"), ("platform", "console"), ("type", "TextMessage")))] == 2
    assert values[(events, (("outcome", "duplicate"), ("platform", "console"), ("type", "TextMessage")))] == 1
    assert values[("voordenken_observed_total", (("what", "guard_held"),))] == 1
    assert values[("voordenken_observed_total", (("what", "guard_released"),))] == 1
    assert values[("voordenken_handle_seconds_count", (("platform", "console"),))] == 5
    delivered = sum(v for (name, _), v in values.items() if name == "voordenken_messages_delivered_total")
    assert delivered == len(server.platform.transport.delivered) > 0
    assert values[("voordenken_outbox_backlog", ())] == 0
    assert values[("voordenken_outbox_oldest_seconds", ())] == 0
    assert values[("voordenken_inbox_backlog", ())] == 0
    assert values[("voordenken_inbox_oldest_seconds", ())] == 0


async def test_metrics_count_retries_failures_and_checkins(tmp_path: Path) -> None:
    """The delivery hooks, through a service with a failing transport (fakes from tests/service)."""
    engine = make_engine(sqlite_url_for(tmp_path / "v.db"))
    await upgrade(engine)
    metrics, clock = Metrics(), FakeClock()
    transport = FakeTransport(failures=[RuntimeError("flaky"), PermanentDeliveryError("not_in_channel")])
    service = ChannelService(Transactor(engine), counting_decide, new_state, clock, {"console": transport},
                             metrics=metrics)
    try:
        await service.handle(text("console:c", "a1", "first"))  # transient failure: retry later
        async with engine.begin() as connection:  # an event a replica accepted, then died
            await connection.run_sync(add_to_inbox, [text("console:c", "a2", "x")], clock.now(), timedelta(seconds=10))
        clock.advance(30)  # and nobody took it up for half a minute (no worker running?)
        await metrics.refresh(engine, clock.now())
        waiting = samples(metrics.render().decode())
        assert waiting[("voordenken_outbox_backlog", ())] == 1
        assert waiting[("voordenken_inbox_backlog", ())] == 1
        assert waiting[("voordenken_inbox_oldest_seconds", ())] == 30
        clock.advance(5)
        await service.deliver_pending()  # permanent failure this time
        metrics.message_delivered("console:c", Post(text="How is it going?", kind="checkin"))
    finally:
        await engine.dispose()
    values = samples(metrics.render().decode())
    assert values[("voordenken_delivery_retries_total", (("platform", "console"), ("reason", "error")))] == 1
    assert values[("voordenken_deliveries_failed_total", (("platform", "console"),))] == 1
    assert values[("voordenken_checkins_posted_total", (("platform", "console"),))] == 1


async def test_each_app_has_its_own_registry(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "a")) as first, running(settings_for(tmp_path / "b")) as second:
        await first.platform.app.service.handle(command("e1", ALICE, "start"))
        assert first.platform.app.metrics.registry is not second.platform.app.metrics.registry
        async with aiohttp.ClientSession() as http, http.get(f"{second.base}/metrics") as response:
            values = samples(await response.text())
    assert not any(name == "voordenken_events_total" for name, _ in values)


async def test_healthz_is_200_when_the_database_and_platforms_are_up(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path)) as server, aiohttp.ClientSession() as http:
        async with http.get(f"{server.base}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"ok": True, "checks": {"database": True, "console": True}, "standby": []}
        server.platform.up = False
        async with http.get(f"{server.base}/healthz") as response:
            assert response.status == 503
            assert (await response.json())["checks"] == {"database": True, "console": False}


async def test_healthz_is_503_when_the_database_is_gone(tmp_path: Path) -> None:
    directory = tmp_path / "db"
    async with running(settings_for(directory)) as server, aiohttp.ClientSession() as http:
        shutil.rmtree(directory)
        await server.platform.app.engine.dispose()  # pooled connections would hide the loss
        async with http.get(f"{server.base}/healthz") as response:
            assert response.status == 503
            assert (await response.json())["checks"]["database"] is False
        async with http.get(f"{server.base}/metrics") as response:
            assert response.status == 200  # the counters still come; only the backlog is stale


async def test_a_single_owner_platform_runs_under_its_lease(tmp_path: Path) -> None:
    """On SQLite every process leads, so the platform starts, delivers and stops as usual."""
    async with running(settings_for(tmp_path), single_owner=True) as server:
        platform = server.platform

        async def started() -> bool:
            return platform.started == 1
        await eventually(started)
        await platform.app.service.handle(command("e1", ALICE, "start"))
        assert platform.transport.delivered
        async with aiohttp.ClientSession() as http, http.get(f"{server.base}/metrics") as response:
            values = samples(await response.text())
        assert values[("voordenken_leading", (("platform", "console"),))] == 1
    assert platform.stopped == 1
