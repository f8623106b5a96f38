"""Inbox by channel: a channel's waiting events in arrival order.

Whichever replica handles a channel first takes every event of that channel still waiting
in the inbox, oldest first, whoever accepted it (``queues.take_inbox``), so one person's
events are applied in the order they were accepted. That query reads the channel's rows
ordered by id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inbox_channel_id", "inbox", ["channel", "id"])


def downgrade() -> None:
    op.drop_index("ix_inbox_channel_id", table_name="inbox")
