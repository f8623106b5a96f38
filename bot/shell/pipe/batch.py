"""One channel's batch of events as one transaction: a synchronous function of a connection,
run by the :class:`~bot.shell.storage.database.Transactor`.

The channel's waiting inbox rows come first, oldest first, whichever replica accepted them
(so one person's events apply in the order they were accepted, across replicas), then the
batch's events that never were in the inbox. Each event is de-duplicated, decided on the
state the previous one left and logged; the state is saved once, then the effects are
recorded (messages to the outbox, wakeups), and the outbox head may be claimed for delivery
right after the commit. Messages are written in the same transaction as the state that caused
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
    PostCard,
    Purge,
    Reply,
    RevokePages,
    Schedule,
    SharePage,
    Unschedule,
    WriteDraft,
)
from bot.core.sharing import link_note
from bot.shell.pipe.outbox import CLAIM_LEASE
from bot.shell.storage import channels, pages, purge, queues
from bot.shell.storage.channels import LostRace, StoredState
from bot.shell.storage.codec import decode_event
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
    # made before the transaction, used when exactly these events are applied, all new (else
    # each is decided here).
    known: StoredState | None
    planned: Sequence[Decision] | None
    claim: bool  # claim the outbox head for delivery right after the commit
    # Take up to this many of the channel's waiting inbox rows first, oldest first, whichever
    # replica accepted them (0: only this batch's own accepted rows).
    take: int = 0


class Committed(NamedTuple):
    # One per event; None: not applied, as older events of the channel were still waiting
    # in the inbox (more than ``Batch.take``): hand it in again.
    results: list[HandleResult | None]
    stored: StoredState | None  # the channel's stored state afterwards (None: not stored)
    enqueued: bool  # messages went to the outbox
    claim: Claim | None  # the outbox head, claimed for delivery (``Batch.claim``)
    others: tuple[Effect, ...] = ()  # effects of events other replicas accepted, applied here


# An accepted event whose inbox row another replica took (and applied) first, or a purge removed.
_TAKEN = HandleResult(duplicate=True, effects=())


def commit_batch(
    connection: Connection, batch: Batch, decide: Decide, new_state: Callable[[str], ChannelState]
) -> Committed:
    """The whole transaction for a channel's batch (see the module's docstring).

    Lock order, the same in every transaction that writes a channel, so that two replicas
    working on one channel wait for each other instead of deadlocking: (1) the channel's
    inbox rows, in id order; (2) the event ids, sorted; (3) the channel row; (4) then its
    items, outbox rows, wakeups (by kind) and log lines. Effects are therefore written after
    the state is saved (or its row locked), not as each event is decided.
    """
    channel, now, known = batch.channel, batch.now, batch.known
    rows = queues.take_inbox(connection, channel, batch.accepted, batch.take)
    full = batch.take > 0 and len(rows) >= batch.take  # older rows may still wait behind these
    slots = _arrange(batch, rows, full)
    if not slots:  # every event was another replica's to apply (it took their rows first)
        return Committed([_TAKEN] * len(batch.events), known, False, None)
    new = queues.mark_processed(connection, [(event.event_id, channel) for event, _ in slots], now)
    # ``known`` is decided on unverified (one round trip less): the save's compare-and-set
    # checks it, or ``verify`` does where nothing is saved. A stale one is a lost race.
    unverified = known is not None
    stored = known if known is not None else channels.load_channel(connection, channel)
    base = stored  # what the row holds in this transaction (None: no row)
    state = stored.state if stored is not None else new_state(channel)
    dirty = False

    def verify() -> None:
        nonlocal unverified
        if unverified and channels.load_channel(connection, channel, known) is not known:
            raise LostRace(channel)
        unverified = False

    results: list[HandleResult | None] = [None] * len(batch.events)
    others: list[Effect] = []
    records: list[Effect] = []  # written once the channel row is locked
    lines: list[queues.LogLine] = []
    # A duplicate, or an event from another replica, changes what the events after it are
    # decided on: then decide them here.
    mine = [index for _, index in slots] == list(range(len(batch.events)))
    decisions = iter(batch.planned) if batch.planned is not None and mine and len(new) == len(slots) else None
    for event, index in slots:
        if event.event_id not in new:
            log.debug("duplicate event %s for channel %s", event.event_id, channel)
            result = HandleResult(duplicate=True, effects=())
        else:
            new.discard(event.event_id)  # a second copy in this batch is a duplicate too
            decision = next(decisions) if decisions is not None else decide(state, event, now)
            if decision.state.channel != channel:
                raise ValueError(f"decide returned state for {decision.state.channel!r}, not {channel!r}")
            changed = decision.state is not state  # (a new object may still hold the same contents)
            if any(isinstance(effect, Purge) for effect in decision.effects):
                verify()
                # Content goes first; the purge itself stays visible in the event log only.
                purge.purge_channel(connection, channel, in_batch=True)
                records.clear()  # the purge deleted what they would have written
                lines.clear()
                base, dirty = None, changed and decision.state != state
            elif not dirty:
                # An unchanged state costs no save; once one is due, a long session's states
                # need not be compared field by field again.
                dirty = changed and decision.state != state
            lines.append(queues.LogLine(event.event_id, type(event).__name__, decision.effects))
            records.extend(decision.effects)
            result = HandleResult(duplicate=False, effects=decision.effects)
            state = decision.state
        if index is None:
            others.extend(result.effects)
        else:
            results[index] = result
    if not full:
        # This batch's accepted events not taken here: another replica applied them first.
        results = [_TAKEN if result is None else result for result in results]
    if dirty:
        base = channels.save_channel(connection, state, base, now)
    else:
        verify()
    enqueued = _record_all(connection, channel, records, now)
    queues.append_log(connection, channel, now, lines)
    # The head just enqueued (or one waiting and due) goes out right after the commit, claimed
    # here rather than in a transaction of its own; a head another deliverer holds is left to it.
    claim = queues.claim_head(connection, channel, now, CLAIM_LEASE) if enqueued and batch.claim else None
    return Committed(results, base, enqueued, claim, tuple(others))


def _arrange(
    batch: Batch, rows: Sequence[queues.TakenRow], full: bool
) -> list[tuple[InboundEvent, int | None]]:
    """The events to apply, in order, each with its index in the batch (None: another replica's).

    First the inbox rows taken, in the order they were accepted; then, unless more rows may
    still wait (``full``), the batch's events that never were in the inbox (handled at once,
    ticks), in the batch's order.
    """
    accepted = set(batch.accepted)
    waiting: dict[str, list[int]] = {}
    for index, event in enumerate(batch.events):
        if event.event_id in accepted:
            waiting.setdefault(event.event_id, []).append(index)
    slots: list[tuple[InboundEvent, int | None]] = []
    for row in rows:
        indices = waiting.get(row.event_id)
        if indices:
            index = indices.pop(0)
            slots.append((batch.events[index], index))
        else:  # a row that cannot be read fails the batch; the handler then goes one by one
            slots.append((decode_event(row.payload), None))
    if not full:
        slots.extend((event, index) for index, event in enumerate(batch.events) if event.event_id not in accepted)
    return slots


def has_messages(decisions: Sequence[Decision]) -> bool:
    return any(is_message(effect) for decision in decisions for effect in decision.effects)


def is_message(effect: Effect) -> bool:
    return isinstance(effect, Post | Reply | Notify | Edit | PostCard | SharePage)


def _record_all(connection: Connection, channel: str, effects: Sequence[Effect], now: datetime) -> bool:
    """Store what the effects ask for, in order; True when a message was enqueued.

    Wakeups last, the final word per kind only, by kind: every transaction locks a channel's
    wakeup rows in the same order.
    """
    enqueued = False
    wakeups: dict[str, Effect] = {}
    for effect in effects:
        if isinstance(effect, Schedule | Unschedule):
            wakeups[effect.kind] = effect
        else:
            enqueued = _record(connection, channel, effect, now) or enqueued
    for kind in sorted(wakeups):
        _record(connection, channel, wakeups[kind], now)
    return enqueued


def _record(connection: Connection, channel: str, effect: Effect, now: datetime) -> bool:
    """Store what ``effect`` asks for; True when it is a message (enqueued)."""
    match effect:
        case Post() | Reply() | Notify() | Edit() | PostCard():
            queues.enqueue(connection, channel, effect, now)
            return True
        case SharePage():
            token = pages.mint(connection, channel, effect.user, now, effect.until)
            queues.enqueue(connection, channel, link_note(effect, f"{effect.base_url.rstrip('/')}/page/{token}"), now)
            return True
        case RevokePages(user=user):
            pages.revoke(connection, channel, user, now)
        case Schedule(kind=kind, at=at):
            queues.set_wakeup(connection, channel, kind, at)
        case Unschedule(kind=kind):
            queues.clear_wakeup(connection, channel, kind)
        case Observed(what=what, detail=detail):
            log.debug("observed in %s: %s %s", channel, what, detail)
        case Purge():
            log.info("channel %s purged", channel)
        case WriteDraft():
            pass  # the handler hands it to the draft model after the commit
        case _:
            raise TypeError(f"unknown effect: {type(effect).__name__}")
    return False
