"""One channel's batch of events as one transaction: a synchronous function of a connection,
run by the :class:`~bot.shell.storage.database.Transactor`.

Each event is de-duplicated, decided on the state the previous one left, logged and its
effects recorded (messages to the outbox, wakeups); the state is saved once at the end,
accepted events leave the inbox, and the outbox head may be claimed for delivery right
after the commit. Messages are written in the same transaction as the state that caused
them, so a crash after the commit delays a message but never loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection

from bot.core.model import (
    ChannelState,
    Decision,
    Edit,
    Effect,
    InboundEvent,
    Notify,
    Observed,
    Post,
    Purge,
    Reply,
    Schedule,
    Unschedule,
)
from bot.shell.pipe.outbox import CLAIM_LEASE
from bot.shell.storage import channels, purge, queues
from bot.shell.storage.channels import LostRace, StoredState
from bot.shell.storage.queues import Claim

log = logging.getLogger(__name__)

Decide = Callable[[ChannelState, InboundEvent, datetime], Decision]


@dataclass(frozen=True)
class HandleResult:
    duplicate: bool
    effects: tuple[Effect, ...]


@dataclass(frozen=True, slots=True)
class Batch:
    channel: str
    events: Sequence[InboundEvent]
    accepted: Sequence[str]  # ids of the events waiting in the inbox: they leave it
    now: datetime
    # What this process last stored or loaded (None: read it here), and the decisions on it
    # made before the transaction, used when every event is new (else each is decided here).
    known: StoredState | None
    planned: Sequence[Decision] | None
    claim: bool  # claim the outbox head for delivery right after the commit


class Committed(NamedTuple):
    results: list[HandleResult]  # one per event
    stored: StoredState | None  # the channel's stored state afterwards (None: not stored)
    enqueued: bool  # messages went to the outbox
    claim: Claim | None  # the outbox head, claimed for delivery (``Batch.claim``)


def commit_batch(
    connection: Connection, batch: Batch, decide: Decide, new_state: Callable[[str], ChannelState]
) -> Committed:
    """The whole transaction for a channel's batch (see the module's docstring)."""
    channel, now, known = batch.channel, batch.now, batch.known
    if batch.accepted:
        queues.remove_from_inbox(connection, batch.accepted)
    # ``known`` is decided on unverified (one round trip less): the save's compare-and-set
    # checks it, or ``verify`` does where nothing is saved. A stale one is a lost race.
    unverified = known is not None
    stored = known if known is not None else channels.load_channel(connection, channel)
    base = stored  # what the row holds in this transaction (None: no row)
    state = stored.state if stored is not None else new_state(channel)
    dirty = enqueued = False

    def verify() -> None:
        nonlocal unverified
        if unverified and channels.load_channel(connection, channel, known) is not known:
            raise LostRace(channel)
        unverified = False

    results: list[HandleResult] = []
    lines: list[queues.LogLine] = []
    events = batch.events
    new = queues.mark_processed(connection, [(event.event_id, channel) for event in events], now)
    # A duplicate changes what the events after it were decided on: then decide them here.
    decisions = iter(batch.planned) if batch.planned is not None and len(new) == len(events) else None
    for event in events:
        if event.event_id not in new:
            log.debug("duplicate event %s for channel %s", event.event_id, channel)
            results.append(HandleResult(duplicate=True, effects=()))
            continue
        new.discard(event.event_id)  # a second copy in this batch is a duplicate too
        decision = next(decisions) if decisions is not None else decide(state, event, now)
        if decision.state.channel != channel:
            raise ValueError(f"decide returned state for {decision.state.channel!r}, not {channel!r}")
        changed = decision.state is not state  # (a new object may still hold the same contents)
        if any(isinstance(effect, Purge) for effect in decision.effects):
            verify()
            # Content goes first; the purge itself stays visible in the event log only.
            purge.purge_channel(connection, channel, in_batch=True)
            lines.clear()
            base, dirty = None, changed and decision.state != state
        elif not dirty:
            # An unchanged state costs no save; once one is due, a long session's states
            # need not be compared field by field again.
            dirty = changed and decision.state != state
        lines.append(queues.LogLine(event.event_id, type(event).__name__, decision.effects))
        for effect in decision.effects:
            enqueued = _record(connection, channel, effect, now) or enqueued
        results.append(HandleResult(duplicate=False, effects=decision.effects))
        state = decision.state
    queues.append_log(connection, channel, now, lines)
    if dirty:
        base = channels.save_channel(connection, state, base, now)
    else:
        verify()
    # The head just enqueued (or one waiting and due) goes out right after the commit, claimed
    # here rather than in a transaction of its own; a head another deliverer holds is left to it.
    claim = queues.claim_head(connection, channel, now, CLAIM_LEASE) if enqueued and batch.claim else None
    return Committed(results, base, enqueued, claim)


def has_messages(decisions: Sequence[Decision]) -> bool:
    return any(is_message(effect) for decision in decisions for effect in decision.effects)


def is_message(effect: Effect) -> bool:
    return isinstance(effect, Post | Reply | Notify | Edit)


def _record(connection: Connection, channel: str, effect: Effect, now: datetime) -> bool:
    """Store what ``effect`` asks for; True when it is a message (enqueued)."""
    match effect:
        case Post() | Reply() | Notify() | Edit():
            queues.enqueue(connection, channel, effect, now)
            return True
        case Schedule(kind=kind, at=at):
            queues.set_wakeup(connection, channel, kind, at)
        case Unschedule(kind=kind):
            queues.clear_wakeup(connection, channel, kind)
        case Observed(what=what, detail=detail):
            log.debug("observed in %s: %s %s", channel, what, detail)
        case Purge():
            log.info("channel %s purged", channel)
        case _:
            raise TypeError(f"unknown effect: {type(effect).__name__}")
    return False
