"""Session page links: the signed, expiring, revocable links of ``/problem page``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "page_links",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_page_links"),
    )
    op.create_index("ix_page_links_channel", "page_links", ["channel"])
    op.create_table(
        "page_keys",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_page_keys"),
    )


def downgrade() -> None:
    op.drop_table("page_keys")
    op.drop_index("ix_page_links_channel", table_name="page_links")
    op.drop_table("page_links")
