"""A tiny in-test platform and a running ``bot.app.runner.serve`` to talk to over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.app.bootstrap import App
from bot.app.runner import serve
from bot.app.settings import Settings
from bot.core.model import OutboundMessage
from bot.shell.storage.database import sqlite_url_for


@dataclass
class RecordingTransport:
    platform: str = "console"
    delivered: list[OutboundMessage] = field(default_factory=list)

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        self.delivered.append(message)
        return target or f"m{len(self.delivered)}"


class FakePlatform:
    """Implements ``bot.app.platforms.Platform``; tests drive events through ``app.service``."""

    def __init__(self, app: App, *, single_owner: bool = False) -> None:
        self.name = "console"
        self.app = app
        self.transport = RecordingTransport()
        self.needs_single_owner = single_owner
        self.up = True
        self.started = 0
        self.stopped = 0

    def mount(self, web_app: web.Application) -> None:
        pass

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1

    def healthy(self) -> bool:
        return self.up


@dataclass
class Running:
    base: str
    platform: FakePlatform


def settings_for(directory: Path) -> Settings:
    directory.mkdir(parents=True, exist_ok=True)
    return Settings(
        _env_file=None,
        database_url=sqlite_url_for(directory / "voordenken.db"),
        http_host="127.0.0.1",
        http_port=0,
    )


@contextlib.asynccontextmanager
async def running(settings: Settings, *, single_owner: bool = False) -> AsyncIterator[Running]:
    """``serve`` in a task on an ephemeral port; stopped (and awaited) on exit."""
    stop = asyncio.Event()
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    platforms: list[FakePlatform] = []

    def factory(_settings: Settings, app: App) -> FakePlatform:
        platform = FakePlatform(app, single_owner=single_owner)
        platforms.append(platform)
        return platform

    async def ready(bound: int) -> None:
        port.set_result(bound)

    task = asyncio.create_task(serve(settings, [factory], stop, ready=ready))
    waiters: set[asyncio.Future[object]] = {task, port}  # type: ignore[arg-type]
    await asyncio.wait(waiters, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # raises what serve raised
    assert port.done(), "serve did not become ready within 30 s"
    try:
        yield Running(f"http://127.0.0.1:{port.result()}", platforms[0])
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Prometheus exposition text as {(sample name, sorted labels): value}."""
    values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


async def eventually(check: object, timeout: float = 10.0) -> None:
    """Poll an async or sync predicate until it is true (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check() if callable(check) else check
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
