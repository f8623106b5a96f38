"""The console chat loop: read lines without blocking the event loop, feed them to the shell."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from typing import TextIO

from adapters.console.translate import SPEAKER, channel_key, to_event
from bot.core.model import CommandIssued, TextMessage
from bot.core.ports import ChannelPort
from bot.core.text import clean


async def read_lines(stream: TextIO, prompt: str | None = None) -> AsyncIterator[str]:
    """Lines from ``stream`` without blocking the event loop (check-ins keep running)."""
    while True:
        if prompt:
            print(prompt, end="", flush=True)
        line = await asyncio.to_thread(stream.readline)
        if not line:
            return
        yield line


async def run_console(port: ChannelPort, lines: AsyncIterator[str], out: TextIO, *, channel: str,
                      user: str = "you", echo: bool = False, command_words: Collection[str]) -> int:
    """Feed each line to the shell in order; returns the number of events handled.

    ``echo`` prints the speaker's line first, so a replayed file reads as a chat.
    """
    key = channel_key(channel)
    handled = 0
    async for line in lines:
        event = to_event(line, key, user, command_words)
        if event is None:
            continue
        if echo:
            speaker = event.sender.id if isinstance(event, TextMessage | CommandIssued) else user
            line = clean(line)  # as the event has it (no lone surrogates)
            shown = line.split(":", 1)[1].strip() if SPEAKER.match(line) else line.strip()
            out.write(f"{speaker}: {shown}\n")
        await port.handle(event)
        handled += 1
    return handled
