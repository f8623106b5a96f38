"""Long polling that confirms an update to Telegram only once it has been processed.

PTB's ``Updater`` confirms a batch of updates (the next ``getUpdates`` offset) as soon as it
has queued them, so an update whose handling then fails (the database is down) or that a
crash interrupts is gone. Here the offset moves past an update only once it was handled;
until then Telegram keeps it (for up to a day) and it is tried again, here or, after a
crash, by the next poller. Handling an update twice is safe: the service de-duplicates by
update id in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from telegram import Bot, Update
from telegram.error import Conflict, RetryAfter, TelegramError

from adapters.telegram.transport import retry_seconds

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 10
FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 30.0
# Tries of an update that keeps failing for another reason than an outage (a bug, a payload
# nobody foresaw): then it is skipped, logged by id, so it cannot hold up every chat. An outage
# (database or network) is waited out however long it lasts.
FAULTY_ATTEMPTS = 8  # about a minute, with the pauses between them

T = TypeVar("T")
Process = Callable[[Update], Awaitable[BaseException | None]]


class Poller:
    """``getUpdates`` in a loop; each update processed, then confirmed, in order."""

    def __init__(self, bot: Bot, process: Process, *, is_outage: Callable[[BaseException], bool],
                 on_conflict: Callable[[], None], allowed_updates: Sequence[str]) -> None:
        self._bot = bot
        self._process = process
        self._is_outage = is_outage
        self._on_conflict = on_conflict
        self._allowed_updates = list(allowed_updates)
        self._offset: int | None = None  # the first update not yet processed, once one was
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    @property
    def polling(self) -> bool:
        """Started and not ended by itself (a 409 ends it)."""
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Stop polling; an update being processed is finished first, then the offset confirmed."""
        self._stopping.set()
        if self._task is not None:
            try:
                await self._task
            except Exception:  # a bug here: logged, and the platform still stops cleanly
                log.exception("telegram: polling had ended with an error")
            self._task = None
        if self._offset is not None:
            # Without this call Telegram would hand the processed updates out once more (the
            # service would see them as duplicates): no long poll, just the confirmation.
            try:
                await self._bot.get_updates(offset=self._offset, timeout=0, allowed_updates=self._allowed_updates)
            except TelegramError as error:
                log.info("telegram: confirming the last updates at stop failed (%s)", type(error).__name__)

    async def _run(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not self._stopping.is_set():
            try:
                updates = await self._unless_stopping(self._bot.get_updates(
                    offset=self._offset, timeout=POLL_TIMEOUT_SECONDS, allowed_updates=self._allowed_updates))
            except Conflict:
                self._on_conflict()
                return
            except RetryAfter as error:
                await self._pause(retry_seconds(error))
                continue
            except Exception as error:  # network trouble, Telegram's own 5xx: try again, a little later each time
                log.warning("Telegram polling failed (%s); retrying in %.1f s", type(error).__name__, delay)
                await self._pause(delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                continue
            delay = FIRST_RETRY_SECONDS
            for update in updates or ():
                if self._stopping.is_set() or not await self._handle(update):
                    return  # stopping: this update and the rest stay unconfirmed, for the next poller
                self._offset = update.update_id + 1

    async def _handle(self, update: Update) -> bool:
        """Process ``update`` until it is done (or skipped); False if stopping first."""
        delay, faulty = FIRST_RETRY_SECONDS, 0
        while True:
            try:
                error = await self._process(update)
            except Exception as raised:  # PTB itself failing: the same as a handler failing
                error = raised
            if error is None:
                return True
            if not self._is_outage(error):
                faulty += 1
                if faulty >= FAULTY_ATTEMPTS:
                    log.error("Telegram update %s failed %d times (%s); skipped", update.update_id, faulty,
                              type(error).__name__)
                    return True
            log.warning("Telegram update %s not processed (%s); trying again in %.1f s", update.update_id,
                        type(error).__name__, delay)
            if not await self._pause(delay):
                return False
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    async def _pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False if told to stop meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()

    async def _unless_stopping(self, work: Awaitable[T]) -> T | None:
        """``work``'s result, or None once stopping (a long poll is not waited out)."""
        task = asyncio.ensure_future(work)
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return None if task.cancelled() else task.result()
