"""The statements every event and every reply runs, built once per dialect.

Building a Core statement (``.values(...)`` coercion) and deriving its cache key cost
more than executing it on SQLite; a prebuilt statement skips the first and shortens the
second. Executed with ``b_``-prefixed parameters.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from sqlalchemy import Connection, Executable, Table, bindparam, delete, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.shell.storage.tables import (
    OUTBOX_PENDING,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    UTCDateTime,
    channel_items,
    channels,
    event_log,
    inbox,
    outbox,
    processed_events,
)

UNSETTLED = (OUTBOX_PENDING, OUTBOX_SENDING)


def dialect_insert(connection: Connection, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (both PostgreSQL and SQLite do)."""
    return _insert(connection.dialect.name, table)


def _insert(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database: {dialect}")


class Statements(NamedTuple):
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
    take_inbox: Executable
    take_own_inbox: Executable
    outbox_head: Executable
    claim_outbox: Executable
    settle_sent: Executable
    update_channel_appending: Executable | None  # PostgreSQL only: see channels.save_channel
    add_to_inbox_returning: Executable | None  # PostgreSQL only: see queues.add_to_inbox


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


def _take_inbox(where: tuple[Any, ...], *, limit: bool) -> Executable:
    """Delete the chosen inbox rows and return them; the rows are locked oldest first.

    Row locks in id order, taken by the subquery (FOR UPDATE: a replica taking the same
    channel's rows waits, in the same order, instead of skipping any; a row deleted meanwhile
    is passed over). SQLite renders no FOR UPDATE: BEGIN IMMEDIATE holds the whole file.
    """
    chosen = select(inbox.c.id).where(*where).order_by(inbox.c.id)
    if limit:
        chosen = chosen.limit(bindparam("b_limit"))
    return (
        delete(inbox)
        .where(inbox.c.id.in_(chosen.with_for_update().scalar_subquery()))
        .returning(inbox.c.id, inbox.c.event_id, inbox.c.payload)
    )


def statements(connection: Connection) -> Statements:
    """The prebuilt statements for ``connection``'s database."""
    return _statements(connection.dialect.name)


@functools.cache
def _statements(dialect: str) -> Statements:
    key = channels.c.key == bindparam("b_key")
    current = (key, channels.c.version == bindparam("b_version"), channels.c.generation == bindparam("b_generation"))
    own = inbox.c.event_id.in_(bindparam("b_own", expanding=True))
    field_of_channel = (
        channel_items.c.channel == bindparam("b_channel"),
        channel_items.c.field == bindparam("b_field"),
    )
    return Statements(
        # Several rows at once with RETURNING: the ids that were new come back (not the others).
        mark_processed=_insert(dialect, processed_events)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(processed_events.c.event_id),
        lock_channel=select(channels.c.version, channels.c.generation).where(key).with_for_update(),
        load_channel=select(channels.c.version, channels.c.generation, channels.c.state).where(key).with_for_update(),
        load_document=select(channels.c.state).where(key),
        load_items=select(channel_items.c.field, channel_items.c.data)
        .where(channel_items.c.channel == bindparam("b_channel"))
        .order_by(channel_items.c.field, channel_items.c.seq),
        insert_channel=_insert(dialect, channels).on_conflict_do_nothing(index_elements=["key"]),
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
        take_inbox=_take_inbox(
            (inbox.c.channel == bindparam("b_channel"), or_(inbox.c.attempts < bindparam("b_max_attempts"), own)),
            limit=True,
        ),
        take_own_inbox=_take_inbox((own,), limit=False),
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
