"""JSON round-trip of channel state and outbound messages.

The model is plain stdlib dataclasses; pydantic ``TypeAdapter`` derives the (de)serialisers
from their type hints, so adding a field to :mod:`bot.core.model` needs no change here.
Outbound messages are stored with an explicit type tag because several of them
(``Post`` and ``Edit``) have field sets that a structural union could not tell apart.

A channel's state is stored in parts: the tuples that grow with a session (``ITEM_FIELDS``)
one JSON document per element, everything else as a small *head* document in which those
fields are empty lists. Re-encoding thousands of answers on every event was the cost.

Documents written by an earlier release load too: the enums kept their values, and the
two fields whose shape changed are upgraded on the way in (:func:`_upgrade_state`,
:func:`_upgrade_event`), only when the current shape does not validate.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bot.core.model import (
    Answer,
    AskDraft,
    AskReason,
    ButtonPressed,
    ChannelState,
    CommandIssued,
    Draft,
    DraftWritten,
    Edit,
    InboundEvent,
    Notify,
    OutboundMessage,
    ParkedItem,
    Post,
    PostCard,
    PrivateNote,
    React,
    Reply,
    Task,
    TextMessage,
    Throttled,
    Tick,
)

_MESSAGE_TYPES: dict[str, type[Post] | type[Reply] | type[Notify] | type[Edit] | type[PostCard]] = {
    cls.__name__: cls for cls in (Post, Reply, React, Notify, AskReason, AskDraft, PrivateNote, Edit, PostCard)
}


# The ChannelState fields stored as one row per element, and each element's type.
_ITEM_TYPES: dict[str, type[Any]] = {"answers": Answer, "drafts": Draft, "parked": ParkedItem, "tasks": Task}
ITEM_FIELDS: tuple[str, ...] = tuple(_ITEM_TYPES)
_ITEM_TUPLES: dict[str, Any] = {field: tuple[cls, ...] for field, cls in _ITEM_TYPES.items()}  # type: ignore[valid-type]

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(cls: Any) -> TypeAdapter[Any]:
    """Adapters are built lazily (no work at import time) and once per type."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def encode_state(state: ChannelState) -> str:
    """The whole channel state as one JSON document (datetimes ISO 8601, enums by value)."""
    return _adapter(ChannelState).dump_json(state).decode()


def decode_state(data: str | bytes) -> ChannelState:
    try:
        state: ChannelState = _adapter(ChannelState).validate_json(data)
    except ValidationError:
        state = _adapter(ChannelState).validate_python(_upgrade_state(json.loads(data)))
    return state


def _upgrade_state(document: dict[str, Any]) -> dict[str, Any]:
    """Until 2026-12 ``pending_confirm`` was the string ``"<command>:<user id>"``."""
    pending = document.get("pending_confirm")
    if isinstance(pending, str):
        command, _, user = pending.partition(":")
        document["pending_confirm"] = {"command": command, "user": user}
    return document


def without_items(state: ChannelState) -> ChannelState:
    """``state`` with the item fields emptied: what the head document holds."""
    empty: dict[str, Any] = dict.fromkeys(ITEM_FIELDS, ())
    return replace(state, **empty)


def encode_head(state: ChannelState) -> str:
    """The state without its items (stored as rows) as one JSON document."""
    return encode_state(without_items(state))


def _item_type(field: str) -> type[Any]:
    try:
        return _ITEM_TYPES[field]
    except KeyError:
        raise ValueError(f"not an item field of the channel state: {field!r}") from None


def encode_item(field: str, item: Any) -> str:
    """One element of the item field ``field`` as JSON (the same text ``encode_state`` embeds)."""
    return _adapter(_item_type(field)).dump_json(item).decode()


def decode_items(field: str, data: Sequence[str]) -> tuple[Any, ...]:
    """The elements stored as ``data`` (in order) as the field's tuple.

    Joined into one JSON array and validated at once: one call instead of one per element.
    """
    if not data:
        return ()
    _item_type(field)  # the error for an unknown field
    items: tuple[Any, ...] = _adapter(_ITEM_TUPLES[field]).validate_json(f"[{','.join(data)}]")
    return items


def assemble_state(head: str | bytes, items: Mapping[str, Sequence[str]]) -> ChannelState:
    """The state from its head document and its item rows (field -> JSON of each element).

    The item fields come from ``items`` only (a field without rows is empty).
    """
    unknown = set(items) - set(ITEM_FIELDS)
    if unknown:
        raise ValueError(f"not item fields of the channel state: {sorted(unknown)}")
    stored: dict[str, Any] = {field: decode_items(field, items.get(field, ())) for field in ITEM_FIELDS}
    return replace(decode_state(head), **stored)


def _encode_tagged(value: Any, types: Mapping[str, type[Any]], what: str) -> str:
    """``{"type": "<class>", "data": {...}}``: the exact class survives the trip (unions could not tell)."""
    name = type(value).__name__
    if name not in types:
        raise TypeError(f"not {what}: {name}")
    # pydantic writes the JSON itself (a quarter of the time of dump_python plus json.dumps);
    # the class name is a Python identifier, so it needs no escaping.
    data = _adapter(type(value)).dump_json(value).decode()
    return f'{{"type":"{name}","data":{data}}}'


def _decode_tagged(data: str | bytes, types: Mapping[str, type[Any]], what: str) -> Any:
    document = json.loads(data)
    cls = types.get(document.get("type"))
    if cls is None:
        raise ValueError(f"unknown {what} type: {document.get('type')!r}")
    if cls is CommandIssued:
        _upgrade_event(document["data"])
    return _adapter(cls).validate_python(document["data"])


def _upgrade_event(data: dict[str, Any]) -> None:
    """Until 2026-12 a command carried ``command_lang`` ("nl" for ``/probleem``), not its word."""
    if data.pop("command_lang", None) == "nl":
        data.setdefault("command_word", "probleem")


def encode_message(message: OutboundMessage) -> str:
    return _encode_tagged(message, _MESSAGE_TYPES, "an outbound message")


def decode_message(data: str | bytes) -> OutboundMessage:
    message: OutboundMessage = _decode_tagged(data, _MESSAGE_TYPES, "outbound message")
    return message


_EVENT_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (TextMessage, CommandIssued, ButtonPressed, Tick, Throttled, DraftWritten)
}


def encode_event(event: InboundEvent) -> str:
    """An inbound event as tagged JSON, for the inbox."""
    return _encode_tagged(event, _EVENT_TYPES, "an inbound event")


def decode_event(data: str | bytes) -> InboundEvent:
    event: InboundEvent = _decode_tagged(data, _EVENT_TYPES, "inbound event")
    return event
