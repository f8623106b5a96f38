"""JSON round-trip of channel state and outbound messages.

The model is plain stdlib dataclasses; pydantic ``TypeAdapter`` derives the (de)serialisers
from their type hints, so adding a field to :mod:`bot.model` needs no change here.
Outbound messages are stored with an explicit type tag because several of them
(``Post`` and ``Edit``) have field sets that a structural union could not tell apart.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from bot.model import ChannelState, Edit, Notify, OutboundMessage, Post, Reply

_MESSAGE_TYPES: dict[str, type[Post] | type[Reply] | type[Notify] | type[Edit]] = {
    cls.__name__: cls for cls in (Post, Reply, Notify, Edit)
}


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(cls: type[Any]) -> TypeAdapter[Any]:
    """Adapters are built lazily (no work at import time) and once per type."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


def encode_state(state: ChannelState) -> str:
    """The whole channel state as one JSON document (datetimes ISO 8601, enums by value)."""
    return _adapter(ChannelState).dump_json(state).decode()


def decode_state(data: str | bytes) -> ChannelState:
    state: ChannelState = _adapter(ChannelState).validate_json(data)
    return state


def encode_message(message: OutboundMessage) -> str:
    """``{"type": "Post", "data": {...}}`` so the exact message class survives the trip."""
    name = type(message).__name__
    if name not in _MESSAGE_TYPES:
        raise TypeError(f"not an outbound message: {name}")
    data = _adapter(type(message)).dump_python(message, mode="json")
    return json.dumps({"type": name, "data": data}, ensure_ascii=False, separators=(",", ":"))


def decode_message(data: str | bytes) -> OutboundMessage:
    document = json.loads(data)
    cls = _MESSAGE_TYPES.get(document.get("type"))
    if cls is None:
        raise ValueError(f"unknown outbound message type: {document.get('type')!r}")
    message: OutboundMessage = _adapter(cls).validate_python(document["data"])
    return message
