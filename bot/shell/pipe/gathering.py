"""Group commit across callers: requests made within a few turns of the event loop share one
transaction (the inbox's INSERT, the outbox's settles).

A few turns, because requests the server has already read (or deliveries that finished
together) reach the stage in about that many: under load a commit serves many callers,
and a lone caller waits microseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

R = TypeVar("R")
S = TypeVar("S")

TURNS = 3  # turns of the event loop a request waits for others


class Gathering(Generic[R, S]):
    """Runs ``commit(requests) -> results`` (one result per request, in order) for whatever
    was submitted meanwhile; each caller gets its own result, or the commit's error."""

    def __init__(self, commit: Callable[[list[R]], Awaitable[Sequence[S]]], spawn: Callable[[Any], Any]) -> None:
        self._commit = commit
        self._spawn = spawn
        self._waiting: list[tuple[R, asyncio.Future[S]]] = []

    @property
    def waiting(self) -> bool:
        """Whether requests wait for the next commit."""
        return bool(self._waiting)

    async def submit(self, request: R) -> S:
        future: asyncio.Future[S] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        if len(self._waiting) == 1:
            self._spawn(self._run())
        return await future

    async def _run(self) -> None:
        for _ in range(TURNS):
            await asyncio.sleep(0)
        batch, self._waiting = self._waiting, []
        try:
            results = await self._commit([request for request, _ in batch])
        except BaseException as error:
            for _, future in batch:
                fail(future, error)
            if not isinstance(error, Exception):
                raise
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # the caller may have given up (cancelled)
                future.set_result(result)


def fail(future: asyncio.Future[Any], error: BaseException) -> None:
    """Hand ``error`` to whoever waits on ``future`` (if still waiting)."""
    if future.done():
        return
    if isinstance(error, Exception):
        future.set_exception(error)
    else:  # cancelled (or exiting): so is the wait
        future.cancel()
