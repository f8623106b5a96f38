"""A vote deadline closes the round by itself; a review brings the statement back."""

from __future__ import annotations

from tests.checkins.conftest import Channel, drafting


async def vote_until_friday(channel: Channel) -> None:
    await drafting(channel, "bob", "carol")
    await channel.say("alice", "/problem vote --until fri 17:00")
    assert "Deadline: Fri 27 Nov 2026, 17:00. Then the round closes by itself." in channel.heard()[-1]
    assert (await channel.wakeups())["vote_deadline"].isoformat() == "2026-11-27T16:00:00+00:00"


async def test_at_the_deadline_the_round_closes_and_agreement_is_posted(channel: Channel) -> None:
    await vote_until_friday(channel)
    await channel.say("alice", "/problem agree")
    await channel.say("bob", "/problem agree")  # carol never votes
    channel.set_time("2026-11-27 16:59")
    assert await channel.tick() == 0
    channel.set_time("2026-11-27 17:00")
    mark = channel.mark()
    assert await channel.tick() == 1
    said = channel.since(mark)
    assert "The deadline (Fri 27 Nov 2026, 17:00) has passed" in said[0]
    assert any(text.startswith("We have a shared problem statement (version 1, 2 agreeing") for text in said)
    state = await channel.state()
    assert state.phase == "agreed"
    assert state.checkins.vote_deadline is None
    assert "vote_deadline" not in await channel.wakeups()


async def test_at_the_deadline_without_enough_agreement_we_draft_again_and_the_concerns_are_listed(
    channel: Channel,
) -> None:
    await vote_until_friday(channel)
    await channel.say("alice", "/problem agree")
    await channel.say("bob", "/problem concern the figures are from 2023")
    channel.set_time("2026-11-27 17:00")
    mark = channel.mark()
    await channel.tick()
    result = channel.since(mark)[-1]
    assert result.startswith("The round closed with 1 agreeing, and at least 2 are needed.")
    assert "Concern from Bob: the figures are from 2023" in result
    assert (await channel.state()).phase == "drafting"


async def test_an_objection_sends_the_statement_back_at_once_and_the_deadline_does_nothing_more(
    channel: Channel,
) -> None:
    await vote_until_friday(channel)
    await channel.say("alice", "/problem agree")
    await channel.say("carol", "/problem object it leaves out the parents")
    assert channel.heard()[-1].startswith("Carol objects to version 1: it leaves out the parents")
    assert "vote_deadline" not in await channel.wakeups()  # no longer needed
    channel.set_time("2026-11-27 17:00")
    mark = channel.mark()
    assert await channel.tick() == 0
    assert channel.since(mark) == []
    assert (await channel.state()).phase == "drafting"


async def test_a_deadline_that_cannot_be_read_opens_no_round(channel: Channel) -> None:
    await drafting(channel, "bob")
    await channel.say("alice", "/problem vote --until someday")
    assert channel.heard()[-1].startswith("I can't read 'someday' as a moment. For example: fri 17:00")
    await channel.say("alice", "/problem vote --until 2026-01-01 12:00")
    assert channel.heard()[-1].startswith("'2026-01-01 12:00' is not in the future.")
    assert (await channel.state()).phase == "drafting"


async def test_a_review_brings_the_agreed_statement_back_after_four_weeks(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem review in 4 weeks")
    assert channel.heard()[-1] == "A review is for an agreed statement; we are not there yet."
    await channel.say("alice", "/problem reset confirm")
    await channel.say("alice", "/problem reset confirm")
    await drafting(channel, "bob")
    await channel.say("alice", "/problem vote")
    await channel.say("alice", "/problem agree")
    await channel.say("bob", "/problem agree")
    await channel.say("alice", "/problem review in 4 weeks")
    assert channel.heard()[-1] == "I will bring the agreed statement back for review on Wed 23 Dec 2026, 10:00."
    channel.set_time("2026-12-23 10:00")
    assert await channel.tick() == 1
    review = channel.heard()[-1]
    assert review.startswith("Time to look again at the statement we agreed on Wed 25 Nov 2026, 10:00 (version 1)")
    assert "Is this still the problem we are working on?" in review
    assert "review" not in await channel.wakeups()
