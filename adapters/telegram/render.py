"""Outbound messages -> Telegram HTML text and inline keyboards. Pure: no I/O.

Telegram counts its 4096-character limit on the text *after* entity parsing, so long
texts are split as plain text first and each piece escaped afterwards; a tag can never
be cut in half. Every piece of user text goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.model import Button, Change, ChangeKind, Changes, Edit, Mention, Notify, OutboundMessage, Post

# Telegram's limit is 4096 UTF-16 code units; keep a margin for the title line.
MAX_TEXT = 4000
MAX_CALLBACK_BYTES = 64
BUTTONS_PER_ROW = 2
ELLIPSIS = "\n…\n"

# action -> one-letter prefix in callback data (the inverse lives in translate.py)
CALLBACK_PREFIX = {"vote": "v", "release": "r", "cmd": "c", "draft": "d"}


@dataclass(frozen=True, slots=True)
class Rendered:
    """The pieces to send, in order; the keyboard belongs on the last piece."""

    chunks: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def mention(user_id: str, name: str) -> str:
    """A mention by id: works for users without a @username, and notifies them."""
    try:
        numeric = int(user_id)
    except ValueError:
        return escape(name)
    return f'<a href="tg://user?id={numeric}">{escape(name)}</a>'


def callback_data(button: Button) -> str | None:
    """``v:agree:3``, ``r:12``, ``c:ready``; ``None`` when it would not fit in 64 bytes."""
    prefix = CALLBACK_PREFIX.get(button.action)
    if prefix is None:
        return None
    data = f"{prefix}:{button.value}"
    return data if len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES else None


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Inline buttons, two per row; a button that cannot be encoded is left out
    (its typed command still works)."""
    usable = [(b.label, data) for b in buttons if (data := callback_data(b)) is not None]
    if not usable:
        return None
    rows = [
        [InlineKeyboardButton(label, callback_data=data) for label, data in usable[i : i + BUTTONS_PER_ROW]]
        for i in range(0, len(usable), BUTTONS_PER_ROW)
    ]
    return InlineKeyboardMarkup(rows)


def split_plain(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split plain text into pieces of at most ``limit`` UTF-16 units, at line ends when possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        while utf16_len(line) > limit:
            cut = _cut_point(line, limit)
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        current = line
    if current or not pieces:
        pieces.append(current)
    return pieces


def _cut_point(line: str, limit: int) -> int:
    """The largest prefix within ``limit`` UTF-16 units, preferring a space."""
    end = 0
    used = 0
    for index, char in enumerate(line):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
        end = index + 1
    space = line.rfind(" ", 0, end)
    return space if space > end // 2 else max(end, 1)


def shorten(text: str, limit: int = MAX_TEXT) -> str:
    """Fit text into one message by cutting its middle (an edit cannot be split;
    the end of a vote message carries the count)."""
    if utf16_len(text) <= limit:
        return text
    keep = (limit - len(ELLIPSIS)) // 2
    head = split_plain(text, keep)[0]
    tail_pieces = split_plain(text[::-1], keep)[0][::-1]
    return head + ELLIPSIS + tail_pieces


def _html(title: str | None, plain: str, mentions: Sequence[Mention] = ()) -> str:
    """``plain`` as Telegram HTML, the first appearance of each mentioned name a mention.

    Names are found in the plain text and every piece is escaped exactly once on the way
    out, so a name can never match inside markup or an entity ("amp" in ``&amp;``), and no
    marker in the text can collide with a name.
    """
    parts: list[str] = []
    start = 0
    for begin, end, named in _mention_spans(plain, mentions):
        parts.append(escape(plain[start:begin], quote=False))
        parts.append(mention(named.user, named.name))
        start = end
    parts.append(escape(plain[start:], quote=False))
    body = "".join(parts)
    return f"<b>{escape(title, quote=False)}</b>\n{body}" if title else body


def _mention_spans(plain: str, mentions: Sequence[Mention]) -> list[tuple[int, int, Mention]]:
    """Where each name first appears in ``plain``, without overlaps, in text order.

    Longest names claim their place first, so "Ann" is never found inside "Anna".
    """
    taken: list[tuple[int, int, Mention]] = []
    for named in sorted(mentions, key=lambda m: -len(m.name)):
        if not named.name:
            continue
        at = plain.find(named.name)
        while at >= 0 and any(at < end and begin < at + len(named.name) for begin, end, _ in taken):
            at = plain.find(named.name, at + 1)
        if at >= 0:
            taken.append((at, at + len(named.name), named))
    return sorted(taken, key=lambda span: span[0])


def render(message: OutboundMessage) -> Rendered:
    """Telegram HTML for an outbound message; a Notify starts with a mention of its user."""
    title: str | None = None
    prefix = ""
    name = ""
    if isinstance(message, Post | Edit):
        title = message.title
    if isinstance(message, Notify):
        name = message.name or "🙂"
        prefix = mention(message.user, name) + ": "
    text = message.text
    budget = MAX_TEXT - (utf16_len(title) + 1 if title else 0)
    if prefix:
        budget -= utf16_len(name) + 4
    pieces = [shorten(text, budget)] if isinstance(message, Edit) else split_plain(text, budget)
    # Telegram refuses empty texts; a blank piece (or message) becomes an ellipsis.
    pieces = [piece for piece in pieces if piece.strip()] or ["…"]
    mentions = message.mentions if isinstance(message, Post) else ()
    chunks = [_html(title if i == 0 else None, piece, mentions) for i, piece in enumerate(pieces)]
    chunks[0] = prefix + chunks[0]
    if isinstance(message, Post) and message.changes is not None:
        _add_changes(chunks, pieces[-1], message.changes)
    return Rendered(tuple(chunks), keyboard(message.buttons))


def changes_html(changes: Changes) -> str:
    """What changed in a new draft version: removed words struck through, added ones bold."""
    marked = " ".join(_mark(part) for part in changes.parts)
    label = escape(changes.label, quote=False)
    return f"<i>{label}</i>\n{marked}" if marked else f"<i>{label}</i>"


def _mark(part: Change) -> str:
    match part.kind:
        case ChangeKind.ADDED:
            return f"<b>{escape(part.text, quote=False)}</b>"
        case ChangeKind.REMOVED:
            return f"<s>{escape(part.text, quote=False)}</s>"
        case ChangeKind.GAP:
            return "…"
    return escape(part.text, quote=False)


def _add_changes(chunks: list[str], last_plain: str, changes: Changes) -> None:
    """Under the last piece when both fit in one message, else as a piece of its own (cut to fit)."""
    plain = changes.label + "\n" + " ".join(part.text or "…" for part in changes.parts)
    if utf16_len(last_plain) + 2 + utf16_len(plain) <= MAX_TEXT:
        chunks[-1] += "\n\n" + changes_html(changes)
    elif utf16_len(plain) <= MAX_TEXT:
        chunks.append(changes_html(changes))
    else:
        chunks.append(f"<i>{escape(changes.label, quote=False)}</i>")


USER_MARK = "VOORDENKENUSERMARK"
DRAFT_PROMPT_ROOM = 600  # of a draft prompt's 4,000 characters: the title and the line asking for the reply


def reason_prompt(text: str, user_id: str, name: str) -> str:
    """The ForceReply prompt asking one user for the reason of a concern or objection.

    ``text`` is the script text rendered with ``user=USER_MARK``; it is cut at the mark, each
    side escaped once, and the mention (already HTML) goes in between.
    """
    before, marked, after = text.partition(USER_MARK)
    if not marked:
        return escape(text, quote=False)
    return escape(before, quote=False) + mention(user_id, name) + escape(after, quote=False)


def draft_prompt(title: str, draft: str, ask: str, user_id: str, name: str) -> str:
    """The ForceReply prompt that offers the current draft to edit.

    Its first line is the draft's title, like the draft message itself, so a reply to either is
    read back as the next version (``translate.draft_reply``); ``ask`` is rendered with
    ``user=USER_MARK`` and says to reply.
    """
    body = shorten(draft, MAX_TEXT - DRAFT_PROMPT_ROOM)
    return f"<b>{escape(title, quote=False)}</b>\n{escape(body, quote=False)}\n\n{reason_prompt(ask, user_id, name)}"
