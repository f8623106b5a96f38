"""SQLAlchemy Core tables. The migrations in ``migrations/versions`` create exactly these.

Times are stored as UTC: ``timestamptz`` on PostgreSQL, naive-UTC text on SQLite (which
has no time zone type); :class:`UTCDateTime` hides the difference from callers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

# Autoincrement ids: BIGINT on PostgreSQL, but INTEGER on SQLite, where only
# ``INTEGER PRIMARY KEY`` is the auto-assigned rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; the shell stores UTC-aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

channels = Table(
    "channels",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("state", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Random per INSERT, never updated: a row purged and re-created is told apart from the one
    # a process remembers even when the version numbers coincide.
    Column("generation", String(32), nullable=False),
)

# The growing, append-mostly tuples of a channel's state (``ITEM_FIELDS`` in the codec), one
# row per element, so an event that appends an answer writes one small row instead of the
# whole state again. ``channels.state`` stores these fields as empty lists.
channel_items = Table(
    "channel_items",
    metadata,
    Column("channel", String(255), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("data", Text, nullable=False),  # JSON of one element
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("event_id", String(255), primary_key=True),  # the unique constraint that de-duplicates
    Column("channel", String(255), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

event_log = Table(
    "event_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("channel", String(255), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("effects", Text, nullable=False),  # comma list of effect class names; never message text
    Index(None, "channel", "id"),
)

OUTBOX_PENDING = "pending"
OUTBOX_SENDING = "sending"  # claimed by a deliverer; reclaimable once next_attempt_at passes
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("channel", String(255), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", String(255), nullable=True),
    Column("platform_message_id", String(255), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Index(None, "status", "channel", "id"),
)

message_refs = Table(
    "message_refs",
    metadata,
    Column("channel", String(255), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("platform_message_id", String(255), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

wakeups = Table(
    "wakeups",
    metadata,
    Column("channel", String(255), primary_key=True),
    Column("kind", String(64), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "at"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),  # arrival order
    Column("event_id", String(255), nullable=False, unique=True),
    Column("channel", String(255), nullable=False),
    Column("payload", Text, nullable=False),  # the engine event as JSON (carries chat text)
    Column("received_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime, nullable=False),  # past it, any replica may process the row
    Column("attempts", Integer, nullable=False),  # claims so far (by a worker or a sweep)
    Index(None, "claimed_until"),
    Index(None, "channel", "id"),  # a channel's waiting events in arrival order (queues.take_inbox)
)

# Links to a channel's session page (``/problem page``). The token people get is never
# stored: a row holds the SHA-256 of its random part. The user is who asked (to revoke
# theirs); it never appears in a URL.
page_links = Table(
    "page_links",
    metadata,
    Column("id", String(64), primary_key=True),  # hex SHA-256 of the token's random part
    Column("channel", String(255), nullable=False),
    Column("user_id", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index(None, "channel"),
)

# The deployment's key that signs page links (one row, made on first use, shared by replicas).
page_keys = Table(
    "page_keys",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("secret", String(128), nullable=False),  # hex
)
