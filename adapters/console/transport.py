"""Delivers outbound messages by printing them."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from adapters.console.render import render
from bot.core.model import OutboundMessage, PostCard
from bot.core.ports import DrawCard


@dataclass
class ConsoleTransport:
    """Prints what the bot says; a terminal has no threads, buttons or private notes.

    A statement card is written as a PNG file in ``cards`` (when the app handed in a drawing)
    and its path printed above its text.
    """

    out: TextIO
    draw: DrawCard | None = None
    cards: Path = Path("voordenken-cards")
    platform: str = "console"
    _counter: int = 0

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        self._counter += 1
        if isinstance(message, PostCard) and self.draw is not None:
            self.out.write(f"[{self._write_card(channel, message)}]\n")
        self.out.write(render(message) + "\n")
        self.out.flush()
        return target or f"m{self._counter}"

    def _write_card(self, channel: str, card: PostCard) -> Path:
        """The PNG, written whole or not at all (a temporary file renamed into place)."""
        assert self.draw is not None
        self.cards.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", channel).strip("-") or "channel"
        path = (self.cards / f"{name}-v{card.card.version}.png").resolve()
        handle, temporary = tempfile.mkstemp(dir=self.cards, suffix=".png.part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(self.draw(card.card))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return path
