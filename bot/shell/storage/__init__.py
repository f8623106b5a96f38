"""Persistence for the imperative shell: tables, migrations, JSON codec and repository.

Nothing here is imported by the pure engine; the service layer (:mod:`bot.shell.service`) is the
only client.
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
