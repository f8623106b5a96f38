"""The channel states this process last stored or loaded, kept decoded.

When the stored row is unchanged (compared in the transaction, see
:func:`bot.shell.storage.channels.load_channel`) its state is not read and decoded again.
"""

from __future__ import annotations

from bot.shell.storage.channels import StoredState

# At most this many channels and characters of JSON; the least recently used go first.
_KNOWN_CHANNELS = 1024
_KNOWN_CHARS = 32 * 1024 * 1024


class KnownStates:
    """A small LRU of stored channel states, bounded in channels and JSON characters.

    Only a shortcut: ``load_channel`` uses an entry only when the stored row still matches
    it exactly, so a stale entry (another process wrote) costs one decode, never correctness.
    Touched on the event loop's thread only.
    """

    def __init__(self, max_channels: int = _KNOWN_CHANNELS, max_chars: int = _KNOWN_CHARS) -> None:
        self._entries: dict[str, StoredState] = {}
        self._max_channels = max_channels
        self._max_chars = max_chars
        self._chars = 0

    def pop(self, channel: str) -> StoredState | None:
        entry = self._entries.pop(channel, None)
        if entry is not None:
            self._chars -= entry.size
        return entry

    def put(self, channel: str, entry: StoredState) -> None:
        self.pop(channel)
        if entry.size > self._max_chars:
            return
        self._entries[channel] = entry  # dicts keep insertion order: the oldest come first
        self._chars += entry.size
        while len(self._entries) > self._max_channels or self._chars > self._max_chars:
            self.pop(next(iter(self._entries)))
