"""``voordenken run``: every configured platform in one process and one event loop.

Platforms (Slack, Telegram) implement :class:`~bot.app.platforms.Platform`: they mount
their HTTP routes on the one shared aiohttp server, start their connections (Socket
Mode, polling, webhook registration), and hand the service a
:class:`~bot.core.ports.Transport`.

``VOORDENKEN_ROLE`` splits the work over processes: a ``web`` process only answers the
platforms' HTTP requests (each event stored in the inbox, then acknowledged); ``worker``
processes take the events from the inbox, deliver the outbox and run check-ins, polling
and retention. ``all`` (the default) is both in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from bot.app.bootstrap import App, bootstrap
from bot.app.http_body import body_deadline
from bot.app.pages import session_page
from bot.app.platforms import Platform, PlatformFactory, configured_platforms
from bot.app.settings import Settings
from bot.core.ports import Clock
from bot.shell.leader import Leadership
from bot.shell.metrics import CONTENT_TYPE

log = logging.getLogger(__name__)


def settle_heap() -> None:
    """Take what is alive at start-up (modules, classes, schemas: ~100k objects) out of the GC's walk.

    A full collection visits every tracked object; with the libraries imported that took
    40-70 ms, a stall for every message in flight (``benchmarks/bench_service.py``, open
    loop). These objects live as long as the process, so walking them finds nothing.
    """
    gc.collect()
    gc.freeze()


async def run(settings: Settings, *, console_channel: str, console_user: str) -> int:
    """Run Slack and/or Telegram when their tokens are set; otherwise the console."""
    factories = configured_platforms(settings)
    if not factories and (settings.role != "all" or not sys.stdin.isatty()):
        # A container or service without a token: say so (exit 2) rather than open a console
        # that ends at once and gets restarted in a loop.
        print("voordenken: no chat platform is configured: set SLACK_BOT_TOKEN (or SLACK_CLIENT_ID) or "
              "TELEGRAM_BOT_TOKEN. Without one, `voordenken run` opens the console, which needs a terminal "
              "(to replay a file: voordenken console < file).", file=sys.stderr)
        return 2
    if not factories:
        from bot.app.console import console

        print("No SLACK_BOT_TOKEN or TELEGRAM_BOT_TOKEN set: starting the console adapter.", file=sys.stderr)
        return await console(settings, console_channel, console_user, sys.stdin, sys.stdout)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    async def settled(port: int) -> None:
        settle_heap()  # once up: the platforms' SDKs are imported and everything long-lived is built

    await serve(settings, factories, stop, ready=settled)
    return 0


async def serve(settings: Settings, factories: list[PlatformFactory], stop: asyncio.Event,
                ready: Callable[[int], Awaitable[None]] | None = None, *, clock: Clock | None = None) -> None:
    """Build the app, start the platforms and the shared HTTP server; run until ``stop``.

    ``ready`` is called with the bound port once everything is up (tests use port 0);
    ``clock`` replaces the system clock (fault tests run hours of retries without waiting).
    """
    app = await bootstrap(settings, clock=clock, serving=True)
    try:
        platforms = [factory(settings, app) for factory in factories]
    except Exception:
        await app.close()
        raise
    web_role, worker_role = settings.role in ("all", "web"), settings.role in ("all", "worker")
    if not worker_role:  # a single owner (Telegram polling) runs in a worker, never here
        platforms = [p for p in platforms if not p.needs_single_owner]
    web_app = web.Application(client_max_size=MAX_REQUEST_BODY,
                              middlewares=[body_deadline(settings.http_body_timeout, MAX_REQUEST_BODY)])
    # --- single-owner platforms (Platform.needs_single_owner): started only while this replica leads
    leases = {
        p.name: Leadership(app.engine, f"platform:{p.name}", retry_interval=LEASE_RETRY_SECONDS,
                           check_interval=LEASE_CHECK_SECONDS)
        for p in platforms if p.needs_single_owner
    }
    owned: list[asyncio.Task[None]] = []
    web_app.router.add_get("/healthz", _health(app, platforms, leases))
    web_app.router.add_get("/metrics", _metrics(app))
    if web_role:
        web_app.router.add_get("/page/{token}", session_page(app))
    for platform in platforms:
        if platform.name not in leases:
            app.service.add_transport(platform.transport)
        if web_role:
            platform.mount(web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    work: list[asyncio.Task[None]] = []
    if worker_role:
        inbox_interval = INBOX_SWEEP_SECONDS if web_role else WORKER_POLL_SECONDS
        work = [
            asyncio.create_task(app.service.run_outbox(stop), name="outbox"),
            asyncio.create_task(app.service.run_inbox(stop, inbox_interval), name="inbox"),
            asyncio.create_task(_retention(app, settings, stop), name="retention"),
        ]
    try:
        for platform in platforms:
            if platform.name in leases:
                owned.append(asyncio.create_task(_run_owned(app, platform, leases[platform.name], stop)))
                continue
            await platform.start()
            log.info("platform started", extra={"platform": platform.name, "role": settings.role})
        if worker_role:
            await app.scheduler.start()  # after the platforms: missed check-ins go out at once
        port = _bound_port(site, settings.http_port)
        if ready is not None:
            await ready(port)
        await stop.wait()
    finally:
        stop.set()
        await app.scheduler.stop()
        await asyncio.gather(*owned, return_exceptions=True)  # they stop their platforms
        for platform in reversed(platforms):
            if platform.name in leases:
                continue
            with contextlib.suppress(Exception):
                await platform.stop()
        await asyncio.gather(*work)
        await runner.cleanup()
        await app.close()


# The largest request body any route takes (the platforms' own limits are lower or equal).
MAX_REQUEST_BODY = 1024 * 1024

# How often the inbox is looked at: by every replica, for the events of one that died; by
# a worker, for the events the web replicas stored (its replies wait at most this long).
INBOX_SWEEP_SECONDS = 2.0
WORKER_POLL_SECONDS = 0.05
RETENTION_INTERVAL_SECONDS = 6 * 3600
DELIVERED_KEPT = timedelta(days=7)


async def _retention(app: App, settings: Settings, stop: asyncio.Event) -> None:
    """Now and then: forget delivered messages and old event ids, and expired channels' content."""
    while not stop.is_set():
        try:
            # Delivered messages and old event ids are not needed once past every retry window.
            await app.service.repository.prune(app.clock.now() - DELIVERED_KEPT)
            if settings.retention_days:
                await app.service.purge_expired(timedelta(days=settings.retention_days))
        except Exception:
            log.exception("retention purge failed; retrying later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RETENTION_INTERVAL_SECONDS)


def _bound_port(site: web.TCPSite, default: int) -> int:
    """The port actually bound (differs from the setting when it is 0, as in tests)."""
    server = site._server
    sockets = getattr(server, "sockets", None)
    return int(sockets[0].getsockname()[1]) if sockets else default


LEASE_RETRY_SECONDS = 15.0  # a dead leader's work is taken over within ~15-20 s
LEASE_CHECK_SECONDS = 5.0


async def _run_owned(app: App, platform: Platform, lease: Leadership, stop: asyncio.Event) -> None:
    """Run a single-owner platform whenever this replica holds its lease."""

    async def start() -> None:
        await platform.start()
        app.service.add_transport(platform.transport)
        app.metrics.set_leading(platform.name, True)
        log.info("platform started (lease holder)", extra={"platform": platform.name})

    async def end() -> None:
        app.metrics.set_leading(platform.name, False)
        app.service.remove_transport(platform.name)
        await platform.stop()

    await lease.run_while_leader(start, end, stop)


def _health(
    app: App, platforms: list[Platform], leases: dict[str, Leadership]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def health(request: web.Request) -> web.Response:
        checks = {"database": await _database_ok(app)}
        standby = [name for name, lease in leases.items() if not lease.leading]
        # A replica on standby for a single-owner platform is healthy: it is not meant to run it.
        checks.update({p.name: p.name in standby or p.healthy() for p in platforms})
        status = 200 if all(checks.values()) else 503
        return web.json_response({"ok": status == 200, "checks": checks, "standby": standby}, status=status)

    return health


def _metrics(app: App) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def metrics(request: web.Request) -> web.Response:
        try:
            await app.metrics.refresh(app.engine, app.clock.now())
        except Exception as error:
            log.warning("metrics: outbox backlog unavailable (%s)", type(error).__name__)
        return web.Response(body=app.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    return metrics


async def _database_ok(app: App) -> bool:
    from sqlalchemy import text

    try:
        async with app.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        log.warning("health check: database unreachable")
        return False
    return True
