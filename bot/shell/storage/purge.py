"""Forgetting: a channel's content (on request, or after its retention period) and the old
rows of the queues. Event ids and the content-free event log outlive a channel's content,
so a late redelivery is still recognised.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete

from bot.shell.storage.queues import LogLine, append_log
from bot.shell.storage.tables import (
    OUTBOX_SENT,
    channel_items,
    channels,
    message_refs,
    outbox,
    processed_events,
    wakeups,
)


def purge_channel(connection: Connection, channel: str) -> bool:
    """Delete a channel's content; the content-free event ids and log stay for de-duplication."""
    deleted = 0
    for statement in (
        delete(channels).where(channels.c.key == channel),
        delete(channel_items).where(channel_items.c.channel == channel),
        delete(outbox).where(outbox.c.channel == channel),
        delete(message_refs).where(message_refs.c.channel == channel),
        delete(wakeups).where(wakeups.c.channel == channel),
    ):
        deleted += connection.execute(statement).rowcount
    return deleted > 0


def delete_channel(connection: Connection, channel: str, reason: str, now: datetime) -> bool:
    """:func:`purge_channel`, and one content-free log line saying that (and why) it happened."""
    deleted = purge_channel(connection, channel)
    if deleted:
        line = LogLine(f"{reason.lower()}:{channel}:{now.isoformat()}", reason, ())
        append_log(connection, channel, now, [line])
    return deleted


def prune(connection: Connection, before: datetime) -> int:
    """Forget event ids and delivered messages older than ``before``; returns rows deleted.

    Keep ``before`` well past the platforms' retry windows (Slack retries for minutes),
    or a very late redelivery would be processed again.
    """
    events = connection.execute(delete(processed_events).where(processed_events.c.at < before))
    sent = connection.execute(delete(outbox).where(outbox.c.status == OUTBOX_SENT, outbox.c.sent_at < before))
    return int(events.rowcount + sent.rowcount)
