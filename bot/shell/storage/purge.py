"""Forgetting: a channel's content (on request, or after its retention period) and the old
rows of the queues.

A purge deletes every row about the channel in every table: events waiting in the inbox,
the state and its items, the outbox (sent, pending and failed), message references,
wakeups and the event log. Only the ids of processed events stay, without the channel, so a
platform's late redelivery is still recognised (ids that name the channel, the scheduler's
``tick:<channel>:…``, go too: their wakeups are gone). One content-free log line without
the channel records that a purge happened, and when.

Lock order, the same as a batch's (see ``bot.shell.pipe.batch``): inbox rows, event ids,
the channel row, then everything else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, update

from bot.shell.storage.queues import LogLine, append_log, drop_inbox
from bot.shell.storage.tables import (
    OUTBOX_SENT,
    channel_items,
    channels,
    event_log,
    message_refs,
    outbox,
    page_links,
    processed_events,
    wakeups,
)

# The tables a purge deletes from; after a purge these hold freed space worth scrubbing
# (see ``bot.shell.storage.scrub``).
PURGED_TABLES = ("inbox", "processed_events", "channels", "channel_items", "outbox", "message_refs", "wakeups",
                 "event_log", "page_links")


def purge_channel(connection: Connection, channel: str, *, in_batch: bool = False) -> bool:
    """Delete every row about ``channel``; True if there was any.

    From the CLI, events still waiting in the inbox go too: they were said before the purge.
    ``in_batch``: the purge is one of a batch's events; the batch took every event accepted
    before it, so the rows still waiting were said after it and stay (see
    :func:`~bot.shell.storage.queues.drop_inbox`).
    """
    deleted = drop_inbox(connection, channel, in_batch=in_batch)
    ours = processed_events.c.channel == channel
    deleted += connection.execute(delete(processed_events).where(
        ours, processed_events.c.event_id.contains(channel, autoescape=True))).rowcount
    connection.execute(update(processed_events).where(ours).values(channel=""))
    for statement in (
        delete(channels).where(channels.c.key == channel),
        delete(channel_items).where(channel_items.c.channel == channel),
        delete(outbox).where(outbox.c.channel == channel),
        delete(message_refs).where(message_refs.c.channel == channel),
        delete(wakeups).where(wakeups.c.channel == channel),
        delete(event_log).where(event_log.c.channel == channel),
        delete(page_links).where(page_links.c.channel == channel),  # a purged channel has no page
    ):
        deleted += connection.execute(statement).rowcount
    return deleted > 0


def delete_channel(connection: Connection, channel: str, reason: str, now: datetime) -> bool:
    """:func:`purge_channel`, and one log line saying that (and why) a purge happened, not where."""
    deleted = purge_channel(connection, channel)
    if deleted:
        append_log(connection, "", now, [LogLine(f"{reason.lower()}:{now.isoformat()}", reason, ())])
    return deleted


def prune(connection: Connection, before: datetime) -> int:
    """Forget event ids and delivered messages older than ``before``; returns rows deleted.

    Keep ``before`` well past the platforms' retry windows (Slack retries for minutes),
    or a very late redelivery would be processed again.
    """
    events = connection.execute(delete(processed_events).where(processed_events.c.at < before))
    sent = connection.execute(delete(outbox).where(outbox.c.status == OUTBOX_SENT, outbox.c.sent_at < before))
    return int(events.rowcount + sent.rowcount)
