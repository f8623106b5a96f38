"""A small aiohttp server in a daemon thread with its own event loop, for the platform fakes.

Running the fake in its own loop keeps it answering whatever loop scope a test uses (a
fake on the test's loop hangs when the loop scopes differ; see platform-facts §5).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Self

from aiohttp import web


class BackgroundServer:
    """Serves the application ``build()`` makes on 127.0.0.1 at an ephemeral port."""

    def __init__(self, name: str, build: Callable[[], web.Application],
                 before_cleanup: Callable[[], Awaitable[None]] | None = None) -> None:
        self._name = name
        self._build = build
        self._before_cleanup = before_cleanup
        self.loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def start(self) -> None:
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self.loop = loop
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._serve())
            started.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError(f"{self._name} did not start")

    def stop(self) -> None:
        loop = self.loop
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    async def _serve(self) -> None:
        self._runner = web.AppRunner(self._build(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _shutdown(self) -> None:
        if self._before_cleanup is not None:
            await self._before_cleanup()
        if self._runner is not None:
            await self._runner.cleanup()


class FakeServer:
    """A platform fake served by a :class:`BackgroundServer` (``self._server``).

    ``with FakeSlack() as fake:`` starts it and stops it again, also when the test fails.
    """

    _server: BackgroundServer

    @property
    def port(self) -> int:
        return self._server.port

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


async def poll_until(find: Callable[[], Any], timeout: float, describe: Callable[[], str]) -> Any:
    """Poll ``find`` (from the test's loop) until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = find()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(describe())
        await asyncio.sleep(0.01)
