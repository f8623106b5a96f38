"""Delivers outbound messages by printing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from adapters.console.render import render
from bot.core.model import OutboundMessage


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
