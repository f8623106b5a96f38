"""The console adapter: a chat in the terminal, or a replay of a conversation file.

Lines typed as ``alice: some text`` speak as alice; other lines speak as the default
user. ``/problem ...`` (or ``/probleem ...``) is a command. Buttons, which a terminal
lacks, are shown as the commands that do the same.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import TextIO

from bot.model import (
    Button,
    CommandIssued,
    Edit,
    InboundEvent,
    Notify,
    OutboundMessage,
    Post,
    Reply,
    Sender,
    TextMessage,
)
from bot.service import ChannelService

SPEAKER = re.compile(r"^([A-Za-z0-9_.\-]{1,32}):\s?(.*)$", re.S)
COMMAND = re.compile(r"^/(problem|probleem)(?:@\S+)?(?:\s+(.*))?$", re.S | re.I)
BOT_NAME = "voordenken"


def channel_key(name: str) -> str:
    return f"console:{name}"


@dataclass
class ConsoleTransport:
    """Prints what the bot says; a terminal has no threads, buttons or private notes."""

    out: TextIO
    platform: str = "console"
    _counter: int = 0

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        self._counter += 1
        self.out.write(render(message) + "\n")
        self.out.flush()
        return target or f"m{self._counter}"


def render(message: OutboundMessage) -> str:
    if isinstance(message, Post):
        head = f"{BOT_NAME}: "
        body = (f"** {message.title} **\n" if message.title else "") + message.text
    elif isinstance(message, Reply):
        head, body = f"{BOT_NAME} (reply): ", message.text
    elif isinstance(message, Notify):
        head, body = f"{BOT_NAME} (only to {message.user}): ", message.text
    elif isinstance(message, Edit):
        # The whole message was shown before; the change that matters is its last line.
        head, body = f"{BOT_NAME} (updated): ", message.text.strip().splitlines()[-1]
    else:  # pragma: no cover - exhaustive over OutboundMessage
        raise TypeError(f"cannot render {type(message).__name__}")
    text = head + _indent(body)
    if message.buttons:
        text += "\n" + _indent("   " + _buttons(message.buttons))
    return text


def _buttons(buttons: Iterable[Button]) -> str:
    return "  ".join(f"[{b.label}: {b.command}]" for b in buttons)


def _indent(text: str) -> str:
    return text.replace("\n", "\n    ")


def to_event(line: str, channel: str, default_user: str) -> InboundEvent | None:
    """Translate one console line into an engine event (``None`` for an empty line)."""
    line = line.rstrip("\r\n")
    if not line.strip():
        return None
    user, text = default_user, line
    match = SPEAKER.match(line)
    if match:
        user, text = match.group(1), match.group(2)
    sender = Sender(user, user)
    event_id = f"console:{channel}:{uuid.uuid4().hex}"
    command = COMMAND.match(text.strip())
    if command:
        lang = "nl" if command.group(1).lower() == "probleem" else None
        return CommandIssued(event_id=event_id, channel=channel, sender=sender, text=command.group(2) or "",
                             command_lang=lang, message_id=event_id)
    return TextMessage(event_id=event_id, channel=channel, sender=sender, text=text, message_id=event_id)


async def read_lines(stream: TextIO, prompt: str | None = None) -> AsyncIterator[str]:
    """Lines from ``stream`` without blocking the event loop (check-ins keep running)."""
    while True:
        if prompt:
            print(prompt, end="", flush=True)
        line = await asyncio.to_thread(stream.readline)
        if not line:
            return
        yield line


async def run_console(service: ChannelService, lines: AsyncIterator[str], out: TextIO, *, channel: str,
                      user: str = "you", echo: bool = False) -> int:
    """Feed each line to the service in order; returns the number of events handled.

    ``echo`` prints the speaker's line first, so a replayed file reads as a chat.
    """
    key = channel_key(channel)
    handled = 0
    async for line in lines:
        event = to_event(line, key, user)
        if event is None:
            continue
        if echo:
            speaker = event.sender.id if isinstance(event, TextMessage | CommandIssued) else user
            shown = line.split(":", 1)[1].strip() if SPEAKER.match(line) else line.strip()
            out.write(f"{speaker}: {shown}\n")
        await service.handle(event)
        handled += 1
    return handled
