"""The queues around a channel's state, one function per intent: processed event ids and
the event log, the inbox (accepted events), wakeups, the outbox and the platform ids of
delivered messages.

Functions take an open :class:`Connection` so the caller decides the transaction boundary
(the handler puts de-duplication, state, log, outbox and wakeups in one).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects import sqlite

from bot.core.model import Edit, Effect, InboundEvent, OutboundMessage, Post
from bot.shell.storage.codec import decode_message, encode_event, encode_message
from bot.shell.storage.statements import UNSETTLED, dialect_insert, statements
from bot.shell.storage.tables import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENT,
    inbox,
    message_refs,
    outbox,
    wakeups,
)

# --------------------------------------------------------------------------- events

def mark_processed(connection: Connection, ids: Sequence[tuple[str, str]], at: datetime) -> set[str]:
    """Record (event id, channel) pairs in one statement; returns the ids not recorded before.

    The database decides, so of two replicas recording the same id only one sees it as new.
    The rows go in sorted by id: two transactions recording some of the same ids lock them
    in the same order (the second waits for the first instead of deadlocking with it).
    """
    statement = statements(connection).mark_processed
    rows = [{"event_id": event_id, "channel": channel, "at": at} for event_id, channel in sorted(set(ids))]
    if not rows:
        return set()
    return set(connection.execute(statement, rows).scalars())


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
        connection.execute(statements(connection).append_log, rows)


# --------------------------------------------------------------------------- inbox


class InboxRow(NamedTuple):
    event_id: str
    payload: str  # decoded by the caller, after the claim's commit (see claim_inbox)
    attempts: int


def add_to_inbox(connection: Connection, events: Sequence[InboundEvent], now: datetime, claim: timedelta) -> set[str]:
    """Store accepted events, claimed by the caller for ``claim``; returns the ids stored now.

    An event already waiting (a platform's retry) is not stored twice.
    """
    pg_statement = statements(connection).add_to_inbox_returning
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


# Claims of an inbox row after which it is left for a person to look at (``voordenken inbox``).
INBOX_ATTEMPTS = 8


class TakenRow(NamedTuple):
    event_id: str
    payload: str  # the engine event as JSON


def take_inbox(
    connection: Connection, channel: str, own: Sequence[str], limit: int, max_attempts: int = INBOX_ATTEMPTS
) -> list[TakenRow]:
    """Take the channel's waiting events out of the inbox, oldest first: up to ``limit`` rows,
    whichever replica accepted them, or (``limit`` 0) only the rows of the ``own`` event ids.

    Taken in the transaction that applies them: this is what keeps one channel's events in
    the order they were accepted across replicas. Rows are locked in id order, so a replica
    taking the same rows waits for this transaction, then finds them gone (another replica
    applied its event: it leaves it). Rows claimed ``max_attempts`` times are left for a
    person, unless they are among ``own`` (a sweep's last attempt).
    """
    prepared = statements(connection)
    if limit:
        parameters = {"b_channel": channel, "b_max_attempts": max_attempts, "b_own": list(own), "b_limit": limit}
        result = connection.execute(prepared.take_inbox, parameters)
    elif own:
        result = connection.execute(prepared.take_own_inbox, {"b_own": list(own)})
    else:
        return []
    # RETURNING promises no order.
    return [TakenRow(row.event_id, row.payload) for row in sorted(result, key=lambda row: row.id)]


def drop_inbox(connection: Connection, channel: str, *, in_batch: bool = False) -> int:
    """Delete the waiting events of ``channel`` (a purge); returns how many.

    Rows are locked in id order first, as :func:`take_inbox` locks them, and before the
    channel row (the lock order of ``bot.shell.pipe.batch.commit_batch``): a purge and a
    replica handling the channel wait for each other instead of deadlocking.

    ``in_batch``: the purge is applied by a batch, which already took (in order) every event
    accepted before it and holds the channel row. The rows still waiting were accepted after
    the purge and are kept (nothing said after a purge is lost); only rows left for a person
    (claimed ``INBOX_ATTEMPTS`` times) go, without waiting for rows another batch holds.
    """
    chosen = select(inbox.c.id).where(inbox.c.channel == channel).order_by(inbox.c.id)
    if in_batch:
        chosen = chosen.where(inbox.c.attempts >= INBOX_ATTEMPTS).with_for_update(skip_locked=True)
    else:
        chosen = chosen.with_for_update()
    return int(connection.execute(delete(inbox).where(inbox.c.id.in_(chosen.scalar_subquery()))).rowcount)


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


class Wakeup(NamedTuple):
    channel: str
    kind: str
    at: datetime


def set_wakeup(connection: Connection, channel: str, kind: str, at: datetime) -> None:
    statement = dialect_insert(connection, wakeups).values(channel=channel, kind=kind, at=at)
    connection.execute(
        statement.on_conflict_do_update(index_elements=["channel", "kind"], set_={"at": statement.excluded.at})
    )


def clear_wakeup(connection: Connection, channel: str, kind: str) -> None:
    connection.execute(delete(wakeups).where(wakeups.c.channel == channel, wakeups.c.kind == kind))


def clear_fired_wakeups(connection: Connection, fired: Sequence[Wakeup]) -> None:
    """Delete the wakeups the scheduler fired, unless handling the tick moved them (one statement)."""
    statement = delete(wakeups).where(
        wakeups.c.channel == bindparam("w_channel"),
        wakeups.c.kind == bindparam("w_kind"),
        wakeups.c.at == bindparam("w_at", type_=wakeups.c.at.type),
    )
    connection.execute(statement, [{"w_channel": w.channel, "w_kind": w.kind, "w_at": w.at} for w in fired])


# --------------------------------------------------------------------------- outbox


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
    target: str | None  # an Edit: the platform id of the message it replaces



def enqueue(connection: Connection, channel: str, message: OutboundMessage, now: datetime) -> int:
    result = connection.execute(
        statements(connection).enqueue,
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


def outbox_row(row: Any) -> OutboxRow:
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
    """Channels whose oldest unsettled message may be tried now, oldest work first.

    Only the head counts: a channel whose head waits (Slack down, back-off) is not listed
    because of the messages queued behind it, so an hours-long outage costs no claim
    transaction per channel and pass.
    """
    earlier = outbox.alias("earlier")
    rows = connection.execute(
        select(outbox.c.channel)
        .where(outbox.c.status.in_(UNSETTLED), outbox.c.next_attempt_at <= now,
               ~select(earlier.c.id).where(earlier.c.channel == outbox.c.channel, earlier.c.status.in_(UNSETTLED),
                                           earlier.c.id < outbox.c.id).exists())
        .order_by(outbox.c.id)
    )
    return [row.channel for row in rows]


def claim_head(connection: Connection, channel: str, now: datetime, lease: timedelta) -> Claim | None:
    """Claim the channel's oldest unsettled message, or None when there is nothing to do now.

    Only the head may be claimed, so one channel's messages go out in order. The claim is a
    compare-and-set on (status, next_attempt_at), so of two deliverers (two replicas, or a
    request and the retry loop) exactly one wins; the loser sees a claimed head and stops.
    A claim that is not settled within ``lease`` (deliverer crashed) becomes claimable again.
    ``Claim.more`` says whether another unsettled message was queued behind it, so the
    deliverer can stop without one more (empty) transaction; ``Claim.target`` is the
    platform message an Edit replaces.
    """
    prepared = statements(connection)  # built once: this runs for every reply
    rows = connection.execute(prepared.outbox_head, {"b_channel": channel}).all()
    if not rows or rows[0].next_attempt_at > now:
        return None
    row = rows[0]
    result = connection.execute(
        prepared.claim_outbox,
        {"b_id": row.id, "b_status": row.status, "b_next_attempt_at": row.next_attempt_at, "b_until": now + lease},
    )
    if result.rowcount != 1:
        return None
    claimed = outbox_row(row)
    message = claimed.message
    target = message_ref(connection, channel, message.key) if isinstance(message, Edit) else None
    return Claim(claimed, len(rows) > 1, target)


def keep_rest(connection: Connection, outbox_id: int, rest: OutboundMessage) -> None:
    """Part of a claimed message was delivered: the row now holds only what is left to send."""
    connection.execute(update(outbox).where(outbox.c.id == outbox_id).values(payload=encode_message(rest)))


class Settlement(NamedTuple):
    """How a claimed message ended, and whether to claim its channel's next one right after."""

    row: OutboxRow
    status: str  # OUTBOX_SENT, OUTBOX_PENDING (to be retried at ``retry_at``) or OUTBOX_FAILED
    platform_id: str | None = None  # sent: the platform's id of the message
    retry_at: datetime | None = None
    error: str | None = None
    claim_next: bool = False
    counted: bool = True  # a failed try (a rate limit is not one: the message only waits)


def settle(
    connection: Connection, settlements: Sequence[Settlement], now: datetime, lease: timedelta
) -> list[Claim | None]:
    """Settle claimed messages of any channels at once; then claim the next head of each channel
    that asked (its ``claim_next``), in the same transaction: one commit for a whole round of
    deliveries, and none to claim what follows. Returns one claim (or None) per settlement."""
    sent = [s for s in settlements if s.status == OUTBOX_SENT]
    if sent:  # one executemany of the prebuilt statement
        connection.execute(statements(connection).settle_sent, [
            {"b_id": s.row.id, "b_platform_id": s.platform_id, "b_at": now} for s in sent
        ])
    for s in settlements:
        message = s.row.message
        if s.status == OUTBOX_SENT:
            key = message.key if isinstance(message, Post | Edit) else None
            if key is not None and s.platform_id is not None:
                set_message_ref(connection, s.row.channel, key, s.platform_id, now)
        else:
            values: dict[str, Any] = {"status": s.status, "attempts": outbox.c.attempts + int(s.counted),
                                      "last_error": s.error}
            if s.retry_at is not None:
                values["next_attempt_at"] = s.retry_at
            connection.execute(update(outbox).where(outbox.c.id == s.row.id).values(values))
    return [claim_head(connection, s.row.channel, now, lease) if s.claim_next else None for s in settlements]


class Undelivered(NamedTuple):
    """An outbox message not sent (yet), as the CLI shows it: never its text."""

    id: int
    channel: str
    status: str  # pending / sending (still being tried) or failed (given up)
    attempts: int
    created_at: datetime
    last_error: str | None


def undelivered(connection: Connection, channel: str | None = None) -> list[Undelivered]:
    """Messages not sent, given up ones included, in the order they were queued."""
    query = (select(outbox.c.id, outbox.c.channel, outbox.c.status, outbox.c.attempts, outbox.c.created_at,
                    outbox.c.last_error)
             .where(outbox.c.status != OUTBOX_SENT).order_by(outbox.c.id))
    if channel is not None:
        query = query.where(outbox.c.channel == channel)
    return [Undelivered(*row) for row in connection.execute(query)]


def retry_failed(connection: Connection, now: datetime, channel: str | None = None) -> int:
    """Queue given-up messages again, due now, as if just queued (their give-up time starts over)."""
    statement = (update(outbox).where(outbox.c.status == OUTBOX_FAILED)
                 .values(status=OUTBOX_PENDING, attempts=0, next_attempt_at=now, created_at=now))
    if channel is not None:
        statement = statement.where(outbox.c.channel == channel)
    return int(connection.execute(statement).rowcount)


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
    statement = dialect_insert(connection, message_refs).values(
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

