"""The codec must give back exactly the state and messages it was given."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TypeVar

from hypothesis import given
from hypothesis import strategies as st

from bot.model import (
    Answer,
    Button,
    ChannelState,
    Draft,
    Edit,
    Notify,
    OutboundMessage,
    ParkedItem,
    Post,
    Reply,
    Statement,
    Task,
    Vote,
    VoteRound,
)
from bot.storage.codec import decode_message, decode_state, encode_message, encode_state

utc = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
words = st.text(max_size=20)
T = TypeVar("T")


def tuples(elements: st.SearchStrategy[T]) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(elements, max_size=3).map(tuple)


buttons = st.builds(Button, style=st.none() | st.sampled_from(["primary", "danger"]))
votes = st.builds(Vote, at=st.none() | utc)
rounds = st.builds(
    VoteRound, opened_at=utc, deadline=st.none() | utc, closed_at=st.none() | utc, votes=tuples(votes)
)
parked = st.builds(ParkedItem, at=utc)
states = st.builds(
    ChannelState,
    participants=st.dictionaries(words, words, max_size=3),
    ready=st.frozensets(words, max_size=3),
    answers=tuples(st.builds(Answer, at=utc)),
    drafts=tuples(st.builds(Draft, at=utc)),
    rounds=tuples(rounds),
    statement=st.none() | st.builds(Statement, agreed_at=utc),
    parked=tuples(parked),
    tasks=tuples(st.builds(Task, at=utc)),
    observed=tuples(parked),
    recent_events=tuples(words),
    started_at=st.none() | utc,
)
messages: st.SearchStrategy[OutboundMessage] = st.one_of(
    st.builds(Post, buttons=tuples(buttons)),
    st.builds(Reply, buttons=tuples(buttons)),
    st.builds(Notify, buttons=tuples(buttons)),
    st.builds(Edit, buttons=tuples(buttons)),
)


@given(states)
def test_any_state_survives_the_round_trip(state: ChannelState) -> None:
    decoded = decode_state(encode_state(state))
    assert decoded == state
    assert type(decoded.ready) is frozenset
    assert type(decoded.answers) is tuple


@given(messages)
def test_any_message_survives_the_round_trip_as_its_own_class(message: OutboundMessage) -> None:
    decoded = decode_message(encode_message(message))
    assert decoded == message
    assert type(decoded) is type(message)


def test_an_edit_is_not_mistaken_for_a_post_with_the_same_fields() -> None:
    post = Post(text="3 votes", key="vote", kind="vote", title="Vote")
    edit = Edit(text="3 votes", key="vote", kind="vote", title="Vote")
    assert type(decode_message(encode_message(edit))) is Edit
    assert type(decode_message(encode_message(post))) is Post


def test_times_are_stored_as_iso_utc_and_enums_by_value() -> None:
    at = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    document = json.loads(encode_state(ChannelState(channel="console:demo", started_at=at)))
    assert document["started_at"] == "2026-11-28T09:30:00Z"
    assert document["phase"] == "idle"
    assert decode_state(json.dumps(document)).started_at == at
