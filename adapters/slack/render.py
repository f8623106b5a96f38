"""Outbound messages -> Block Kit. Pure functions, within Slack's limits.

The engine's texts quote what users typed, so everything is escaped for mrkdwn
(``&``, ``<``, ``>``); only user mentions (``<@U123>``, which is how the engine names
people here) are let through, so a pasted ``<!channel>`` can never ping everyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from adapters.slack.translate import (
    DRAFT_CALLBACK,
    REASON_BLOCK,
    REASON_CALLBACK,
    REASON_INPUT,
    action_id,
    reason_metadata,
)
from bot.core.model import (
    AskDraft,
    AskReason,
    Button,
    Change,
    ChangeKind,
    Changes,
    Edit,
    Notify,
    OutboundMessage,
    Post,
    PostCard,
    Reply,
)
from bot.core.script import Script

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_LIMIT = 75
MAX_BLOCKS = 50
MAX_BUTTONS = 25
FALLBACK_LIMIT = 3000
# Text in one message's blocks: Slack refuses ~13,200 characters with msg_blocks_too_long although each
# block is within its limit (slackapi/bolt-js#2509); 12,000 leaves room for the header.
MESSAGE_LIMIT = 12_000
INPUT_LIMIT = 3000  # a plain_text_input's most characters
_ENTITY = 5  # the longest entity escape() writes: &amp;
_MENTION_MAX = 40  # <@U + up to 30 characters + >, with room to spare
_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{1,30})(?:\|[^&<>]{0,80})?&gt;")

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str  # plain fallback for notifications and clients without blocks
    blocks: list[Block]


def escape(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub(lambda m: f"<@{m.group(1)}>", escaped)


def unescape(text: str) -> str:
    """The inverse of :func:`escape` (a mention keeps its id, not a label it may have had)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut(line: str, limit: int) -> int:
    """Where to cut an escaped line longer than ``limit``: after a space if there is one in the
    second half, and never inside an entity (``&amp;``) or a mention (``<@U123>``), which
    Slack would show broken (a mention cut in two notifies nobody)."""
    cut = limit
    amp = line.rfind("&", max(0, cut - _ENTITY + 1), cut)
    if amp > 0 and ";" not in line[amp:cut]:
        cut = amp
    opening = line.rfind("<", max(0, cut - _MENTION_MAX), cut)
    if opening > 0 and ">" not in line[opening:cut]:
        cut = opening
    space = line.rfind(" ", limit // 2, cut)
    return space + 1 if space > 0 else cut


def _clip_escaped(text: str, limit: int) -> str:
    """:func:`_clip` for escaped text: never inside an entity or a mention."""
    return text if len(text) <= limit else text[: _cut(text, limit - 1)] + "…"


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split at line breaks (or, for a very long line, at a space, never inside an entity or a
    mention) into pieces of at most ``limit``."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = _cut(line, limit)
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def _sections(text: str) -> list[Block]:
    # Escaping can lengthen the text, so split the escaped text.
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in chunks(escape(text))]


def _button(button: Button, index: int) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip(button.label, BUTTON_LIMIT), "emoji": True},
        "action_id": action_id(button.action, index),
        "value": button.value,
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def split(message: OutboundMessage) -> list[OutboundMessage]:
    """A message too long for one Slack message as several that each fit (at most 50 blocks and
    12,000 characters), in reading order: the title on the first, the buttons on the last.

    Edits and keyed posts (a vote board, edited later in place) are one message by nature;
    :func:`render` clips them. An export of a long session is the case this is for.
    """
    if isinstance(message, Edit | AskReason | AskDraft | PostCard) or (
            isinstance(message, Post) and message.key is not None):
        return [message]
    room = MAX_BLOCKS - 2  # a header and an actions block may come on top
    groups: list[list[str]] = [[]]
    for piece in chunks(escape(message.text)):
        group = groups[-1]
        if group and (len(group) >= room or len("\n".join([*group, piece])) > MESSAGE_LIMIT - HEADER_LIMIT):
            groups.append(group := [])
        group.append(piece)
    if len(groups) == 1:
        return [message]
    parts: list[OutboundMessage] = []
    for index, group in enumerate(groups):
        part: Post | Reply | Notify = replace(message, text=unescape("\n".join(group)))
        if index < len(groups) - 1:
            part = replace(part, buttons=())
            if isinstance(part, Post):
                part = replace(part, changes=None)  # what changed goes under the last part
        if index and isinstance(part, Post):
            part = replace(part, title=None)
        parts.append(part)
    return parts


def render(message: OutboundMessage) -> Rendered:
    title = message.title if isinstance(message, Post | Edit) else None
    blocks: list[Block] = []
    if title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": _clip(title, HEADER_LIMIT)}})
    blocks.extend(_sections(message.text))
    if isinstance(message, Post) and message.changes is not None:
        blocks.append(changes_block(message.changes))
    room = MAX_BLOCKS - (1 if message.buttons else 0)
    if len(blocks) > room:
        blocks = blocks[: room - 1]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "…"}})
    if message.buttons:
        elements = [_button(b, i) for i, b in enumerate(message.buttons[:MAX_BUTTONS])]
        blocks.append({"type": "actions", "elements": elements})
    fallback = f"{title}\n{message.text}" if title else message.text
    return Rendered(text=_clip_escaped(escape(fallback), FALLBACK_LIMIT), blocks=blocks)


def changes_block(changes: Changes) -> Block:
    """What changed in a new draft version, small under it: added words *bold*, removed ~struck~."""
    marked = " ".join(_mark(part) for part in changes.parts)
    text = escape(changes.label) + (f"\n{marked}" if marked else "")
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip_escaped(text, SECTION_LIMIT)}]}


def _mark(part: Change) -> str:
    match part.kind:
        case ChangeKind.ADDED:
            return f"*{escape(part.text)}*"
        case ChangeKind.REMOVED:
            return f"~{escape(part.text)}~"
        case ChangeKind.GAP:
            return "…"
    return escape(part.text)


# ----------------------------------------------------------------------------- views


def reason_modal(ask: AskReason, channel: str, texts: Script) -> Block:
    """The modal that asks why someone objects or has a concern (its submission is the vote)."""
    language, choice = ask.language, ask.choice.value

    def plain(key: str, limit: int, **params: object) -> dict[str, str]:
        return {"type": "plain_text", "text": _clip(texts.text(language, key, **params), limit)}

    return {
        "type": "modal",
        "callback_id": REASON_CALLBACK,
        "private_metadata": reason_metadata(channel, f"{choice}:{ask.version}", ask.message_id),
        "title": plain(f"slack_reason_title_{choice}", 24),
        "submit": plain("slack_reason_submit", 24),
        "close": plain("slack_reason_close", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": plain(f"slack_reason_label_{choice}", 2000, version=ask.version),
                "hint": plain("slack_reason_hint", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "max_length": 3000,
                },
            }
        ],
    }


def fits_draft_modal(ask: AskDraft) -> bool:
    """A draft longer than Slack's text field cannot be filled in: then the note says the command."""
    return len(ask.draft) <= INPUT_LIMIT


def draft_modal(ask: AskDraft, channel: str, texts: Script) -> Block:
    """The "Edit draft" modal: the current version filled in; its submission is the next version."""
    language = ask.language

    def plain(key: str, limit: int, **params: object) -> dict[str, str]:
        return {"type": "plain_text", "text": _clip(texts.text(language, key, **params), limit)}

    return {
        "type": "modal",
        "callback_id": DRAFT_CALLBACK,
        "private_metadata": reason_metadata(channel, str(ask.version), ask.message_id),
        "title": plain("slack_draft_title", 24),
        "submit": plain("slack_draft_submit", 24),
        "close": plain("slack_reason_close", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": plain("slack_draft_label", 2000, version=ask.version),
                "hint": plain("slack_draft_hint", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "initial_value": ask.draft,
                    "max_length": INPUT_LIMIT,
                },
            }
        ],
    }


def home_view(title: str, lines: list[str]) -> Block:
    """The App Home tab: a header and one section per line (channel)."""
    header = {"type": "plain_text", "text": _clip(title, HEADER_LIMIT)}
    blocks: list[Block] = [{"type": "header", "text": header}]
    for line in lines[: MAX_BLOCKS - 1]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(line, SECTION_LIMIT)}})
    return {"type": "home", "blocks": blocks}
