"""Channel items: the growing tuples of a channel's state as rows; a generation per channel row.

``answers``, ``drafts``, ``parked`` and ``tasks`` move out of the ``channels.state`` document
(which keeps them as empty lists) into ``channel_items``, one row per element in order, so
that appending an answer writes one row instead of the whole state. ``channels.generation``
is a random token set when a row is inserted; existing rows get one each.

Plain ``json`` on purpose: a migration must not depend on application code that changes later.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM_FIELDS = ("answers", "drafts", "parked", "tasks")
_BATCH = 500  # channels converted per round trip: bounded memory on large databases

_channels = sa.table(
    "channels",
    sa.column("key", sa.String()),
    sa.column("state", sa.Text()),
    sa.column("generation", sa.String()),
)
_items = sa.table(
    "channel_items",
    sa.column("channel", sa.String()),
    sa.column("field", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("data", sa.Text()),
)
_key = _channels.c.key == sa.bindparam("b_key")
_write_head = sa.update(_channels).where(_key).values(state=sa.bindparam("b_state"), generation=sa.bindparam("b_gen"))
_write_document = sa.update(_channels).where(_key).values(state=sa.bindparam("b_state"))


def _dumps(value: Any) -> str:
    """Compact JSON, non-ASCII as is: the format the application's codec writes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _channel_batches(connection: sa.Connection) -> Iterator[list[Any]]:
    """All channel rows (key, state) in key order, a batch at a time; rows may be updated between."""
    after: str | None = None
    while True:
        query = sa.select(_channels.c.key, _channels.c.state).order_by(_channels.c.key).limit(_BATCH)
        if after is not None:
            query = query.where(_channels.c.key > after)
        rows = list(connection.execute(query))
        if not rows:
            return
        yield rows
        after = rows[-1].key


def upgrade() -> None:
    op.create_table(
        "channel_items",
        sa.Column("channel", sa.String(255), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "field", "seq", name="pk_channel_items"),
    )
    # Nullable until every existing row has a generation (SQLite cannot add a NOT NULL
    # column without a default, and a shared default would defeat the point).
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("generation", sa.String(32), nullable=True))
    connection = op.get_bind()
    for rows in _channel_batches(connection):
        heads: list[dict[str, str]] = []
        items: list[dict[str, Any]] = []
        for key, state in rows:
            document = json.loads(state)
            for field in ITEM_FIELDS:
                for seq, value in enumerate(document.get(field) or ()):
                    items.append({"channel": key, "field": field, "seq": seq, "data": _dumps(value)})
                document[field] = []
            heads.append({"b_key": key, "b_state": _dumps(document), "b_gen": uuid.uuid4().hex})
        connection.execute(_write_head, heads)
        if items:
            connection.execute(sa.insert(_items), items)
    with op.batch_alter_table("channels") as batch:
        batch.alter_column("generation", existing_type=sa.String(32), nullable=False)


def downgrade() -> None:
    connection = op.get_bind()
    for rows in _channel_batches(connection):
        keys = [row.key for row in rows]
        stored: dict[str, dict[str, list[Any]]] = {}
        for channel, field, data in connection.execute(
            sa.select(_items.c.channel, _items.c.field, _items.c.data)
            .where(_items.c.channel.in_(keys))
            .order_by(_items.c.channel, _items.c.field, _items.c.seq)
        ):
            stored.setdefault(channel, {}).setdefault(field, []).append(json.loads(data))
        documents = []
        for key, state in rows:
            document = json.loads(state)
            document.update(stored.get(key, {}))
            documents.append({"b_key": key, "b_state": _dumps(document)})
        connection.execute(_write_document, documents)
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("generation")
    op.drop_table("channel_items")
