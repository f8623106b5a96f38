"""The pure halves of the adapter: payload -> event and message -> Block Kit (with fuzzing)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack import render as r
from adapters.slack import translate as t
from bot.core.model import Button, ButtonPressed, Edit, Notify, Post, Reply

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)
payload_keys = st.sampled_from(["type", "team_id", "event", "event_id", "channel_id", "user_id", "trigger_id",
                                "text", "command", "actions", "team", "user", "channel", "view", "container"])
payloads = st.dictionaries(payload_keys, json_values, max_size=10)


@given(payloads)
@settings(max_examples=150, deadline=None)
def test_translation_never_raises_on_odd_payloads(body: dict[str, Any]) -> None:
    for translation in (t.message_event, t.command, t.block_action, t.reason_submission):
        translation(body)


def test_message_translation() -> None:
    message: dict[str, Any] = {"type": "message", "channel": "C1", "channel_type": "group", "user": "U1",
                               "text": "a &lt;b&gt; &amp; c", "ts": "1.2", "thread_ts": "1.0"}
    body: dict[str, Any] = {"team_id": "T1", "event_id": "Ev9", "event": message}
    event = t.message_event(body)
    assert event is not None
    assert (event.event_id, event.channel, event.text) == ("slack:msg:T1:C1:1.2", "slack:T1:C1", "a <b> & c")
    assert (event.message_id, event.thread_id) == ("1.2", "1.0")
    assert event.sender.id == "U1" and event.sender.name == "<@U1>"
    for subtype in ("message_changed", "message_deleted", "bot_message", "channel_join"):
        assert t.message_event({**body, "event": {**message, "subtype": subtype}}) is None
    assert t.message_event({**body, "event": {**message, "bot_id": "B1"}}) is None
    assert t.message_event({**body, "event": {**message, "subtype": "thread_broadcast"}}) is not None


def test_button_translation_takes_the_user_from_the_payload_only() -> None:
    body = {"team": {"id": "T1"}, "user": {"id": "U2"}, "trigger_id": "tr", "channel": {"id": "C1"},
            "container": {"message_ts": "5.5"},
            "actions": [{"action_id": t.action_id("vote", 2), "value": "object:3", "action_ts": "9.9"}]}
    pressed = t.block_action(body)
    assert pressed == ButtonPressed(event_id="slack:act:tr:9.9", channel="slack:T1:C1", sender=t.sender("U2"),
                                    action="vote", value="object:3", message_id="5.5", trigger="tr")
    meta = t.reason_metadata(pressed.channel, pressed.value, pressed.message_id)
    view: dict[str, Any] = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U3"},
            "view": {"id": "V1", "hash": "h1", "callback_id": t.REASON_CALLBACK, "private_metadata": meta,
                     "state": {"values": {"reason": {"reason_input": {"value": "  because  "}}}}}}
    submitted = t.reason_submission(view)
    assert submitted is not None and submitted.event is not None
    assert submitted.event.sender.id == "U3" and submitted.event.text == "because"
    assert submitted.event.event_id == "slack:view:V1:h1"
    # The same metadata submitted from another workspace is not honoured.
    assert t.reason_submission({**view, "team": {"id": "T9"}}) is None
    empty = t.reason_submission({**view, "view": {**view["view"], "state": {}}})
    assert empty is not None and empty.event is None


def test_escape_keeps_user_mentions_only() -> None:
    assert r.escape("<@U123> & <!channel> <#C1|x> a<b") == "<@U123> &amp; &lt;!channel&gt; &lt;#C1|x&gt; a&lt;b"


texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=12_000) | st.text(
    alphabet="<>&@U1 \n", max_size=8000)


@given(texts, st.one_of(st.none(), st.text(max_size=400)), st.integers(0, 30))
@settings(max_examples=60, deadline=None)
def test_rendering_stays_within_block_kit_limits(text: str, title: str | None, buttons: int) -> None:
    row = tuple(Button(f"b{i}" * 50, "cmd", f"v{i}", "/problem x") for i in range(buttons))
    for message in (Post(text=text, title=title, buttons=row), Reply(text=text, message_id="1", buttons=row),
                    Notify(user="U1", text=text), Edit(key="k", text=text, title=title)):
        rendered = r.render(message)
        assert len(rendered.blocks) <= r.MAX_BLOCKS
        assert len(rendered.text) <= r.FALLBACK_LIMIT
        for block in rendered.blocks:
            if block["type"] == "section":
                assert 0 < len(block["text"]["text"]) <= r.SECTION_LIMIT
            elif block["type"] == "header":
                assert len(block["text"]["text"]) <= r.HEADER_LIMIT
            else:
                assert len(block["elements"]) <= r.MAX_BUTTONS
                ids = [e["action_id"] for e in block["elements"]]
                assert len(set(ids)) == len(ids)
                assert all(len(e["text"]["text"]) <= r.BUTTON_LIMIT for e in block["elements"])
        json.dumps(rendered.blocks)


def test_long_text_is_split_into_sections_not_cut() -> None:
    text = "\n".join(f"line {i} " + "x" * 100 for i in range(100))
    rendered = r.render(Post(text=text, title="T"))
    sections = [b["text"]["text"] for b in rendered.blocks if b["type"] == "section"]
    assert len(sections) > 1
    assert "\n".join(sections) == text


def test_a_long_line_is_never_cut_inside_a_mention_or_an_entity() -> None:
    """A mention cut in two notifies nobody and shows "<@UAL"; a cut "&am" shows as garbage."""
    for offset in range(2960, 3001):
        text = "x" * offset + "<@UALICE>&<b>" * 30  # one line, no space to cut at
        rendered = r.render(Post(text=text))
        sections = [b["text"]["text"] for b in rendered.blocks if b["type"] == "section"]
        assert "".join(sections) == r.escape(text)  # nothing lost
        for section in [*sections, rendered.text]:  # the blocks, and the notification's fallback text
            assert section.count("<@UALICE>") == section.count("<"), (offset, section[-20:])
            entities = sum(section.count(e) for e in ("&amp;", "&lt;", "&gt;"))
            assert section.count("&") == entities, (offset, section[-20:])


@given(st.text(alphabet="<>&@UAL1 ab;\n", max_size=200_000).map(lambda t: t * 3), st.integers(0, 3))
@settings(max_examples=40, deadline=None)
def test_a_long_message_is_split_into_messages_that_each_fit(text: str, buttons: int) -> None:
    row = tuple(Button(f"b{i}", "cmd", f"v{i}", "/problem x") for i in range(buttons))
    for message in (Post(text=text, title="Export", buttons=row), Reply(text=text, message_id="1", buttons=row),
                    Notify(user="U1", text=text, buttons=row)):
        parts = r.split(message)
        for index, part in enumerate(parts):
            blocks = r.render(part).blocks
            sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
            assert len(blocks) <= r.MAX_BLOCKS
            assert sum(len(s) for s in sections) + (r.HEADER_LIMIT if index == 0 else 0) <= r.MESSAGE_LIMIT
            assert "…" not in sections  # nothing clipped
            assert bool(part.buttons) == (index == len(parts) - 1 and buttons > 0)
        assert "".join(p.text for p in parts).replace("\n", "") == text.replace("\n", "")
