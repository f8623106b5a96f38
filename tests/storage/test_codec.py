"""The codec must give back exactly the state and messages it was given."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from enum import Enum
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.model import (
    AskDraft,
    AskReason,
    ButtonAction,
    ButtonPressed,
    ChannelState,
    CommandIssued,
    Edit,
    InboundEvent,
    MessageKind,
    Notify,
    OutboundMessage,
    Outcome,
    PendingConfirm,
    Post,
    Reply,
    TaskStatus,
    TextMessage,
    Throttled,
    Tick,
)
from bot.shell.storage.codec import (
    ITEM_FIELDS,
    assemble_state,
    decode_event,
    decode_message,
    decode_state,
    encode_event,
    encode_head,
    encode_item,
    encode_message,
    encode_state,
)

utc = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
words = st.text(max_size=20)
SCALARS: dict[object, st.SearchStrategy[Any]] = {
    str: words,
    int: st.integers(-(2**31), 2**31),
    bool: st.booleans(),
    float: st.floats(allow_nan=False, allow_infinity=False),
    datetime: utc,
    type(None): st.none(),
}


def values_of(tp: Any) -> st.SearchStrategy[Any]:
    """Values for a model type, filling EVERY dataclass field (defaults too), recursively.

    Written against the type hints rather than a list of classes, so fields added to the
    model later are exercised without touching this test.
    """
    if tp in SCALARS:
        return SCALARS[tp]
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = get_type_hints(tp)
        fields = {f.name: values_of(hints[f.name]) for f in dataclasses.fields(tp) if f.init}
        return st.fixed_dictionaries(fields).map(lambda kwargs: tp(**kwargs))
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, UnionType):
        return st.one_of(*(values_of(arg) for arg in args))
    if origin is tuple:
        return st.lists(values_of(args[0]), max_size=3).map(tuple)
    if origin is frozenset:
        return st.frozensets(values_of(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(values_of(args[0]), values_of(args[1]), max_size=3)
    raise TypeError(f"no strategy for {tp!r}; extend values_of")


states = st.deferred(lambda: values_of(ChannelState))
messages: st.SearchStrategy[OutboundMessage] = st.deferred(
    lambda: st.one_of(*(values_of(cls) for cls in (Post, Reply, Notify, AskReason, AskDraft, Edit)))
)


@given(states)
def test_any_state_survives_the_round_trip(state: ChannelState) -> None:
    decoded = decode_state(encode_state(state))
    assert decoded == state
    assert type(decoded.ready) is frozenset
    assert type(decoded.answers) is tuple


@given(states)
def test_any_state_survives_the_round_trip_as_a_head_and_items(state: ChannelState) -> None:
    head = encode_head(state)
    items = {field: [encode_item(field, item) for item in getattr(state, field)] for field in ITEM_FIELDS}
    assert all(json.loads(head)[field] == [] for field in ITEM_FIELDS)
    assert assemble_state(head, items) == state
    # Each item is stored as the text the whole document embeds for it.
    document = encode_state(state)
    for field in ITEM_FIELDS:
        assert f'"{field}":[{",".join(items[field])}]' in document


def test_unknown_item_fields_are_refused_rather_than_dropped() -> None:
    head = encode_head(ChannelState(channel="console:demo"))
    with pytest.raises(ValueError, match=re.escape("['votes']")):
        assemble_state(head, {"votes": ["{}"]})
    with pytest.raises(ValueError, match="'topic'"):
        encode_item("topic", "x")


@given(messages)
def test_any_message_survives_the_round_trip_as_its_own_class(message: OutboundMessage) -> None:
    decoded = decode_message(encode_message(message))
    assert decoded == message
    assert type(decoded) is type(message)


@given(st.deferred(lambda: st.one_of(*(values_of(cls) for cls in (TextMessage, CommandIssued, ButtonPressed,
                                                                   Tick, Throttled)))))
def test_any_inbound_event_survives_the_inbox_as_its_own_class(event: InboundEvent) -> None:
    decoded = decode_event(encode_event(event))
    assert decoded == event
    assert type(decoded) is type(event)


def test_an_inbox_row_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown inbound event type"):
        decode_event('{"type": "Teleport", "data": {}}')


def test_an_edit_is_not_mistaken_for_a_post_with_the_same_fields() -> None:
    post = Post(text="3 votes", key="vote", kind=MessageKind.VOTE, title="Vote")
    edit = Edit(text="3 votes", key="vote", kind=MessageKind.VOTE, title="Vote")
    assert type(decode_message(encode_message(edit))) is Edit
    assert type(decode_message(encode_message(post))) is Post


def test_times_are_stored_as_iso_utc_and_enums_by_value() -> None:
    at = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    document = json.loads(encode_state(ChannelState(channel="console:demo", started_at=at)))
    assert document["started_at"] == "2026-11-28T09:30:00Z"
    assert document["phase"] == "idle"
    assert decode_state(json.dumps(document)).started_at == at


# --------------------------------------------------------------------------- stored by the previous release

# A head document, an item row and an outbox row as the release before the enums wrote them.
OLD_HEAD = """{"channel": "slack:T1:C1", "language": "nl", "phase": "voting", "topic": "", "facilitator": "U1",
 "participants": {"U1": "Anna", "U2": "Bob"}, "step": 5, "ready": [], "answers": [], "drafts": [],
 "rounds": [{"number": 1, "version": 1, "opened_by": "U1", "opened_at": "2026-11-02T09:00:00Z",
             "deadline": null, "votes": [], "outcome": "superseded", "closed_at": "2026-11-02T10:00:00Z"},
            {"number": 2, "version": 2, "opened_by": "U1", "opened_at": "2026-11-02T10:00:00Z",
             "deadline": null, "votes": [], "outcome": null, "closed_at": null}],
 "statement": null, "parked": [], "tasks": [], "strictness": "gentle", "private_redirects": false,
 "timezone": "Europe/Amsterdam", "checkins": {"rule": "weekly mon 09:00", "paused_until": null, "mentions": true,
 "vote_deadline": null, "review_at": null, "last_posted_at": null, "last_activity_at": null, "backed_off": false,
 "next_at": null, "unanswered": 0}, "observed": [], "pending_confirm": "reset:U1", "next_id": 3,
 "recent_events": ["e1"], "started_at": "2026-11-02T08:00:00Z"}"""
OLD_TASK = '{"id": 2, "owner": "U2", "text": "call the landlord", "created_by": "U1", "at": "2026-11-03T09:00:00Z",' \
           ' "status": "done"}'
OLD_POST = """{"type": "Post", "data": {"text": "Can you work from this?", "kind": "vote", "title": "Round",
 "buttons": [{"label": "Agree", "action": "vote", "value": "agree:2", "command": "/probleem akkoord",
              "style": "primary"}], "key": "vote:2", "mentions": []}}"""
OLD_COMMAND = """{"type": "CommandIssued", "data": {"event_id": "slack:cmd:1", "channel": "slack:T1:C1",
 "sender": {"id": "U1", "name": "Anna", "is_admin": false}, "text": "start", "command_lang": "nl",
 "message_id": null, "thread_id": null}}"""


def test_a_state_stored_by_the_previous_release_loads_into_the_new_types() -> None:
    state = assemble_state(OLD_HEAD, {"tasks": [OLD_TASK]})
    assert state.pending_confirm == PendingConfirm("reset", "U1")
    assert [r.outcome for r in state.rounds] == [Outcome.SUPERSEDED, None]
    assert state.open_round is not None and state.open_round.number == 2
    assert state.tasks[0].status is TaskStatus.DONE
    assert decode_state(encode_state(state)) == state  # and is written back in the new shape


def test_an_outbox_row_and_an_inbox_row_of_the_previous_release_load() -> None:
    post = decode_message(OLD_POST)
    assert isinstance(post, Post) and post.kind is MessageKind.VOTE and post.buttons[0].action is ButtonAction.VOTE
    command = decode_event(OLD_COMMAND)
    assert isinstance(command, CommandIssued) and command.command_word == "probleem"  # /probleem: Dutch
