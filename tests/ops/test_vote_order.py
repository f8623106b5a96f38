"""Two replicas on one PostgreSQL database: one person's votes count in the order they were sent.

The load balancer sends each request to either replica. Voters change their minds: each sends
one vote, waits for the answer (the event is durable, as Slack's 200 says), then sends the
other vote to the other replica. Whichever replica accepted which, the vote a person sent last
is the one that counts, and the replicas never deadlock each other.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import func, select

from bot.app.bootstrap import App, bootstrap
from bot.app.settings import Settings
from bot.core.model import Choice, CommandIssued, Phase, Sender
from bot.shell.storage.tables import inbox
from tests.service.fakes import FakeTransport
from tests.storage.pg import deadlocks

pytestmark = pytest.mark.postgres

CHANNEL = "console:votes"
VOTERS = [f"voter{n}" for n in range(60)]
ROUNDS = 6
_ids = itertools.count(1)


# What a voter types: a concern needs a reason.
TYPED = {Choice.AGREE: "agree", Choice.CONCERN: "concern the north is not covered"}


def said(user: str, text: str) -> CommandIssued:
    return CommandIssued(event_id=f"order:{next(_ids)}", channel=CHANNEL, sender=Sender(user, user.title()), text=text)


async def replica(url: str) -> App:
    """One replica: its own engine, handler, inbox and known states (as a separate process has)."""
    return await bootstrap(Settings(_env_file=None, database_url=url, language="en"),
                           transports=[FakeTransport(platform="console")])


async def test_a_voter_who_changes_their_mind_keeps_the_vote_sent_last(pg_url: str) -> None:
    first, second = await replica(pg_url), await replica(pg_url)
    rounds: list[dict[str, Choice]] = []
    try:
        # The facilitator walks a session to an open consent round (on one replica).
        await first.service.handle(said("fac", "start waiting lists"))
        for _ in range(6):
            await first.service.handle(said("fac", "next"))
        await first.service.handle(said("fac", "draft Waiting lists keep families waiting for months."))
        await first.service.handle(said("fac", "vote"))
        state = await first.service.get_state(CHANNEL)
        assert state is not None and state.open_round is not None and state.phase is Phase.VOTING

        for number in range(ROUNDS):
            # Every voter at once: a vote to one replica, its answer, then the other vote to the
            # other replica. Which replica comes first and which vote comes last alternate.
            before, last = (Choice.CONCERN, Choice.AGREE) if number % 2 == 0 else (Choice.AGREE, Choice.CONCERN)
            here, there = (first, second) if number % 3 != 1 else (second, first)

            async def change_mind(voter: str, here: App = here, there: App = there,
                                  before: Choice = before, last: Choice = last) -> None:
                await here.service.accept(said(voter, TYPED[before]))  # returns once durable (the 200)
                await there.service.accept(said(voter, TYPED[last]))

            await asyncio.gather(*(change_mind(voter) for voter in VOTERS))
            await first.service.drain()
            await second.service.drain()
            async with first.engine.connect() as connection:
                waiting = (await connection.execute(select(func.count()).select_from(inbox))).scalar_one()
            assert waiting == 0, "accepted votes were left unprocessed"
            state = await first.service.get_state(CHANNEL)
            assert state is not None and state.open_round is not None
            rounds.append({vote.user: vote.choice for vote in state.open_round.votes})
    finally:
        await first.close()
        await second.close()

    for number, votes in enumerate(rounds):
        last = Choice.AGREE if number % 2 == 0 else Choice.CONCERN
        overtaken = sorted(voter for voter in VOTERS if votes.get(voter) != last)
        assert not overtaken, f"round {number + 1}: {len(overtaken)} of {len(VOTERS)} kept an earlier vote"
    assert await deadlocks(pg_url) == 0
