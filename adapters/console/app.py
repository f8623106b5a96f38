"""The console chat loop: read lines without blocking the event loop, feed them to the shell.

A terminal line is one message, except a draft: ``/problem draft`` alone starts one, and the
lines that follow, up to a line with only ``.``, are its text (one new version, line breaks kept).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection
from dataclasses import replace
from typing import TextIO

from adapters.console.translate import SPEAKER, channel_key, to_event
from bot.core.model import CommandIssued, InboundEvent, TextMessage
from bot.core.ports import ChannelPort
from bot.core.script import Script
from bot.core.text import clean

END_OF_DRAFT = "."


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
                      user: str = "you", echo: bool = False, command_words: Collection[str],
                      script: Script | None = None) -> int:
    """Feed each line to the shell in order; returns the number of events handled.

    ``echo`` prints the speaker's line first, so a replayed file reads as a chat. With
    ``script`` (its words for "draft"), ``/problem draft`` alone gathers the lines after it
    up to a ``.`` line into one new version; a file that ends first proposes what it has.
    """
    key = channel_key(channel)
    draft_words = {word for word, name in script.aliases().items() if name == "draft"} if script else set()
    handled = 0
    drafting: CommandIssued | None = None
    body: list[str] = []
    async for line in lines:
        if drafting is not None:
            line = clean(line.rstrip("\r\n"))
            if echo:
                out.write(f"    {line}\n")
            if line.strip() != END_OF_DRAFT:
                body.append(_own(line, drafting.sender.id))
                continue
            await port.handle(_with_text(drafting, body))
            handled += 1
            drafting, body = None, []
            continue
        event = to_event(line, key, user, command_words)
        if event is None:
            continue
        if echo:
            speaker = event.sender.id if isinstance(event, TextMessage | CommandIssued) else user
            line = clean(line)  # as the event has it (no lone surrogates)
            shown = line.split(":", 1)[1].strip() if SPEAKER.match(line) else line.strip()
            out.write(f"{speaker}: {shown}\n")
        if _starts_draft(event, draft_words):
            assert isinstance(event, CommandIssued) and script is not None
            drafting = event
            if not echo:  # someone typing: say how the draft ends
                out.write(script.text(await port.language(key), "console_draft_lines") + "\n")
            continue
        await port.handle(event)
        handled += 1
    if drafting is not None:
        await port.handle(_with_text(drafting, body))
        handled += 1
    return handled


def _starts_draft(event: InboundEvent, draft_words: Collection[str]) -> bool:
    return isinstance(event, CommandIssued) and event.text.strip().lower() in draft_words


def _own(line: str, speaker: str) -> str:
    """A draft line; ``alice: …`` in alice's own draft (a replay file names every line) is her text."""
    match = SPEAKER.match(line)
    return match.group(2) if match and match.group(1) == speaker else line


def _with_text(command: CommandIssued, body: list[str]) -> CommandIssued:
    """``/problem draft`` with the gathered lines as its text (none: the bare command, which shows the draft)."""
    text = "\n".join(body).strip("\n")
    return replace(command, text=f"{command.text.strip()}\n{text}" if text.strip() else command.text)
