"""Inbox: events accepted from a platform and not yet processed.

A platform that must be answered fast (Slack: 3 s, and it retries what it thinks was lost)
is answered once its event is in this table; the event is processed right after and its row
deleted in the same transaction that records it. Rows whose claim lapsed (the process that
accepted them died) are taken up by any replica.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbox"),
        sa.UniqueConstraint("event_id", name="uq_inbox_event_id"),
    )
    op.create_index("ix_inbox_claimed_until", "inbox", ["claimed_until"])


def downgrade() -> None:
    op.drop_index("ix_inbox_claimed_until", table_name="inbox")
    op.drop_table("inbox")
