"""Single-owner work across replicas: a PostgreSQL advisory-lock lease.

Some work must run in exactly one replica at a time: Telegram long polling (Telegram
answers a second poller with 409 Conflict). Each replica tries a session-level
``pg_try_advisory_lock`` on a connection of its own; the holder keeps that connection
open while it leads. PostgreSQL releases the lock when the connection ends, so when the
leader's process or host dies another replica takes over at its next try
(``retry_interval``). The leader checks its connection every ``check_interval`` and
stops the work as soon as the connection is gone (it may have lost the lock).

On SQLite (one process per database file) every process leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[None]]


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` (the same in every replica)."""
    digest = hashlib.blake2b(f"voordenken:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds`` or until ``event`` is set, whichever comes first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


class Leadership:
    """Who owns the work called ``name``: this replica while it holds the advisory lock."""

    def __init__(
        self,
        engine: AsyncEngine,
        name: str,
        *,
        retry_interval: float = 15.0,
        check_interval: float = 5.0,
    ) -> None:
        self.name = name
        self.key = lock_key(name)
        self.retry_interval = retry_interval
        self.check_interval = check_interval
        self._always = engine.dialect.name != "postgresql"
        # Its own unpooled engine: the lock's connection must never go back to a pool
        # (another task would inherit the lock), and closing it must really close it.
        self._engine = None if self._always else create_async_engine(engine.url, poolclass=NullPool)
        self._connection: AsyncConnection | None = None
        self._leading = False

    @property
    def leading(self) -> bool:
        return self._leading

    async def try_acquire(self) -> bool:
        """Try once to become (or stay) the leader."""
        if self._leading:
            return True
        if self._always:
            self._leading = True
            return True
        assert self._engine is not None
        try:
            connection = await self._engine.connect()
        except Exception as error:
            log.warning("leadership %s: database unreachable (%s)", self.name, type(error).__name__)
            return False
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await asyncio.wait_for(
                connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}),
                self.check_interval,
            )
            acquired = bool(result.scalar_one())
        except Exception as error:
            log.warning("leadership %s: lock attempt failed (%s)", self.name, type(error).__name__)
            await self._discard(connection)
            return False
        if not acquired:
            await connection.close()
            return False
        self._connection, self._leading = connection, True
        return True

    async def still_leading(self) -> bool:
        """Check the lock's connection; a broken connection means the lock may be gone."""
        if not self._leading:
            return False
        if self._always or self._connection is None:
            return True
        try:
            await asyncio.wait_for(self._connection.execute(text("SELECT 1")), self.check_interval)
        except Exception as error:
            log.warning("leadership %s: lock connection lost (%s)", self.name, type(error).__name__)
            connection, self._connection, self._leading = self._connection, None, False
            await self._discard(connection)
            return False
        return True

    async def release(self) -> None:
        """Stop leading; closing the connection releases the lock (no explicit unlock needed)."""
        connection, self._connection, self._leading = self._connection, None, False
        if connection is not None:
            await self._discard(connection)

    async def close(self) -> None:
        await self.release()
        if self._engine is not None:
            await self._engine.dispose()

    @staticmethod
    async def _discard(connection: AsyncConnection) -> None:
        try:
            await connection.close()
        except Exception:
            with contextlib.suppress(Exception):
                await connection.invalidate()

    async def run_while_leader(self, start: Step, stop: Step, until: asyncio.Event) -> None:
        """Run ``start`` whenever this replica becomes leader and ``stop`` when it stops being one.

        Returns once ``until`` is set (after ``stop`` if it was leading). A failing ``start``
        gives up the lease, so another replica may try.
        """
        try:
            while not until.is_set():
                if not await self.try_acquire():
                    await _wait(until, self.retry_interval)
                    continue
                log.info("leadership %s: leading", self.name, extra={"lease": self.name})
                try:
                    await start()
                    while not until.is_set():
                        await _wait(until, self.check_interval)
                        if not until.is_set() and not await self.still_leading():
                            break
                except Exception:
                    log.exception("leadership %s: work failed", self.name)
                finally:
                    try:
                        await stop()
                    except Exception:
                        log.exception("leadership %s: stopping the work failed", self.name)
                    await self.release()
                    log.info("leadership %s: no longer leading", self.name, extra={"lease": self.name})
                if not until.is_set():
                    await _wait(until, self.retry_interval)
        finally:
            await self.close()
