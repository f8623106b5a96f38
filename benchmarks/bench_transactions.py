"""Write transactions per inbound message, until its reply is delivered and settled.

Each message is a ``status`` command, which the real engine answers with one message, so
a message costs what the whole pipe costs: the inbox (Slack's ``accept``), handling (the
state, the log, the outbox) and delivery (claiming and settling the reply). Counted:
every transaction begun on any engine that is not read-only (``BEGIN IMMEDIATE`` on
SQLite; on PostgreSQL also the autocommit inbox INSERT), through SQLAlchemy's ``begin``
event on all engines, so the count needs no hook in the code it measures. Per path
(``handle``, as Telegram and the console call it; ``accept``, as Slack does), one message
at a time (a quiet channel: nothing to share a transaction with) and under load (what
concurrent messages share). On SQLite and on PostgreSQL (skipped with a note when
127.0.0.1:5432 is unreachable). Prints figures; asserts nothing; counts, not timings, so
one run is enough.
Run: ``python -m benchmarks.bench_transactions``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Engine, event  # noqa: E402

from benchmarks.bench_service import NoopTransport, open_sessions  # noqa: E402
from bot.app.bootstrap import App, bootstrap  # noqa: E402
from bot.app.settings import Settings  # noqa: E402
from bot.core.model import CommandIssued, Sender  # noqa: E402
from bot.shell.storage.database import READ_ONLY, sqlite_url_for  # noqa: E402

MESSAGES = 400  # per figure
CHANNELS = 50  # under load: channels at once (handle) ...
IN_FLIGHT = 32  # ... and requests in flight (accept), as Slack sends them


class WriteCounter:
    """Counts write transactions begun on every engine of this process."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, connection: Connection) -> None:
        if not connection.get_execution_options().get(READ_ONLY, False):
            self.count += 1


def status(channel: str, n: int) -> CommandIssued:
    # A sender per message: the flood guard (20 per person) stays out of it.
    return CommandIssued(event_id=f"{channel}:s{n}", channel=channel, sender=Sender(f"U{n}", f"User {n}"),
                         text="status")


async def measure(url: str, prefix: str, run: Callable[[App, list[str]], Awaitable[None]], channels: int) -> float:
    """Write transactions per message while ``run`` sends MESSAGES status commands."""
    app = await bootstrap(Settings(_env_file=None, database_url=url), transports=[NoopTransport()])
    names = [f"console:{prefix}-{i}" for i in range(channels)]
    counter = WriteCounter()
    try:
        await open_sessions(app, names)
        await app.service.drain()
        before = len(await app.service.repository.outbox())
        event.listen(Engine, "begin", counter)
        try:
            await run(app, names)
            await app.service.drain()  # accepted events processed, replies delivered and settled
        finally:
            event.remove(Engine, "begin", counter)
        rows = await app.service.repository.outbox()
    finally:
        await app.close()
    if len(rows) - before != MESSAGES or any(row.status != "sent" for row in rows):
        raise RuntimeError(f"{len(rows) - before} replies for {MESSAGES} messages, or some not sent")
    return counter.count / MESSAGES


async def handle_one_at_a_time(app: App, names: list[str]) -> None:
    for n in range(MESSAGES):
        await app.service.handle(status(names[0], n))


async def handle_under_load(app: App, names: list[str]) -> None:
    async def talk(channel: str) -> None:
        for n in range(MESSAGES // len(names)):
            await app.service.handle(status(channel, n))

    await asyncio.gather(*(talk(name) for name in names))


async def accept_one_at_a_time(app: App, names: list[str]) -> None:
    for n in range(MESSAGES):
        await app.service.accept(status(names[0], n))
        await app.service.drain()  # handled and delivered before the next arrives


async def accept_under_load(app: App, names: list[str]) -> None:
    numbers = iter(range(MESSAGES))

    async def client() -> None:  # sends its next request once the last one was acknowledged
        for n in numbers:
            await app.service.accept(status(names[n % len(names)], n))

    await asyncio.gather(*(client() for _ in range(IN_FLIGHT)))


FIGURES: list[tuple[str, Callable[[App, list[str]], Awaitable[None]], int]] = [
    ("handle, one at a time", handle_one_at_a_time, 1),
    (f"handle, {CHANNELS} channels at once", handle_under_load, CHANNELS),
    ("accept, one at a time", accept_one_at_a_time, 1),
    (f"accept, {IN_FLIGHT} in flight, 1 channel", accept_under_load, 1),
    (f"accept, {IN_FLIGHT} in flight, {CHANNELS} channels", accept_under_load, CHANNELS),
]


async def run_backend(label: str, url: str) -> None:
    print(f"{label}: write transactions per inbound message (each answered with one reply)")
    for n, (name, run, channels) in enumerate(FIGURES):
        print(f"  {name:<40} {await measure(url, f'f{n}', run, channels):5.2f}")


async def main(*_: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await run_backend("SQLite (file, WAL)", sqlite_url_for(Path(tmp) / "bench.db"))
    from tests.storage.pg import PostgresUnavailable, fresh_postgres_url

    try:
        async with fresh_postgres_url() as url:
            await run_backend("PostgreSQL (127.0.0.1:5432)", url)
    except PostgresUnavailable as error:
        print(f"PostgreSQL: skipped, server unreachable ({error})")


if __name__ == "__main__":
    asyncio.run(main())
