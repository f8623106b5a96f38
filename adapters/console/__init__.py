"""The console adapter: a chat in the terminal, or a replay of a conversation file."""

from adapters.console.app import read_lines, run_console
from adapters.console.render import render
from adapters.console.translate import channel_key, to_event
from adapters.console.transport import ConsoleTransport

__all__ = ["ConsoleTransport", "channel_key", "read_lines", "render", "run_console", "to_event"]
