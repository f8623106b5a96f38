"""Read-only views for the scheduler, the CLI, metrics and tests.

Each query is a function of a :class:`Connection`; :class:`Views` runs each in its own
read-only transaction of the unit of work it is given (a :class:`Transactor`): no write
lock on SQLite, so a view never waits for the writer nor makes it wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from bot.core.model import ChannelState, Phase
from bot.shell.storage import pages
from bot.shell.storage.channels import read_state, read_states
from bot.shell.storage.database import Transactor
from bot.shell.storage.purge import prune
from bot.shell.storage.queues import OutboxRow, Wakeup, outbox_row
from bot.shell.storage.statements import UNSETTLED
from bot.shell.storage.tables import OUTBOX_FAILED, channels, event_log, inbox, outbox, processed_events, wakeups


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    channel: str
    event_id: str
    kind: str
    at: datetime
    effects: tuple[str, ...]


class Backlog(NamedTuple):
    """What waits, over the whole database (every replica sees the same)."""

    outbox: int
    outbox_since: datetime | None
    inbox: int
    inbox_since: datetime | None


def backlog(connection: Connection) -> Backlog:
    """Undelivered messages and unprocessed events, and the oldest of each (for metrics)."""
    query = select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.status.in_(UNSETTLED))
    count, oldest = connection.execute(query).one()
    waiting, first = connection.execute(select(func.count(), func.min(inbox.c.received_at))).one()
    return Backlog(count, oldest, waiting, first)


def failed_outbox(connection: Connection) -> int:
    """Messages given up on and still stored (for the metric; the CLI lists them)."""
    return int(connection.execute(select(func.count()).where(outbox.c.status == OUTBOX_FAILED)).scalar_one())


def idle_channels(connection: Connection, before: datetime) -> list[str]:
    """Channels whose state has not changed since ``before`` (candidates for retention)."""
    result = connection.execute(select(channels.c.key).where(channels.c.updated_at < before))
    return list(result.scalars())


def earliest_wakeup(connection: Connection) -> datetime | None:
    value: datetime | None = connection.execute(select(func.min(wakeups.c.at))).scalar_one()
    return value


def _wakeups(connection: Connection, until: datetime | None) -> list[Wakeup]:
    """Wakeups at or before ``until`` (None: all), earliest first."""
    query = select(wakeups).order_by(wakeups.c.at, wakeups.c.channel)
    if until is not None:
        query = query.where(wakeups.c.at <= until)
    return [Wakeup(row.channel, row.kind, row.at) for row in connection.execute(query)]


def _page_state(connection: Connection, token: str, now: datetime) -> ChannelState | None:
    channel = pages.channel_of(connection, token, now)
    state = read_state(connection, channel) if channel is not None else None
    return state if state is not None and state.phase is not Phase.IDLE else None


def _version(connection: Connection, channel: str) -> int | None:
    value: int | None = connection.execute(select(channels.c.version).where(channels.c.key == channel)).scalar()
    return value


def _outbox(connection: Connection, channel: str | None) -> list[OutboxRow]:
    query = select(outbox).order_by(outbox.c.id)
    if channel is not None:
        query = query.where(outbox.c.channel == channel)
    return [outbox_row(row) for row in connection.execute(query)]


def _event_log(connection: Connection, channel: str | None) -> list[LogEntry]:
    query = select(event_log).order_by(event_log.c.id)
    if channel is not None:
        query = query.where(event_log.c.channel == channel)
    return [
        LogEntry(row.id, row.channel, row.event_id, row.kind, row.at,
                 tuple(row.effects.split(",")) if row.effects else ())
        for row in connection.execute(query)
    ]


def _processed_count(connection: Connection, channel: str | None) -> int:
    query = select(func.count()).select_from(processed_events)
    if channel is not None:
        query = query.where(processed_events.c.channel == channel)
    return int(connection.execute(query).scalar_one())


class Views:
    """Read-only questions asked from outside the pipe; each call is its own transaction."""

    def __init__(self, db: Transactor) -> None:
        self._db = db

    async def get_state(self, channel: str) -> ChannelState | None:
        return await self._db.read_snapshot(read_state, channel)

    async def all_states(self) -> list[ChannelState]:
        """Every stored state, by channel key: two queries, whatever the number of channels."""
        return await self._db.read_snapshot(read_states)

    async def overview(self, channel: str) -> ChannelState | None:
        """The channel's state WITHOUT its rows (see :meth:`overviews`): one small read."""
        return await self._db.read(read_state, channel, items=False)

    async def overviews(self, prefix: str) -> list[ChannelState]:
        """The states of the channels whose key starts with ``prefix``, by key, WITHOUT their rows.

        Answers, drafts, parked items and tasks come back empty: only the head document is
        read, one query, so an overview of many long sessions (Slack's App Home: phase,
        participants, the open round) costs what their small heads cost.
        """
        return await self._db.read(read_states, prefix, items=False)

    async def version(self, channel: str) -> int | None:
        return await self._db.read(_version, channel)

    async def page_state(self, token: str, now: datetime) -> ChannelState | None:
        """The state of the channel whose session page ``token`` opens now; None for a forged,
        unknown, expired or revoked link, or a channel with no session to show."""
        return await self._db.read_snapshot(_page_state, token, now)

    async def due_wakeups(self, now: datetime) -> list[Wakeup]:
        """Wakeups at or before ``now``, earliest first."""
        return await self._db.read(_wakeups, now)

    async def all_wakeups(self) -> list[Wakeup]:
        return await self._db.read(_wakeups, None)

    async def earliest_wakeup(self) -> datetime | None:
        return await self._db.read(earliest_wakeup)

    async def outbox(self, channel: str | None = None) -> list[OutboxRow]:
        return await self._db.read(_outbox, channel)

    async def event_log(self, channel: str | None = None) -> list[LogEntry]:
        return await self._db.read(_event_log, channel)

    async def processed_count(self, channel: str | None = None) -> int:
        return await self._db.read(_processed_count, channel)

    async def prune(self, before: datetime) -> int:
        """Retention of the queues (see :func:`bot.shell.storage.purge.prune`): the one write
        here, because the runner asks ``service.repository`` for it."""
        async with self._db.engine.begin() as connection:  # off the event loop's thread, as it may be long
            return await connection.run_sync(prune, before)
