"""Persistence for the imperative shell: tables, migrations, JSON codec and repository.

Its clients are the shell's service (:mod:`bot.shell.pipe.service`), scheduler and metrics, and the
app's composition root and CLI. The pure engine never imports it and adapters may not (the
import-linter contracts in pyproject.toml).
"""

from bot.shell.storage.codec import decode_message, decode_state, encode_message, encode_state
from bot.shell.storage.database import make_engine, sqlite_url_for, upgrade, upgrade_database

__all__ = [
    "decode_message",
    "decode_state",
    "encode_message",
    "encode_state",
    "make_engine",
    "sqlite_url_for",
    "upgrade",
    "upgrade_database",
]
