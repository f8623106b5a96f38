"""Console lines -> engine events. Pure: no I/O.

Lines typed as ``alice: some text`` speak as alice; other lines speak as the default
user. ``/<word> ...`` is a command when ``<word>`` is one of the language files' command
words (``/problem``, ``/probleem``); the engine decides what language that word means.
A line is cleaned of lone surrogates first (``bot.core.text.clean``): a replay file in
Latin-1 or cp1252 read as UTF-8 has them, and storage cannot encode them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection

from bot.core.model import CommandIssued, InboundEvent, Sender, TextMessage
from bot.core.text import clean

SPEAKER = re.compile(r"^([A-Za-z0-9_.\-]{1,32}):\s?(.*)$", re.S)
COMMAND = re.compile(r"^/([^\s@]+)(?:@\S+)?(?:\s+(.*))?$", re.S)


def channel_key(name: str) -> str:
    return f"console:{name}"


def to_event(line: str, channel: str, default_user: str, command_words: Collection[str]) -> InboundEvent | None:
    """Translate one console line into an engine event (``None`` for an empty line)."""
    line = clean(line.rstrip("\r\n"))
    if not line.strip():
        return None
    user, text = default_user, line
    match = SPEAKER.match(line)
    if match:
        user, text = match.group(1), match.group(2)
    sender = Sender(user, user)
    event_id = f"console:{channel}:{uuid.uuid4().hex}"
    command = COMMAND.match(text.strip())
    if command and command.group(1).lower() in command_words:
        return CommandIssued(event_id=event_id, channel=channel, sender=sender, text=command.group(2) or "",
                             command_word=command.group(1), message_id=event_id)
    return TextMessage(event_id=event_id, channel=channel, sender=sender, text=text, message_id=event_id)
