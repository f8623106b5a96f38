"""Slack payloads -> engine events. Pure functions: no I/O, no SDK calls.

Everything a translation trusts comes from the signed payload itself: the user is
always the payload's ``user`` (never a value carried in a button or in metadata), so
a replayed or edited button cannot vote for someone else. Every string taken from a
payload is cleaned of lone surrogates (``bot.core.text.clean``: JSON may carry ``\udce9``),
which storage could not encode.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.model import ButtonAction, ButtonPressed, CommandIssued, Sender, TextMessage
from bot.core.text import clean

PLATFORM = "slack"
ACTION_PREFIX = "voordenken."
REASON_CALLBACK = "voordenken_reason"
DRAFT_CALLBACK = "voordenken_draft"  # the "Edit draft" modal: the same block and input as the reason's
REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"
_SUBMITTED = {REASON_CALLBACK: ButtonAction.VOTE, DRAFT_CALLBACK: ButtonAction.DRAFT}
# Plain user messages; every other subtype (edits, deletions, joins, bot posts...) is noise.
USER_SUBTYPES = (None, "thread_broadcast", "file_share")
_ID = re.compile(r"^[A-Z0-9]{2,32}$")

Payload = Mapping[str, Any]


def channel_key(team_id: str, channel_id: str) -> str:
    return f"{PLATFORM}:{team_id}:{channel_id}"


def split_key(channel: str) -> tuple[str, str]:
    """``slack:T1:C1`` -> ``("T1", "C1")``; ValueError for anything else."""
    platform, _, rest = channel.partition(":")
    team, _, channel_id = rest.partition(":")
    if platform != PLATFORM or not _ID.match(team) or not _ID.match(channel_id):
        raise ValueError(f"not a Slack channel key: {channel!r}")
    return team, channel_id


def sender(user_id: str) -> Sender:
    """Slack renders ``<@U123>`` as the person's current name, so no users.info lookup is needed."""
    return Sender(id=user_id, name=f"<@{user_id}>")


def unescape(text: str) -> str:
    """Slack sends ``&``, ``<`` and ``>`` typed by users as entities; the engine keeps plain text."""
    return html.unescape(text) if "&" in text else text


def _str(value: Any) -> str | None:
    return clean(value) if isinstance(value, str) and value else None


def _valid_id(value: Any) -> str | None:
    text = _str(value)
    return text if text is not None and _ID.match(text) else None


# ----------------------------------------------------------------------------- events API


def message_key(team: str, channel: str, ts: str) -> str:
    """The event id of a message: the message itself, not its delivery.

    Slack retries a delivery under the same ``event_id`` but may also deliver one message
    again under a new one (it was parked twice); a message's ``ts`` is unique in its
    channel, so the service's de-duplication (keyed by event id) catches both.
    """
    return f"{PLATFORM}:msg:{team}:{channel}:{ts}"


def message_event(body: Payload) -> TextMessage | None:
    """A plain user message in a channel, or ``None`` for everything we stay out of."""
    event = body.get("event")
    if not isinstance(event, Mapping) or event.get("type") != "message":
        return None
    if event.get("subtype") not in USER_SUBTYPES or event.get("bot_id") or event.get("hidden"):
        return None
    if event.get("channel_type") not in (None, "channel", "group"):
        return None  # direct messages are not a team channel
    team = _valid_id(body.get("team_id")) or _valid_id(event.get("team"))
    channel = _valid_id(event.get("channel"))
    user = _valid_id(event.get("user"))
    text = _str(event.get("text"))
    event_id = _str(body.get("event_id"))
    ts = _str(event.get("ts"))
    if None in (team, channel, user, text, event_id, ts):
        return None
    assert team and channel and user and text and ts
    if channel.startswith("D"):
        return None  # a direct message, whatever channel_type says
    return TextMessage(
        event_id=message_key(team, channel, ts),
        channel=channel_key(team, channel),
        sender=sender(user),
        text=unescape(text),
        message_id=ts,
        thread_id=_str(event.get("thread_ts")),
    )


# ----------------------------------------------------------------------------- slash commands


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """What a slash command says besides the engine event: where to answer privately."""

    event: CommandIssued
    team_id: str
    channel_id: str
    response_url: str | None


def command(body: Payload) -> SlashCommand | None:
    team = _valid_id(body.get("team_id"))
    channel = _valid_id(body.get("channel_id"))
    user = _valid_id(body.get("user_id"))
    trigger = _str(body.get("trigger_id"))
    word = _str(body.get("command")) or ""
    if None in (team, channel, user, trigger):
        return None
    assert team and channel and user and trigger
    text = body.get("text")
    event = CommandIssued(
        event_id=f"{PLATFORM}:cmd:{trigger}",
        channel=channel_key(team, channel),
        sender=sender(user),
        text=unescape(clean(text)) if isinstance(text, str) else "",
        command_word=word.removeprefix("/"),
        trigger=trigger,  # "/problem draft" alone opens the draft in a modal
    )
    return SlashCommand(event, team, channel, _str(body.get("response_url")))


# ----------------------------------------------------------------------------- block actions


def action_id(action: str, index: int) -> str:
    """Unique per message; the engine action travels in the id, its argument in the value."""
    return f"{ACTION_PREFIX}{action}.{index}"


def _action_name(identifier: str) -> ButtonAction | None:
    if not identifier.startswith(ACTION_PREFIX):
        return None
    name, _, index = identifier[len(ACTION_PREFIX):].partition(".")
    return ButtonAction(name) if name in set(ButtonAction) and index.isdigit() else None


def _team_of(body: Payload) -> str | None:
    team = body.get("team")
    user = body.get("user")
    return (_valid_id(team.get("id")) if isinstance(team, Mapping) else None) or (
        _valid_id(user.get("team_id")) if isinstance(user, Mapping) else None
    )


def _user_of(body: Payload) -> str | None:
    user = body.get("user")
    return _valid_id(user.get("id")) if isinstance(user, Mapping) else None


def block_action(body: Payload) -> ButtonPressed | None:
    """One of our buttons in a channel message (or an ephemeral note).

    The press carries its ``trigger_id``: should the engine ask for a reason, the
    transport opens the reason modal with it.
    """
    actions = body.get("actions")
    if not isinstance(actions, list) or len(actions) != 1 or not isinstance(actions[0], Mapping):
        return None
    pressed = actions[0]
    name = _action_name(_str(pressed.get("action_id")) or "")
    value = _str(pressed.get("value"))
    action_ts = _str(pressed.get("action_ts"))
    channel_obj = body.get("channel")
    channel = _valid_id(channel_obj.get("id")) if isinstance(channel_obj, Mapping) else None
    team, user, trigger = _team_of(body), _user_of(body), _str(body.get("trigger_id"))
    if None in (name, value, action_ts, channel, team, user, trigger):
        return None
    assert name and value and action_ts and channel and team and user and trigger
    container = body.get("container")
    message_ts = _str(container.get("message_ts")) if isinstance(container, Mapping) else None
    return ButtonPressed(
        event_id=f"{PLATFORM}:act:{trigger}:{action_ts}",
        channel=channel_key(team, channel),
        sender=sender(user),
        action=name,
        value=value,
        message_id=message_ts,
        trigger=trigger,
    )


# ----------------------------------------------------------------------------- reason and draft modals


def reason_metadata(channel: str, value: str, message_id: str | None) -> str:
    """What the modal must remember of the button (we wrote it; Slack signs it back): the vote
    (``concern:3``) or the draft version being edited (``3``)."""
    return json.dumps({"channel": channel, "value": value, "message": message_id})


@dataclass(frozen=True, slots=True)
class ReasonSubmitted:
    """A submitted reason (or draft) modal; ``event`` is ``None`` when the text is empty.

    ``user`` is the submitter (from the payload), whose channel membership is checked;
    ``action`` says which modal it was (VOTE: a reason, DRAFT: an edited draft).
    """

    channel: str
    value: str
    event: ButtonPressed | None
    user: str
    action: ButtonAction = ButtonAction.VOTE


def reason_submission(body: Payload) -> ReasonSubmitted | None:
    view = body.get("view")
    action = _SUBMITTED.get(_str(view.get("callback_id")) or "") if isinstance(view, Mapping) else None
    if not isinstance(view, Mapping) or action is None:
        return None
    try:
        meta = json.loads(view.get("private_metadata") or "")
    except (TypeError, ValueError):
        return None
    if not isinstance(meta, Mapping):
        return None
    channel, value = _str(meta.get("channel")), _str(meta.get("value"))
    user, view_id = _user_of(body), _str(view.get("id"))
    if None in (channel, value, user, view_id):
        return None
    assert channel and value and user and view_id
    try:
        team, _ = split_key(channel)
    except ValueError:
        return None
    if _team_of(body) not in (None, team):
        return None  # metadata from another workspace's view: not ours to honour
    reason = _reason_text(view)
    if not reason:
        return ReasonSubmitted(channel, value, None, user, action)
    version = _str(view.get("hash")) or _str(body.get("trigger_id")) or "0"
    event = ButtonPressed(
        event_id=f"{PLATFORM}:view:{view_id}:{version}",
        channel=channel,
        sender=sender(user),
        action=action,
        value=value,
        text=reason,
        message_id=_str(meta.get("message")),
    )
    return ReasonSubmitted(channel, value, event, user, action)


def _reason_text(view: Payload) -> str:
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    block = values.get(REASON_BLOCK) if isinstance(values, Mapping) else None
    field = block.get(REASON_INPUT) if isinstance(block, Mapping) else None
    value = field.get("value") if isinstance(field, Mapping) else None
    return clean(value).strip() if isinstance(value, str) else ""
