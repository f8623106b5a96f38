"""Initial schema: channels, processed events, event log, outbox, message refs, wakeups.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_channels"),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_processed_events"),
    )
    op.create_table(
        "event_log",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effects", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_event_log"),
    )
    op.create_index("ix_event_log_channel_id", "event_log", ["channel", "id"])
    op.create_table(
        "outbox",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(255), nullable=True),
        sa.Column("platform_message_id", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_status_channel_id", "outbox", ["status", "channel", "id"])
    op.create_table(
        "message_refs",
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("platform_message_id", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "key", name="pk_message_refs"),
    )
    op.create_table(
        "wakeups",
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "kind", name="pk_wakeups"),
    )
    op.create_index("ix_wakeups_at", "wakeups", ["at"])


def downgrade() -> None:
    op.drop_index("ix_wakeups_at", table_name="wakeups")
    op.drop_table("wakeups")
    op.drop_table("message_refs")
    op.drop_index("ix_outbox_status_channel_id", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_event_log_channel_id", table_name="event_log")
    op.drop_table("event_log")
    op.drop_table("processed_events")
    op.drop_table("channels")
