"""``voordenken run``: every configured platform in one process and one event loop.

Platforms (Slack, Telegram) implement :class:`Platform`: they mount their HTTP routes
on the one shared aiohttp server, start their connections (Socket Mode, polling,
webhook registration), and hand the service a :class:`~bot.ports.Transport`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web

from bot.bootstrap import App, bootstrap
from bot.ports import Transport
from bot.settings import Settings

log = logging.getLogger(__name__)


class Platform(Protocol):
    """A chat platform adapter as the runner sees it."""

    name: str
    transport: Transport

    def mount(self, web_app: web.Application) -> None:
        """Add this platform's HTTP routes (events, webhooks) to the shared server."""
        ...

    async def start(self) -> None:
        """Connect (Socket Mode, long polling, webhook registration); return once running."""
        ...

    async def stop(self) -> None: ...

    def healthy(self) -> bool:
        """Whether the platform connection is up (for /healthz)."""
        ...


PlatformFactory = Callable[[Settings, App], Platform]


def configured_platforms(settings: Settings) -> list[PlatformFactory]:
    factories: list[PlatformFactory] = []
    if settings.slack_bot_token is not None or settings.slack_client_id:
        from adapters.slack import build_platform as build_slack

        factories.append(build_slack)
    if settings.telegram_bot_token is not None:
        from adapters.telegram import build_platform as build_telegram

        factories.append(build_telegram)
    return factories


async def run(settings: Settings, *, console_channel: str, console_user: str) -> int:
    """Run Slack and/or Telegram when their tokens are set; otherwise the console."""
    factories = configured_platforms(settings)
    if not factories:
        from bot.cli import console

        print("No SLACK_BOT_TOKEN or TELEGRAM_BOT_TOKEN set: starting the console adapter.", file=sys.stderr)
        return await console(settings, console_channel, console_user, sys.stdin, sys.stdout)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await serve(settings, factories, stop)
    return 0


async def serve(settings: Settings, factories: list[PlatformFactory], stop: asyncio.Event,
                ready: Callable[[int], Awaitable[None]] | None = None) -> None:
    """Build the app, start the platforms and the shared HTTP server; run until ``stop``.

    ``ready`` is called with the bound port once everything is up (tests use port 0).
    """
    app = await bootstrap(settings)
    platforms = [factory(settings, app) for factory in factories]
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app.router.add_get("/healthz", _health(app, platforms))
    for platform in platforms:
        app.service.add_transport(platform.transport)
        platform.mount(web_app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    await site.start()
    outbox = asyncio.create_task(app.service.run_outbox(stop), name="outbox")
    try:
        for platform in platforms:
            await platform.start()
            log.info("platform started", extra={"platform": platform.name})
        port = _bound_port(site, settings.http_port)
        if ready is not None:
            await ready(port)
        await stop.wait()
    finally:
        stop.set()
        for platform in reversed(platforms):
            with contextlib.suppress(Exception):
                await platform.stop()
        await outbox
        await runner.cleanup()
        await app.close()


def _bound_port(site: web.TCPSite, default: int) -> int:
    """The port actually bound (differs from the setting when it is 0, as in tests)."""
    server = site._server
    sockets = getattr(server, "sockets", None)
    return int(sockets[0].getsockname()[1]) if sockets else default


def _health(app: App, platforms: list[Platform]) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def health(request: web.Request) -> web.Response:
        checks = {"database": await _database_ok(app)}
        checks.update({platform.name: platform.healthy() for platform in platforms})
        status = 200 if all(checks.values()) else 503
        return web.json_response({"ok": status == 200, "checks": checks}, status=status)

    return health


async def _database_ok(app: App) -> bool:
    from sqlalchemy import text

    try:
        async with app.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        log.warning("health check: database unreachable")
        return False
    return True
