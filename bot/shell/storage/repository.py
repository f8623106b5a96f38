"""Queries on the tables, one function per intent.

Write functions take an open :class:`Connection` so the caller decides the transaction
boundary (the service puts de-duplication, state, log, outbox and wakeups in one).
:class:`Repository` wraps an engine for read-only questions asked from outside a transaction.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Executable, Table, bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.model import ChannelState, Effect, InboundEvent, OutboundMessage
from bot.shell.storage.codec import (
    ITEM_FIELDS,
    assemble_state,
    decode_message,
    decode_state,
    encode_event,
    encode_head,
    encode_item,
    encode_message,
)
from bot.shell.storage.database import read_only
from bot.shell.storage.tables import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    UTCDateTime,
    channel_items,
    channels,
    event_log,
    inbox,
    message_refs,
    outbox,
    processed_events,
    wakeups,
)

UNSETTLED = (OUTBOX_PENDING, OUTBOX_SENDING)


class LostRace(Exception):
    """Another writer changed the channel since we read it; retry the whole transaction."""


class Wakeup(NamedTuple):
    channel: str
    kind: str
    at: datetime


class StoredState(NamedTuple):
    """A channel's state as stored: decoded, with what identifies the row it was read from.

    ``generation`` is set when the row is inserted and never updated, so (version,
    generation) names one stored state even across a purge. ``size`` is the characters
    stored for the channel (head document and item rows), to bound a cache of these.
    """

    state: ChannelState
    version: int
    generation: str
    size: int


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    channel: str
    message: OutboundMessage
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    platform_message_id: str | None
    created_at: datetime
    sent_at: datetime | None


class Claim(NamedTuple):
    row: OutboxRow
    more: bool  # another unsettled message was queued behind this one


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    channel: str
    event_id: str
    kind: str
    at: datetime
    effects: tuple[str, ...]


def _insert(connection: Connection, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (both PostgreSQL and SQLite do)."""
    return _dialect_insert(connection.dialect.name, table)


def _dialect_insert(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database: {dialect}")


class _Statements(NamedTuple):
    """The statements every event runs, built once per dialect and executed with parameters.

    Building a Core statement (``.values(...)`` coercion) and deriving its cache key cost
    more than executing it on SQLite; a prebuilt statement skips the first and shortens the
    second.
    """

    mark_processed: Executable
    lock_channel: Executable
    load_channel: Executable
    load_document: Executable
    load_items: Executable
    insert_channel: Executable
    update_channel: Executable
    touch_channel: Executable
    insert_items: Executable
    delete_items: Executable
    append_log: Executable
    enqueue: Executable
    remove_from_inbox: Executable
    outbox_head: Executable
    claim_outbox: Executable
    settle_sent: Executable
    update_channel_appending: Executable | None  # PostgreSQL only: see save_channel
    add_to_inbox_returning: Executable | None  # PostgreSQL only: see add_to_inbox


# The usual event on PostgreSQL (a new answer): the compare-and-set of the head and the
# insert of the new rows in one round trip. No row is inserted when the head did not match.
_UPDATE_CHANNEL_APPENDING = text(
    """
    WITH head AS (
        UPDATE channels SET state = :b_state, version = :b_new_version, updated_at = :b_at
        WHERE key = :b_key AND version = :b_version AND generation = :b_generation
        RETURNING key
    )
    INSERT INTO channel_items (channel, field, seq, data)
    SELECT head.key, :b_field, item.seq, item.data
    FROM head, unnest(CAST(:b_seqs AS integer[]), CAST(:b_datas AS text[])) AS item(seq, data)
    """
).bindparams(bindparam("b_at", type_=UTCDateTime()))


@functools.cache
def _statements(dialect: str) -> _Statements:
    key = channels.c.key == bindparam("b_key")
    current = (key, channels.c.version == bindparam("b_version"), channels.c.generation == bindparam("b_generation"))
    field_of_channel = (
        channel_items.c.channel == bindparam("b_channel"),
        channel_items.c.field == bindparam("b_field"),
    )
    return _Statements(
        # Several rows at once with RETURNING: the ids that were new come back (not the others).
        mark_processed=_dialect_insert(dialect, processed_events)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(processed_events.c.event_id),
        lock_channel=select(channels.c.version, channels.c.generation).where(key).with_for_update(),
        load_channel=select(channels.c.version, channels.c.generation, channels.c.state).where(key).with_for_update(),
        load_document=select(channels.c.state).where(key),
        load_items=select(channel_items.c.field, channel_items.c.data)
        .where(channel_items.c.channel == bindparam("b_channel"))
        .order_by(channel_items.c.field, channel_items.c.seq),
        insert_channel=_dialect_insert(dialect, channels).on_conflict_do_nothing(index_elements=["key"]),
        update_channel=update(channels)
        .where(*current)
        .values(state=bindparam("b_state"), version=bindparam("b_new_version"), updated_at=bindparam("b_at")),
        touch_channel=update(channels)
        .where(*current)
        .values(version=bindparam("b_new_version"), updated_at=bindparam("b_at")),
        insert_items=channel_items.insert(),
        delete_items=delete(channel_items).where(*field_of_channel).returning(func.length(channel_items.c.data)),
        append_log=event_log.insert(),
        enqueue=outbox.insert().returning(outbox.c.id),
        remove_from_inbox=delete(inbox).where(inbox.c.event_id == bindparam("b_event_id")),
        outbox_head=select(outbox)
        .where(outbox.c.channel == bindparam("b_channel"), outbox.c.status.in_(UNSETTLED))
        .order_by(outbox.c.id)
        .limit(2),
        claim_outbox=update(outbox)
        .where(
            outbox.c.id == bindparam("b_id"),
            outbox.c.status == bindparam("b_status"),
            outbox.c.next_attempt_at == bindparam("b_next_attempt_at", type_=outbox.c.next_attempt_at.type),
        )
        .values(status=OUTBOX_SENDING, next_attempt_at=bindparam("b_until", type_=outbox.c.next_attempt_at.type)),
        settle_sent=update(outbox)
        .where(outbox.c.id == bindparam("b_id"))
        .values(status=OUTBOX_SENT, attempts=outbox.c.attempts + 1, platform_message_id=bindparam("b_platform_id"),
                last_error=None, sent_at=bindparam("b_at", type_=outbox.c.sent_at.type)),
        update_channel_appending=_UPDATE_CHANNEL_APPENDING if dialect == "postgresql" else None,
        add_to_inbox_returning=postgresql.insert(inbox).on_conflict_do_nothing(index_elements=["event_id"])
        .returning(inbox.c.event_id) if dialect == "postgresql" else None,
    )


# --------------------------------------------------------------------------- events and state


def mark_processed(connection: Connection, ids: Sequence[tuple[str, str]], at: datetime) -> set[str]:
    """Record (event id, channel) pairs in one statement; returns the ids not recorded before.

    The database decides, so of two replicas recording the same id only one sees it as new.
    """
    statement = _statements(connection.dialect.name).mark_processed
    rows = [{"event_id": event_id, "channel": channel, "at": at} for event_id, channel in ids]
    return set(connection.execute(statement, rows).scalars())


def _group_items(rows: Iterable[Any]) -> dict[str, list[str]]:
    """``(field, data)`` rows, already in (field, seq) order, as field -> data list."""
    grouped: dict[str, list[str]] = {}
    for field, data in rows:
        values = grouped.get(field)
        if values is None:
            values = grouped[field] = []
        values.append(data)
    return grouped


def _stored_size(document: str, items: Mapping[str, Sequence[str]]) -> int:
    return len(document) + sum(len(data) for values in items.values() for data in values)


def load_channel(connection: Connection, channel: str, known: StoredState | None = None) -> StoredState | None:
    """The channel's stored state, row-locked on PostgreSQL.

    SQLite renders no FOR UPDATE; there ``BEGIN IMMEDIATE`` already holds the write lock.
    ``known`` (what this process last read or wrote) is returned itself, without reading
    the document or the items, when the row still has its version and generation: the
    generation changes when a purged channel is created again, so an equal version number
    alone proves nothing.
    """
    statements = _statements(connection.dialect.name)
    if known is None:
        row = connection.execute(statements.load_channel, {"b_key": channel}).one_or_none()
        if row is None:
            return None
        document: str = row.state
    else:
        row = connection.execute(statements.lock_channel, {"b_key": channel}).one_or_none()
        if row is None:
            return None
        if row.version == known.version and row.generation == known.generation:
            return known
        document = connection.execute(statements.load_document, {"b_key": channel}).scalar_one()
    items = _group_items(connection.execute(statements.load_items, {"b_channel": channel}))
    return StoredState(assemble_state(document, items), row.version, row.generation, _stored_size(document, items))


def channel_rows(state: ChannelState, at: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``channels`` row (version 1, a new generation) and ``channel_items`` rows for ``state``.

    What :func:`save_channel` inserts for a new channel; bulk loaders (benchmarks) insert
    the same rows themselves.
    """
    head = {
        "key": state.channel,
        "state": encode_head(state),
        "version": 1,
        "generation": uuid.uuid4().hex,
        "updated_at": at,
    }
    items = [
        {"channel": state.channel, "field": field, "seq": seq, "data": encode_item(field, item)}
        for field in ITEM_FIELDS
        for seq, item in enumerate(getattr(state, field))
    ]
    return head, items


@functools.cache
def _head_fields() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(ChannelState) if f.name not in ITEM_FIELDS)


def _same_head(old: ChannelState, new: ChannelState) -> bool:
    """Whether the head documents of the two states would hold equal values."""
    for name in _head_fields():
        a, b = getattr(old, name), getattr(new, name)
        if a is not b and a != b:
            return False
    return True


def save_channel(
    connection: Connection, state: ChannelState, previous: StoredState | None, at: datetime
) -> StoredState:
    """Compare-and-set: store ``state`` over ``previous``, which must still be the stored row.

    ``previous`` None: the channel must not be stored yet. Otherwise the row must still have
    ``previous``'s version and generation. Either way :class:`LostRace` says another writer
    came first. Only what changed is written: the head document (when it changed) and, per
    item field, the appended rows, or all of the field's rows when it changed otherwise.
    """
    statements = _statements(connection.dialect.name)
    if previous is None:
        head, items = channel_rows(state, at)
        if connection.execute(statements.insert_channel, head).rowcount != 1:
            raise LostRace(state.channel)
        if items:
            connection.execute(statements.insert_items, items)
        size = len(head["state"]) + sum(len(row["data"]) for row in items)
        return StoredState(state, 1, head["generation"], size)
    old = previous.state
    parameters: dict[str, Any] = {
        "b_key": state.channel,
        "b_version": previous.version,
        "b_generation": previous.generation,
        "b_new_version": previous.version + 1,
        "b_at": at,
    }
    size = previous.size
    document = None if _same_head(old, state) else encode_head(state)
    if document is not None:
        # The old head's length is not kept anywhere; encoding the small head is cheap.
        size += len(document) - len(encode_head(old))
    # Per changed item field: the items appended at its end, or None when it changed otherwise.
    changes = {
        field: _appended(getattr(old, field), getattr(state, field))
        for field in ITEM_FIELDS
        if getattr(state, field) is not getattr(old, field) and getattr(state, field) != getattr(old, field)
    }
    if statements.update_channel_appending is not None and document is not None and len(changes) == 1:
        ((field, appended),) = changes.items()
        if appended:
            rows = [encode_item(field, item) for item in appended]
            start = len(getattr(old, field))
            result = connection.execute(statements.update_channel_appending, {
                **parameters, "b_state": document, "b_field": field,
                "b_seqs": list(range(start, start + len(rows))), "b_datas": rows,
            })
            if result.rowcount != len(rows):
                raise LostRace(state.channel)
            return StoredState(state, previous.version + 1, previous.generation, size + sum(map(len, rows)))
    if document is None:
        result = connection.execute(statements.touch_channel, parameters)
    else:
        result = connection.execute(statements.update_channel, {**parameters, "b_state": document})
    if result.rowcount != 1:
        raise LostRace(state.channel)
    for field, appended in changes.items():
        size += _save_items(connection, statements, state, field, len(getattr(old, field)), appended)
    return StoredState(state, previous.version + 1, previous.generation, size)


def _appended(before: tuple[Any, ...], after: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The items ``after`` adds at the end of ``before``, or None when it changed otherwise."""
    start = len(before)
    # Tuple comparison tries ``is`` before ``==`` element by element, in C.
    if len(after) > start and after[:start] == before:
        return after[start:]
    return None


def _save_items(
    connection: Connection,
    statements: _Statements,
    state: ChannelState,
    field: str,
    start: int,
    appended: tuple[Any, ...] | None,
) -> int:
    """Write one changed item field: the ``appended`` rows from ``start``, or (None) all of them again.

    Returns the change in stored characters.
    """
    channel, added, removed = state.channel, appended, 0
    if added is None:
        deleted = connection.execute(statements.delete_items, {"b_channel": channel, "b_field": field})
        start, added, removed = 0, getattr(state, field), sum(deleted.scalars())
    rows: list[dict[str, Any]] = [
        {"channel": channel, "field": field, "seq": start + offset, "data": encode_item(field, item)}
        for offset, item in enumerate(added)
    ]
    if rows:
        connection.execute(statements.insert_items, rows)
    return sum(len(row["data"]) for row in rows) - removed


class LogLine(NamedTuple):
    event_id: str
    kind: str
    effects: Sequence[Effect]


def append_log(connection: Connection, channel: str, at: datetime, lines: Sequence[LogLine]) -> None:
    """What happened, never what was said: event kind and effect kinds only (one statement)."""
    rows = [
        {
            "channel": channel,
            "event_id": line.event_id,
            "kind": line.kind,
            "at": at,
            "effects": ",".join(type(effect).__name__ for effect in line.effects),
        }
        for line in lines
    ]
    if rows:
        connection.execute(_statements(connection.dialect.name).append_log, rows)


# --------------------------------------------------------------------------- inbox


class InboxRow(NamedTuple):
    event_id: str
    payload: str  # decoded by the caller, after the claim's commit (see claim_inbox)
    attempts: int


def add_to_inbox(connection: Connection, events: Sequence[InboundEvent], now: datetime, claim: timedelta) -> set[str]:
    """Store accepted events, claimed by the caller for ``claim``; returns the ids stored now.

    An event already waiting (a platform's retry) is not stored twice.
    """
    pg_statement = _statements(connection.dialect.name).add_to_inbox_returning
    if pg_statement is not None:
        rows = [dict(zip(_INBOX_COLUMNS, row, strict=True)) for row in _inbox_rows(events, now, now + claim)]
        # SQLAlchemy sends the rows as one multi-row INSERT of a statement compiled once
        # ("insertmanyvalues"): one round trip, atomic without BEGIN/COMMIT (see
        # Transactor.write_statements); RETURNING names the rows that were new.
        return set(connection.execute(pg_statement, rows).scalars())
    # SQLite: a plain many-row INSERT (cheaper there than one with RETURNING), run as the driver's
    # executemany of SQL compiled once: Slack's answer waits for it, and executing a statement
    # through SQLAlchemy cost more than the insert and commit themselves. Only when some rows were
    # already there (a retry) look up which are this call's (stored just now, by ``now``).
    insert_sql, stamp = _sqlite_add_to_inbox()
    ids = {event.event_id for event in events}
    if connection.exec_driver_sql(insert_sql, _inbox_rows(events, stamp(now), stamp(now + claim))).rowcount == len(ids):
        return ids
    query = select(inbox.c.event_id).where(inbox.c.event_id.in_(ids), inbox.c.received_at == now)
    return set(connection.execute(query).scalars())


def _inbox_rows(events: Sequence[InboundEvent], received: Any, until: Any) -> list[tuple[Any, ...]]:
    """New inbox rows, their values in ``_INBOX_COLUMNS`` order."""
    return [(event.event_id, event.channel, encode_event(event), received, until, 0) for event in events]


@functools.cache
def _sqlite_add_to_inbox() -> tuple[str, Callable[[datetime], Any]]:
    """The SQLite inbox INSERT as driver SQL (qmark parameters, in ``_INBOX_COLUMNS`` order), and
    the function that stores a datetime as SQLAlchemy does (so queries through it compare right)."""
    dialect = sqlite.dialect()
    statement = (sqlite.insert(inbox).values({name: bindparam(name) for name in _INBOX_COLUMNS})
                 .on_conflict_do_nothing(index_elements=["event_id"]))
    compiled = statement.compile(dialect=dialect)
    if tuple(compiled.positiontup or ()) != _INBOX_COLUMNS:
        raise RuntimeError(f"inbox INSERT compiled with its parameters in another order: {compiled.positiontup}")
    stamp = inbox.c.received_at.type.dialect_impl(dialect).bind_processor(dialect)
    if stamp is None:
        raise RuntimeError("UTCDateTime has no SQLite bind processor")
    return str(compiled), stamp


_INBOX_COLUMNS = ("event_id", "channel", "payload", "received_at", "claimed_until", "attempts")


def remove_from_inbox(connection: Connection, event_ids: Sequence[str]) -> None:
    statement = _statements(connection.dialect.name).remove_from_inbox
    connection.execute(statement, [{"b_event_id": event_id} for event_id in event_ids])


def inbox_claimable(connection: Connection, now: datetime, max_attempts: int) -> bool:
    """Whether :func:`claim_inbox` would find anything: a read, so an idle poll takes no write lock."""
    query = select(inbox.c.id).where(inbox.c.claimed_until <= now, inbox.c.attempts < max_attempts).limit(1)
    return connection.execute(query).first() is not None


def claim_inbox(
    connection: Connection, now: datetime, claim: timedelta, max_attempts: int, limit: int = 100
) -> list[InboxRow]:
    """Claim up to ``limit`` waiting events nobody holds (or whose holder died), oldest first.

    One statement: the claim is an UPDATE of rows chosen by their claim having lapsed, so of
    two replicas claiming at once each row goes to one (PostgreSQL skips rows another claim
    has locked; SQLite runs one writer at a time). Rows claimed ``max_attempts`` times are
    left for a person to look at.
    """
    chosen = (
        select(inbox.c.id)
        .where(inbox.c.claimed_until <= now, inbox.c.attempts < max_attempts)
        .order_by(inbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = connection.execute(
        update(inbox)
        .where(inbox.c.id.in_(chosen.scalar_subquery()))
        .values(claimed_until=now + claim, attempts=inbox.c.attempts + 1)
        .returning(inbox.c.id, inbox.c.event_id, inbox.c.payload, inbox.c.attempts)
    ).all()
    # RETURNING promises no order; the channels' events must be handled in arrival order.
    # Payloads are decoded outside the transaction: a row that cannot be still counts an attempt.
    return [InboxRow(row.event_id, row.payload, row.attempts) for row in sorted(rows, key=lambda row: row.id)]


class Waiting(NamedTuple):
    """An inbox row as an operator sees it: no payload (it carries chat text)."""

    event_id: str
    channel: str
    received_at: datetime
    attempts: int


def waiting_in_inbox(connection: Connection) -> list[Waiting]:
    rows = connection.execute(
        select(inbox.c.event_id, inbox.c.channel, inbox.c.received_at, inbox.c.attempts).order_by(inbox.c.id)
    )
    return [Waiting(row.event_id, row.channel, row.received_at, row.attempts) for row in rows]


def retry_inbox(connection: Connection, now: datetime) -> int:
    """Give every waiting event its attempts back and make it claimable now; returns how many."""
    return int(connection.execute(update(inbox).values(attempts=0, claimed_until=now)).rowcount)


# --------------------------------------------------------------------------- wakeups


def set_wakeup(connection: Connection, channel: str, kind: str, at: datetime) -> None:
    statement = _insert(connection, wakeups).values(channel=channel, kind=kind, at=at)
    connection.execute(
        statement.on_conflict_do_update(index_elements=["channel", "kind"], set_={"at": statement.excluded.at})
    )


def clear_wakeup(connection: Connection, channel: str, kind: str) -> None:
    connection.execute(delete(wakeups).where(wakeups.c.channel == channel, wakeups.c.kind == kind))


# --------------------------------------------------------------------------- outbox


def enqueue(connection: Connection, channel: str, message: OutboundMessage, now: datetime) -> int:
    result = connection.execute(
        _statements(connection.dialect.name).enqueue,
        {
            "channel": channel,
            "payload": encode_message(message),
            "status": OUTBOX_PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
    return int(result.scalar_one())


def _outbox_row(row: Any) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        channel=row.channel,
        message=decode_message(row.payload),
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        platform_message_id=row.platform_message_id,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


def channels_with_due_messages(connection: Connection, now: datetime) -> list[str]:
    """Channels whose oldest unsettled message may be tried now, oldest work first."""
    rows = connection.execute(
        select(outbox.c.channel)
        .where(outbox.c.status.in_(UNSETTLED), outbox.c.next_attempt_at <= now)
        .group_by(outbox.c.channel)
        .order_by(func.min(outbox.c.id))
    )
    return [row.channel for row in rows]


def claim_head(connection: Connection, channel: str, now: datetime, lease: timedelta) -> Claim | None:
    """Claim the channel's oldest unsettled message, or None when there is nothing to do now.

    Only the head may be claimed, so one channel's messages go out in order. The claim is a
    compare-and-set on (status, next_attempt_at), so of two deliverers (two replicas, or a
    request and the retry loop) exactly one wins; the loser sees a claimed head and stops.
    A claim that is not settled within ``lease`` (deliverer crashed) becomes claimable again.
    ``Claim.more`` says whether another unsettled message was queued behind it, so the
    deliverer can stop without one more (empty) transaction.
    """
    statements = _statements(connection.dialect.name)  # built once: this runs for every reply
    rows = connection.execute(statements.outbox_head, {"b_channel": channel}).all()
    if not rows or rows[0].next_attempt_at > now:
        return None
    row = rows[0]
    result = connection.execute(
        statements.claim_outbox,
        {"b_id": row.id, "b_status": row.status, "b_next_attempt_at": row.next_attempt_at, "b_until": now + lease},
    )
    return Claim(_outbox_row(row), more=len(rows) > 1) if result.rowcount == 1 else None


def settle_sent(connection: Connection, row_id: int, platform_message_id: str | None, now: datetime) -> None:
    connection.execute(
        _statements(connection.dialect.name).settle_sent,
        {"b_id": row_id, "b_platform_id": platform_message_id, "b_at": now},
    )


def settle_retry(connection: Connection, row_id: int, at: datetime, error: str) -> None:
    connection.execute(
        update(outbox)
        .where(outbox.c.id == row_id)
        .values(status=OUTBOX_PENDING, attempts=outbox.c.attempts + 1, next_attempt_at=at, last_error=error)
    )


def settle_failed(connection: Connection, row_id: int, error: str) -> None:
    connection.execute(
        update(outbox)
        .where(outbox.c.id == row_id)
        .values(status=OUTBOX_FAILED, attempts=outbox.c.attempts + 1, last_error=error)
    )


# --------------------------------------------------------------------------- message refs


def message_ref(connection: Connection, channel: str, key: str) -> str | None:
    result = connection.execute(
        select(message_refs.c.platform_message_id).where(message_refs.c.channel == channel, message_refs.c.key == key)
    )
    value: str | None = result.scalar_one_or_none()
    return value


def set_message_ref(
    connection: Connection, channel: str, key: str, platform_message_id: str, now: datetime
) -> None:
    statement = _insert(connection, message_refs).values(
        channel=channel, key=key, platform_message_id=platform_message_id, updated_at=now
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["channel", "key"],
            set_={
                "platform_message_id": statement.excluded.platform_message_id,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


# --------------------------------------------------------------------------- purge


def purge_channel(connection: Connection, channel: str) -> bool:
    """Delete a channel's content; the content-free event ids and log stay for de-duplication."""
    deleted = 0
    for statement in (
        delete(channels).where(channels.c.key == channel),
        delete(channel_items).where(channel_items.c.channel == channel),
        delete(outbox).where(outbox.c.channel == channel),
        delete(message_refs).where(message_refs.c.channel == channel),
        delete(wakeups).where(wakeups.c.channel == channel),
    ):
        deleted += connection.execute(statement).rowcount
    return deleted > 0


def idle_channels(connection: Connection, before: datetime) -> list[str]:
    """Channels whose state has not changed since ``before`` (candidates for retention)."""
    result = connection.execute(select(channels.c.key).where(channels.c.updated_at < before))
    return list(result.scalars())


# --------------------------------------------------------------------------- reads


class Repository:
    """Read-only views for the scheduler, the CLI and tests; each call is its own transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reader = read_only(engine)  # no write lock on SQLite: never waits for the writer
        # A state is read with two statements (head, items), which must see one snapshot. A
        # SQLite transaction reads one; PostgreSQL's default READ COMMITTED takes one per
        # statement, REPEATABLE READ one per transaction (and a reader never has to retry).
        self._snapshot = (
            self._reader.execution_options(isolation_level="REPEATABLE READ")
            if engine.dialect.name == "postgresql"
            else self._reader
        )

    async def get_state(self, channel: str) -> ChannelState | None:
        async with self._snapshot.begin() as connection:
            statements = _statements(connection.dialect.name)
            document = (await connection.execute(statements.load_document, {"b_key": channel})).scalar_one_or_none()
            if document is None:
                return None
            rows = await connection.execute(statements.load_items, {"b_channel": channel})
            items = _group_items(rows)
        return assemble_state(document, items)

    async def all_states(self) -> list[ChannelState]:
        """Every stored state, by channel key: two queries, whatever the number of channels."""
        async with self._snapshot.begin() as connection:
            heads = (await connection.execute(select(channels.c.key, channels.c.state).order_by(channels.c.key))).all()
            rows = await connection.execute(
                select(channel_items.c.channel, channel_items.c.field, channel_items.c.data).order_by(
                    channel_items.c.channel, channel_items.c.field, channel_items.c.seq
                )
            )
            items: dict[str, dict[str, list[str]]] = {}
            for channel, field, data in rows:
                items.setdefault(channel, {}).setdefault(field, []).append(data)
        return [assemble_state(head.state, items.get(head.key, {})) for head in heads]

    async def overviews(self, prefix: str) -> list[ChannelState]:
        """The states of the channels whose key starts with ``prefix``, by key, WITHOUT their rows.

        Answers, drafts, parked items and tasks come back empty: only the head document is
        read, one query, so an overview of many long sessions (Slack's App Home: phase,
        participants, the open round) costs what their small heads cost.
        """
        query = select(channels.c.state).where(channels.c.key.startswith(prefix, autoescape=True))
        async with self._reader.begin() as connection:
            documents = (await connection.execute(query.order_by(channels.c.key))).scalars()
            return [decode_state(document) for document in documents]

    async def version(self, channel: str) -> int | None:
        async with self._reader.begin() as connection:
            result = await connection.execute(select(channels.c.version).where(channels.c.key == channel))
            value: int | None = result.scalar_one_or_none()
        return value

    async def due_wakeups(self, now: datetime) -> list[Wakeup]:
        """Wakeups at or before ``now``, earliest first."""
        async with self._reader.begin() as connection:
            rows = await connection.execute(
                select(wakeups).where(wakeups.c.at <= now).order_by(wakeups.c.at, wakeups.c.channel)
            )
            return [Wakeup(row.channel, row.kind, row.at) for row in rows]

    async def all_wakeups(self) -> list[Wakeup]:
        async with self._reader.begin() as connection:
            rows = await connection.execute(select(wakeups).order_by(wakeups.c.at, wakeups.c.channel))
            return [Wakeup(row.channel, row.kind, row.at) for row in rows]

    async def outbox(self, channel: str | None = None) -> list[OutboxRow]:
        query = select(outbox).order_by(outbox.c.id)
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        async with self._reader.begin() as connection:
            return [_outbox_row(row) for row in await connection.execute(query)]

    async def event_log(self, channel: str | None = None) -> list[LogEntry]:
        query = select(event_log).order_by(event_log.c.id)
        if channel is not None:
            query = query.where(event_log.c.channel == channel)
        async with self._reader.begin() as connection:
            return [
                LogEntry(
                    row.id,
                    row.channel,
                    row.event_id,
                    row.kind,
                    row.at,
                    tuple(row.effects.split(",")) if row.effects else (),
                )
                for row in await connection.execute(query)
            ]

    async def prune(self, before: datetime) -> int:
        """Forget event ids and delivered messages older than ``before``; returns rows deleted.

        Keep ``before`` well past the platforms' retry windows (Slack retries for minutes),
        or a very late redelivery would be processed again.
        """
        async with self._engine.begin() as connection:
            events = await connection.execute(delete(processed_events).where(processed_events.c.at < before))
            sent = await connection.execute(
                delete(outbox).where(outbox.c.status == OUTBOX_SENT, outbox.c.sent_at < before)
            )
        return int(events.rowcount + sent.rowcount)

    async def processed_count(self, channel: str | None = None) -> int:
        query = select(func.count()).select_from(processed_events)
        if channel is not None:
            query = query.where(processed_events.c.channel == channel)
        async with self._reader.begin() as connection:
            return int((await connection.execute(query)).scalar_one())
