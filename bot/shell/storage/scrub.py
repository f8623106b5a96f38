"""After a purge, no copy of the deleted rows in the database's files.

Deleting a row leaves its bytes behind unless the database is told otherwise:

- SQLite: ``PRAGMA secure_delete=ON`` (set on every connection, see ``database``) overwrites
  deleted content with zeros, whatever the library's build default. The write-ahead log still
  holds the pages as they were before, until a checkpoint copies the new ones back and the
  log is truncated: :func:`checkpoint_sqlite` does that right after a purge.
- PostgreSQL: a DELETE only marks rows dead; their bytes stay in the table files until the
  space is reused. ``VACUUM FULL`` writes each table (and its indexes and TOAST) into new
  files and drops the old ones; plain VACUUM would leave the bytes in the pages' free space.
  It can keep a dead row that an older transaction might still see, so :func:`vacuum_postgres`
  first waits (a while) for the transactions older than the purge; ANALYZE replaces the
  sampled column values the planner's statistics hold.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

_CHECKPOINT_WAIT = 30.0  # seconds of retrying a checkpoint that stays busy
_OLDER_TRANSACTIONS_WAIT = 60.0  # seconds; then vacuum anyway (and say so)
_POLL = 0.1


def checkpoint_sqlite(dbapi_connection: Any) -> bool:
    """Copy the WAL back into the database file and truncate it to zero bytes; False if it stayed
    busy throughout (the next checkpoint finishes the job). Blocking: run it off the event loop.

    SQLite answers "busy" at once, without waiting, while another checkpoint runs (the
    checkpointer thread's) or a reader holds an old snapshot past the busy timeout: try again.
    """
    deadline = time.monotonic() + _CHECKPOINT_WAIT
    while True:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _done = cursor.fetchone()
        finally:
            cursor.close()
        if not busy:
            return True
        if time.monotonic() > deadline:
            log.warning("WAL checkpoint after a purge stayed busy; purged rows remain in the -wal file for now")
            return False
        time.sleep(_POLL)


async def vacuum_postgres(engine: AsyncEngine, tables: Sequence[str]) -> None:
    """``VACUUM (FULL, ANALYZE)`` of ``tables`` (outside a transaction: VACUUM refuses to run in
    one), once the transactions that could still see the deleted rows are over."""
    async with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
        horizon = (await connection.execute(
            text("SELECT txid_snapshot_xmax(txid_current_snapshot()) % 4294967296"))).scalar_one()
        # Backends (sessions, autovacuum) whose snapshot predates the purge. Only those this role
        # may see count: other roles' sessions show no xmin without pg_read_all_stats.
        older = text(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_xmin IS NOT NULL"
            " AND backend_xmin::text::bigint < :horizon"
        )
        deadline = time.monotonic() + _OLDER_TRANSACTIONS_WAIT
        while (await connection.execute(older, {"horizon": horizon})).scalar_one():
            if time.monotonic() > deadline:
                log.warning("transactions older than a purge still run; vacuuming anyway (they may keep copies)")
                break
            await asyncio.sleep(_POLL)
        names = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in tables)
        await connection.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {names}")
