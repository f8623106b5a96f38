"""A channel's state in the tables: load, save (compare-and-set), and the one place that
assembles a state from its head document and item rows (for the service's transactions and
for the read-only views alike).
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from bot.core.model import ChannelState
from bot.shell.storage.codec import ITEM_FIELDS, assemble_state, encode_head, encode_item
from bot.shell.storage.statements import Statements, statements
from bot.shell.storage.tables import channel_items, channels


class LostRace(Exception):
    """Another writer changed the channel since we read it; retry the whole transaction."""



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



def _assemble(document: str, rows: Iterable[tuple[str, str]]) -> tuple[ChannelState, int]:
    """The state from its head document and its ``(field, data)`` item rows in (field, seq)
    order, and the characters stored for it (to bound a cache of states)."""
    items: dict[str, list[str]] = {}
    size = len(document)
    for field, data in rows:
        values = items.get(field)
        if values is None:
            values = items[field] = []
        values.append(data)
        size += len(data)
    return assemble_state(document, items), size


def load_channel(connection: Connection, channel: str, known: StoredState | None = None) -> StoredState | None:
    """The channel's stored state, row-locked on PostgreSQL.

    SQLite renders no FOR UPDATE; there ``BEGIN IMMEDIATE`` already holds the write lock.
    ``known`` (what this process last read or wrote) is returned itself, without reading
    the document or the items, when the row still has its version and generation: the
    generation changes when a purged channel is created again, so an equal version number
    alone proves nothing.
    """
    prepared = statements(connection)
    if known is None:
        row = connection.execute(prepared.load_channel, {"b_key": channel}).one_or_none()
        if row is None:
            return None
        document: str = row.state
    else:
        row = connection.execute(prepared.lock_channel, {"b_key": channel}).one_or_none()
        if row is None:
            return None
        if row.version == known.version and row.generation == known.generation:
            return known
        document = connection.execute(prepared.load_document, {"b_key": channel}).scalar_one()
    state, size = _assemble(document, connection.execute(prepared.load_items, {"b_channel": channel}))
    return StoredState(state, row.version, row.generation, size)


def read_state(connection: Connection, channel: str, *, items: bool = True) -> ChannelState | None:
    """The channel's stored state, unlocked: for a read-only snapshot (two statements).

    ``items=False``: its head only (answers, drafts, parked items and tasks empty; one statement).
    """
    prepared = statements(connection)
    document = connection.execute(prepared.load_document, {"b_key": channel}).scalar_one_or_none()
    if document is None:
        return None
    rows = connection.execute(prepared.load_items, {"b_channel": channel}) if items else ()
    return _assemble(document, rows)[0]


def read_states(connection: Connection, prefix: str = "", *, items: bool = True) -> list[ChannelState]:
    """The states of the channels whose key starts with ``prefix``, by key: two queries at most,
    whatever the number of channels. ``items=False``: answers, drafts, parked items and tasks
    come back empty and only the small head documents are read (one query)."""
    heads = select(channels.c.key, channels.c.state).order_by(channels.c.key)
    rows = select(channel_items.c.channel, channel_items.c.field, channel_items.c.data).order_by(
        channel_items.c.channel, channel_items.c.field, channel_items.c.seq
    )
    if prefix:
        heads = heads.where(channels.c.key.startswith(prefix, autoescape=True))
        rows = rows.where(channel_items.c.channel.startswith(prefix, autoescape=True))
    by_channel: dict[str, list[tuple[str, str]]] = {}
    if items:
        for channel, field, data in connection.execute(rows):
            by_channel.setdefault(channel, []).append((field, data))
    return [_assemble(head.state, by_channel.get(head.key, ()))[0] for head in connection.execute(heads)]


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
    prepared = statements(connection)
    if previous is None:
        head, items = channel_rows(state, at)
        if connection.execute(prepared.insert_channel, head).rowcount != 1:
            raise LostRace(state.channel)
        if items:
            connection.execute(prepared.insert_items, items)
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
    if prepared.update_channel_appending is not None and document is not None and len(changes) == 1:
        ((field, appended),) = changes.items()
        if appended:
            rows = [encode_item(field, item) for item in appended]
            start = len(getattr(old, field))
            result = connection.execute(prepared.update_channel_appending, {
                **parameters, "b_state": document, "b_field": field,
                "b_seqs": list(range(start, start + len(rows))), "b_datas": rows,
            })
            if result.rowcount != len(rows):
                raise LostRace(state.channel)
            return StoredState(state, previous.version + 1, previous.generation, size + sum(map(len, rows)))
    if document is None:
        result = connection.execute(prepared.touch_channel, parameters)
    else:
        result = connection.execute(prepared.update_channel, {**parameters, "b_state": document})
    if result.rowcount != 1:
        raise LostRace(state.channel)
    for field, appended in changes.items():
        size += _save_items(connection, prepared, state, field, len(getattr(old, field)), appended)
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
    prepared: Statements,
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
        deleted = connection.execute(prepared.delete_items, {"b_channel": channel, "b_field": field})
        start, added, removed = 0, getattr(state, field), sum(deleted.scalars())
    rows: list[dict[str, Any]] = [
        {"channel": channel, "field": field, "seq": start + offset, "data": encode_item(field, item)}
        for offset, item in enumerate(added)
    ]
    if rows:
        connection.execute(prepared.insert_items, rows)
    return sum(len(row["data"]) for row in rows) - removed

