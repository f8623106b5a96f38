"""Engine construction and schema upgrades.

SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` transactions, so two processes
sharing one file take the write lock up front instead of failing half-way with
"database is locked" (read-only transactions, see :func:`read_only`, take no lock).
PostgreSQL gets a normal pool; concurrent starts serialise their migrations with an
advisory lock. :class:`Transactor` runs the service's synchronous transactions: on
SQLite on the event loop's thread (in a writer thread while another process holds the
lock), on PostgreSQL through ``run_sync``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.shell.storage import scrub

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Execution option marking read-only work (see ``read_only``).
READ_ONLY = "voordenken_read_only"

# Arbitrary but fixed: every Voordenken process upgrading the same PostgreSQL database
# takes this transaction-scoped advisory lock first.
_MIGRATION_LOCK_KEY = 0x766F6F7264  # "voord"


# Seconds asyncpg waits for a server to answer a new connection (its own default is 60): a
# wrong host behind a firewall says so in seconds instead of a minute.
_CONNECT_TIMEOUT = 10


class DatabaseUnavailable(Exception):
    """The database could not be opened: one line saying why and what to do (for operators)."""


def opening_problem(error: BaseException, url: URL) -> str | None:
    """What an operator should read for ``error``, raised while first opening ``url``; ``None``
    when it is not about reaching or opening the database (a bug: keep its traceback).

    Never repeats the password; names the host, port, database or file it could not open.
    """
    if url.get_backend_name() == "sqlite":
        if not isinstance(error, OperationalError | sqlite3.OperationalError):
            return None
        path = Path(url.database or "")
        if "unable to open database file" not in str(error) or not url.database:
            return None
        if not path.parent.is_dir():
            return (f"the folder {path.parent} does not exist; create it (mkdir -p {path.parent}) "
                    f"or give another path")
        return f"cannot open the file {path}; check that the bot may read and write it and its folder"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    if isinstance(error, socket.gaierror):
        return f"the host {url.host!r} is unknown; check the host in the database URL"
    if isinstance(error, ConnectionRefusedError):
        return f"nothing answers at {where}; is PostgreSQL running there, on that port?"
    if isinstance(error, TimeoutError):
        return f"no answer from {where} within {_CONNECT_TIMEOUT} seconds; check the host, port and firewall"
    if isinstance(error, OSError):
        return f"cannot reach {where}: {error.strerror or error}"
    if isinstance(error, DBAPIError) and error.orig is not None:
        reason = str(error.orig).strip()
        if "does not exist" in reason and url.database and f'database "{url.database}"' in reason:
            return (f"PostgreSQL at {where} has no database {url.database!r}; create it "
                    f"(createdb {url.database}) or fix the name in the URL")
        if "password" in reason or "role" in reason or "authentication" in reason or "pg_hba" in reason:
            return f"PostgreSQL at {where} refused the user {url.username!r}: {reason}"
        if isinstance(error, InterfaceError | OperationalError) or "connect" in reason:
            return f"cannot connect to PostgreSQL at {where}: {reason}"
    return None


def _check_sqlite_file(url: URL) -> None:
    """Refuse an SQLite file that cannot be opened before trying: when aiosqlite's connect fails,
    its thread may report to an event loop already closed, a traceback after our one line."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    if not path.parent.is_dir():
        raise DatabaseUnavailable(f"the folder {path.parent} does not exist; create it (mkdir -p {path.parent}) "
                                  f"or give another path")
    if not os.access(path if path.exists() else path.parent, os.R_OK | os.W_OK):
        raise DatabaseUnavailable(f"cannot open the file {path}; check that the bot may read and write it "
                                  f"and its folder")


def sqlite_url_for(path: str | Path) -> str:
    """An async SQLite URL for a file path (relative paths are made absolute)."""
    return f"sqlite+aiosqlite:///{Path(path).expanduser().resolve()}"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine configured for the backend in ``url``; extra kwargs go to SQLAlchemy.

    Statement parameters are hidden from error messages by default: they carry chat text
    (outbox payloads, channel state), and errors end up in logs.
    """
    kwargs.setdefault("hide_parameters", True)
    if make_url(url).get_backend_name() == "sqlite":
        # One writer at a time anyway (BEGIN IMMEDIATE): queue in the pool, where waiting is
        # an asyncio wait, rather than in SQLite's busy handler, which sleeps up to 100 ms a try.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine.sync_engine)
        return engine
    # No pre-ping (a round trip before every transaction, doubling the latency of the inbox
    # write Slack's answer waits for): a connection found dead (the database restarted) is
    # reported once, SQLAlchemy then drops the whole pool, and Transactor tries again.
    if make_url(url).get_driver_name() == "asyncpg":
        kwargs["connect_args"] = {"timeout": _CONNECT_TIMEOUT, **kwargs.get("connect_args", {})}
    return create_async_engine(url, **kwargs)


def make_sync_sqlite_engine(url: str, *, wait_for_lock: bool = True, connections: int = 2) -> Engine:
    """A blocking pysqlite engine on the same file as the async SQLite ``url``, same pragmas.

    :class:`Transactor` uses two: one for its writer and checkpointer threads (a connection
    each) and one, with ``wait_for_lock=False``, for transactions run on the event loop's
    own thread, which must fail at once rather than wait when another writer holds the lock.
    ``check_same_thread`` is off so connections may be used and disposed from any thread.
    """
    engine = create_engine(
        make_url(url).set(drivername="sqlite"),
        hide_parameters=True,
        pool_size=connections,
        max_overflow=0,
        connect_args={"check_same_thread": False},
    )
    _configure_sqlite(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The checkpointer copies the WAL back; this only bounds the WAL if it falls behind.
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={_WAL_BACKSTOP_PAGES}")
        if not wait_for_lock:
            dbapi_connection.execute("PRAGMA busy_timeout=0")

    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # First, so that switching a fresh file to WAL waits for a concurrent opener (several
        # processes starting together) instead of failing with "database is locked".
        cursor.execute("PRAGMA busy_timeout=5000")
        _use_wal(cursor)
        # Under WAL, NORMAL syncs at checkpoints instead of every commit: still crash-safe for
        # the process (a killed bot loses nothing committed); a power cut may lose the last
        # commits, which the platforms redeliver. FULL costs an fsync per event.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted content is overwritten with zeros, not left in free pages: a purge must leave
        # no copy in the file, whatever this SQLite's build default (upstream's is off).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A read-only transaction needs no write lock: under WAL it reads a snapshot and
        # neither waits for the writer nor makes the writer wait.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        statement = "BEGIN" if read_only else "BEGIN IMMEDIATE"
        driver = connection.connection.dbapi_connection
        if isinstance(driver, sqlite3.Connection):
            # Straight to the driver: SQLAlchemy's statement machinery cost more than the
            # BEGIN itself (about a tenth of a small transaction). Errors come as sqlite3's own.
            driver.execute(statement)
        else:  # the async driver's adapter
            connection.exec_driver_sql(statement)


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL once; later connections find it switched (WAL is persistent).

    Switching needs the file to itself, and SQLite may refuse it at once ("database is
    locked") rather than wait while another connection is in a transaction, as when several
    processes start on a fresh file together: then try again for up to about five seconds.
    """
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() == "wal":
        return
    for attempt in range(100):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as error:  # sqlite3's, or the async driver's wrapper of it
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.05)


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (same pool) for read-only transactions: no write lock on SQLite.

    Writing in such a transaction may fail with "database is locked"; only read.
    """
    return engine.execution_options(**{READ_ONLY: True})


# SQLite checkpoints automatically inside the commit that takes the WAL past 1,000 pages,
# and with synchronous=NORMAL that commit also syncs the file: with a large channel state
# one commit in ten took over 5 ms longer. The writer leaves it to a checkpointer thread
# (a PASSIVE checkpoint runs alongside the writer), poked every few commits.
_CHECKPOINT_EVERY = 16  # commits
_WAL_BACKSTOP_PAGES = 20_000  # ~80 MB: automatic checkpoints only if the checkpointer lags


class _Checkpointer:
    """A thread running ``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection when poked."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                connection = self._engine.raw_connection()
                try:
                    cursor = connection.cursor()
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cursor.fetchall()
                    cursor.close()
                finally:
                    connection.close()
            except Exception:  # the next poke tries again; the backstop bounds the WAL
                log.warning("WAL checkpoint failed", exc_info=True)


# Polling for the write lock from the event loop while another process holds it (seconds).
_LOCK_POLL_FIRST = 0.0005
_LOCK_POLL_MAX = 0.004
_LOCK_POLL_LIMIT = 0.05  # then the writer thread waits (busy_timeout)


class _Busy(Exception):
    """Another connection holds SQLite's write lock: run the transaction where waiting is safe."""


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` says the database was out of reach or busy (it passes by itself), as
    opposed to a statement it refused: for callers deciding to try again later, not give up."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    return isinstance(error, OSError | TimeoutError | PoolTimeout | sqlite3.OperationalError)


def _is_busy(error: OperationalError | sqlite3.OperationalError) -> bool:
    text = str(error.orig if isinstance(error, OperationalError) else error)
    return "database is locked" in text or "database is busy" in text


class Transactor:
    """Runs a synchronous function of a :class:`Connection` as one transaction, on any backend.

    The transactional code is written once, synchronously. On PostgreSQL it runs on the
    async engine through SQLAlchemy's greenlet bridge (``run_sync``). On SQLite, where a
    transaction is a few hundred microseconds of Python and no network, it runs on the
    event loop's thread when the write lock is free at once (WAL with synchronous=NORMAL:
    a commit does not wait for the disk): handing it to another thread would add no
    parallelism under the GIL, only the hand-over, which under load cost milliseconds per
    transaction. When another process holds the lock, the transaction goes to a dedicated
    writer thread that waits for it (after polling for it from the loop for a few
    milliseconds), so the event loop never blocks on a lock. Reads keep using the async
    engine.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._reader = read_only(engine)
        # A read of several statements (a state's head and items) must see one snapshot. A
        # SQLite transaction reads one; PostgreSQL's default READ COMMITTED takes one per
        # statement, REPEATABLE READ one per transaction (and a reader never has to retry).
        self._snapshot = (
            self._reader.execution_options(isolation_level="REPEATABLE READ")
            if engine.dialect.name == "postgresql"
            else self._reader
        )
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._sqlite = engine.dialect.name == "sqlite"
        self._sync: Engine | None = None
        # busy_timeout 0, used on the event loop's thread only: one connection kept open (a
        # checkout and check-in per transaction cost a third of a small one).
        self._inline: Connection | None = None
        # One thread that may wait for SQLite's lock while another process holds it.
        self._writer: ThreadPoolExecutor | None = None
        self._checkpointer: _Checkpointer | None = None
        self._commits = 0  # counted on both threads, approximately: it only paces checkpoints
        if self._sqlite:
            # Disposing the async engine (app shutdown, tests) closes the writer's file too.
            event.listen(engine.sync_engine, "engine_disposed", self._on_disposed)

    async def write(self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(connection, *args)`` in one write transaction (BEGIN IMMEDIATE on SQLite)."""
        if not self._sqlite:
            return await _run_sync(self.engine.begin, fn, *args, **kwargs)
        if self._writer is None or self._sync is None or self._inline is None or self._checkpointer is None:
            url = self.engine.url.render_as_string(hide_password=False)
            self._sync = make_sync_sqlite_engine(url)
            self._inline = make_sync_sqlite_engine(url, wait_for_lock=False, connections=1).connect()
            self._checkpointer = _Checkpointer(self._sync)
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        sync, inline, checkpointer = self._sync, self._inline, self._checkpointer

        def committed(result: T) -> T:
            self._commits += 1
            if self._commits % _CHECKPOINT_EVERY == 0:
                checkpointer.poke()
            return result

        # Another process's transactions take milliseconds: try again on the loop at short
        # intervals (SQLite's own busy handler sleeps 1, 2, 5, 10... ms between tries), and
        # hand a longer wait to the writer thread.
        delay, waited = _LOCK_POLL_FIRST, 0.0
        while waited < _LOCK_POLL_LIMIT:
            try:
                return committed(_transaction_unless_busy(inline, fn, *args, **kwargs))
            except _Busy:
                pass
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, _LOCK_POLL_MAX)

        def transaction() -> T:
            with sync.begin() as connection:
                result = fn(connection, *args, **kwargs)
            return committed(result)

        # The caller's context variables stay visible in the writer thread (as in to_thread).
        call = functools.partial(contextvars.copy_context().run, transaction)
        return await asyncio.get_running_loop().run_in_executor(self._writer, call)

    async def write_statements(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``fn(connection, *args)`` whose statements are each complete on their own (one INSERT).

        On PostgreSQL they run without BEGIN and COMMIT (autocommit): one round trip instead
        of three, for the inbox, which Slack's answer waits for. On SQLite: :meth:`write`.
        """
        if self._sqlite:
            return await self.write(fn, *args, **kwargs)
        return await _run_sync(self._autocommit.connect, fn, *args, **kwargs)

    async def scrub(self, tables: Sequence[str]) -> None:
        """After a purge, leave no copy of the deleted rows in the database's files (see
        :mod:`bot.shell.storage.scrub`): SQLite's WAL checkpointed and truncated, on the writer
        thread (it may wait for readers); PostgreSQL's ``tables`` vacuumed into new files."""
        if not self._sqlite:
            await scrub.vacuum_postgres(self.engine, tables)
            return
        if self._writer is None or self._sync is None:
            return  # nothing was written through this Transactor: no purge either
        sync = self._sync

        def checkpoint() -> None:
            connection = sync.raw_connection()
            try:
                scrub.checkpoint_sqlite(connection)
            finally:
                connection.close()

        await asyncio.get_running_loop().run_in_executor(self._writer, checkpoint)

    async def read(self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(connection, *args)`` in a read-only transaction on the async engine."""
        return await _run_sync(self._reader.begin, fn, *args, **kwargs)

    async def read_snapshot(
        self, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """:meth:`read` whose statements all see one snapshot (REPEATABLE READ on PostgreSQL)."""
        return await _run_sync(self._snapshot.begin, fn, *args, **kwargs)

    def _on_disposed(self, _engine: Engine) -> None:
        writer, checkpointer, sync, inline = self._writer, self._checkpointer, self._sync, self._inline
        self._writer, self._checkpointer, self._sync, self._inline = None, None, None, None
        if writer is not None:
            writer.shutdown(wait=True)  # lets the queued transactions finish first
        if checkpointer is not None:
            checkpointer.stop()
        if sync is not None:
            sync.dispose()
        if inline is not None:
            inline.close()
            inline.engine.dispose()


async def _run_sync(
    opening: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
    fn: Callable[Concatenate[Connection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``fn`` on a connection from ``opening``; once more if that connection turned out dead
    (PostgreSQL restarted).

    Safe to repeat: a transaction whose COMMIT was lost either did not happen or recorded its
    event ids, which the second attempt then finds (the service de-duplicates by them).
    """
    try:
        async with opening() as connection:
            return await connection.run_sync(fn, *args, **kwargs)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        log.warning("database connection lost (%s); trying again on a new one", type(error.orig).__name__)
    async with opening() as connection:
        return await connection.run_sync(fn, *args, **kwargs)


def _transaction_unless_busy(
    connection: Connection, fn: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """``fn`` in one transaction on ``connection`` (busy_timeout 0); ``_Busy`` if the lock is taken.

    Only BEGIN IMMEDIATE can find the lock taken: once it succeeds this connection holds
    the write lock until its commit, so ``fn`` never ran when ``_Busy`` is raised.
    """
    try:
        transaction = connection.begin()
    except (OperationalError, sqlite3.OperationalError) as error:
        if _is_busy(error):
            raise _Busy from error
        raise
    with transaction:
        return fn(connection, *args, **kwargs)


def alembic_config() -> Config:
    """Alembic configured in code: no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade_sync(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations from inside a running event loop (app start-up, async tests).

    The first thing every command does with the database: a database that cannot be reached
    or opened raises :class:`DatabaseUnavailable`, saying why in one line.
    """
    _check_sqlite_file(engine.url)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            await connection.run_sync(_upgrade_sync, revision)
    except (OSError, DBAPIError, sqlite3.OperationalError) as error:  # TimeoutError is an OSError
        reason = opening_problem(error, engine.url)
        if reason is None:
            raise
        raise DatabaseUnavailable(reason) from error


async def upgrade_database(url: str) -> None:
    """Entry point for ``voordenken db upgrade``: upgrade the database at ``url`` to head."""
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
