"""Outbound messages -> console text. Pure: buttons and dialogs, which a terminal lacks,
become the commands that do the same.

Which kind of message it is shows by a sign, not a word (``→ dana`` a note only dana sees,
``↩`` a reply, ``✎`` an edit): the console does not know the channel's language, and a
Dutch session should not read "(only to dana)"."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.model import (
    AskReason,
    Button,
    Change,
    ChangeKind,
    Changes,
    Edit,
    MessageKind,
    Notify,
    OutboundMessage,
    Post,
    PostCard,
    Reply,
)

BOT_NAME = "voordenken"


def render(message: OutboundMessage) -> str:
    if isinstance(message, Post):
        head = f"{BOT_NAME}: "
        body = (f"** {message.title} **\n" if message.title else "") + message.text
        if message.changes is not None:
            body = body.rstrip("\n") + "\n\n" + changes_text(message.changes)
    elif isinstance(message, Reply):
        head, body = f"{BOT_NAME} ↩ ", message.text
    elif isinstance(message, AskReason):  # (a Notify too) the reason is typed: show the command to type
        head, body = f"{BOT_NAME} → {message.user}: ", f"{message.text}\n> {message.command}"
    elif isinstance(message, Notify):
        head, body = f"{BOT_NAME} → {message.user}: ", message.text
    elif isinstance(message, PostCard):  # the transport says where the picture is first
        head, body = f"{BOT_NAME}: ", message.text
    elif isinstance(message, Edit) and message.kind is MessageKind.DRAFT:
        # A draft rewritten in place (by a language model): all of it is new.
        head = f"{BOT_NAME} ✎ "
        body = (f"** {message.title} **\n" if message.title else "") + message.text
    elif isinstance(message, Edit):
        # The whole message was shown before; the change that matters is its last line.
        head, body = f"{BOT_NAME} ✎ ", message.text.strip().splitlines()[-1]
    else:  # pragma: no cover - exhaustive over OutboundMessage
        raise TypeError(f"cannot render {type(message).__name__}")
    text = head + _indent(body)
    if not isinstance(message, PostCard) and message.buttons:
        text += "\n" + _indent("   " + _buttons(message.buttons))
    return text


def changes_text(changes: Changes) -> str:
    """What changed in a new draft version, as ``git diff --word-diff`` shows it:
    ``[-removed-]{+added+}``, ``…`` for unchanged words left out."""
    marked = " ".join(_mark(part) for part in changes.parts)
    return f"{changes.label}\n{marked}" if marked else changes.label


def _mark(part: Change) -> str:
    match part.kind:
        case ChangeKind.ADDED:
            return f"{{+{part.text}+}}"
        case ChangeKind.REMOVED:
            return f"[-{part.text}-]"
        case ChangeKind.GAP:
            return "…"
    return part.text


def _buttons(buttons: Iterable[Button]) -> str:
    return "  ".join(f"[{b.label}: {b.command}]" for b in buttons)


def _indent(text: str) -> str:
    return text.replace("\n", "\n    ")
