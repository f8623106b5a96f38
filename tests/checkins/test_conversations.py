"""Check-ins as a channel experiences them: set, posted when due, phase by phase, and quiet."""

from __future__ import annotations

from tests.checkins.conftest import Channel, MakeChannel, drafting


async def test_a_weekly_check_in_asks_the_open_question_and_mentions_only_who_has_not_answered(
    channel: Channel,
) -> None:
    await channel.say("alice", "/problem start young people and debts")
    await channel.say("bob", "Kids sell their phones to pay debts back.")
    await channel.say("alice", "/problem next")
    await channel.say("alice", "Mostly 17 to 23 year olds.")
    await channel.say("alice", "/problem checkin weekly mon 09:00")
    assert channel.heard()[-1] == ("Check-ins are set: every week on Mon at 09:00 (Europe/Amsterdam). "
                                   "The next one: Mon 30 Nov 2026, 09:00.")

    channel.set_time("2026-11-30 08:59")
    assert await channel.tick() == 0
    channel.set_time("2026-11-30 09:00")
    assert await channel.tick() == 1
    [checkin] = channel.checkins()
    assert "We are at question 2 of 6: Who is affected?" in checkin
    assert "1 of 2 have answered this question." in checkin
    assert "We have not heard from you yet: Bob." in checkin
    assert "Alice" not in checkin

    assert await channel.tick() == 0  # the same slot never posts twice
    assert len(channel.checkins()) == 1
    assert (await channel.wakeups())["checkin"].isoformat() == "2026-12-07T08:00:00+00:00"


async def test_with_mentions_off_a_check_in_gives_only_the_count(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("bob", "/problem checkin status")
    await channel.say("alice", "Young people in debt.")
    await channel.say("alice", "/problem checkin mentions off")
    await channel.say("alice", "/problem checkin now")
    checkin = channel.checkins()[-1]
    assert "1 of 2 have answered this question." in checkin
    assert "Bob" not in checkin


async def test_slack_names_are_mentions_so_the_check_in_pings_the_people_it_names(
    make_channel: MakeChannel,
) -> None:
    channel = await make_channel(key="slack:T1:C1")
    from tests.checkins.conftest import NAMES

    NAMES.update({"U1": "<@U1>", "U2": "<@U2>"})
    try:
        await channel.say("U1", "/problem start")
        await channel.say("U2", "/problem checkin status")
        await channel.say("U1", "An answer.")
        await channel.say("U1", "/problem checkin daily 09:00")
        channel.set_time("2026-11-26 09:00")
        await channel.tick()
        assert "We have not heard from you yet: <@U2>." in channel.checkins()[-1]
    finally:
        del NAMES["U1"], NAMES["U2"]


async def test_in_drafting_the_check_in_shows_the_draft_and_invites_improvements(channel: Channel) -> None:
    await drafting(channel, "bob")
    await channel.say("alice", "/problem checkin now")
    checkin = channel.checkins()[-1]
    assert checkin.startswith("The current draft (version 1):")
    assert "Problem: Alice sees young people in debt (Alice, Bob)." in checkin  # the same words, merged
    assert "/problem draft <text>" in checkin


async def test_in_voting_the_check_in_names_who_has_not_voted_and_the_deadline(channel: Channel) -> None:
    await drafting(channel, "bob", "carol")
    await channel.say("alice", "/problem vote --until fri 17:00")
    await channel.say("bob", "/problem agree")
    await channel.say("alice", "/problem checkin now")
    checkin = channel.checkins()[-1]
    assert "The agreement round on version 1 is open: 1 of 3 have voted." in checkin
    assert "Not voted yet: Alice, Carol." in checkin
    assert "The round closes by itself on Fri 27 Nov 2026, 17:00." in checkin


async def agreed(channel: Channel) -> None:
    await drafting(channel, "bob")
    await channel.say("alice", "/problem vote")
    await channel.say("alice", "/problem agree")
    await channel.say("bob", "/problem agree")
    assert (await channel.state()).phase == "agreed"


async def test_after_agreement_the_check_in_asks_whether_we_still_share_the_problem(channel: Channel) -> None:
    await agreed(channel)
    await channel.say("bob", "/problem task @alice call the housing corporation")
    await channel.say("alice", "/problem checkin now")
    checkin = channel.checkins()[-1]
    assert checkin.startswith("Our agreed problem statement (version 1):")
    assert "Open tasks:\n" in checkin and "Alice: call the housing corporation" in checkin
    assert "are we still working on *this* problem?" in checkin
    assert "does any task drift away from our shared goal?" in checkin
    assert "/problem reopen <reason>" in checkin


async def test_an_agreed_channel_that_ignores_a_check_in_is_told_once_and_then_left_alone(
    channel: Channel,
) -> None:
    await agreed(channel)
    await channel.say("alice", "/problem checkin weekly mon 09:00")
    channel.set_time("2026-11-30 09:00")
    await channel.tick()
    assert channel.checkins()[-1].startswith("Our agreed problem statement")

    channel.set_time("2026-12-07 09:00")  # nobody reacted to last week's check-in
    await channel.tick()
    assert channel.checkins()[-1].startswith("Nothing has happened here since the last check-in")

    channel.set_time("2026-12-14 09:00")
    mark = channel.mark()
    await channel.tick()
    assert channel.since(mark) == []  # quiet: nothing new to say
    assert (await channel.wakeups())["checkin"].isoformat() == "2026-12-21T08:00:00+00:00"

    await channel.say("bob", "/problem task @bob visit the school")  # something happens
    channel.set_time("2026-12-21 09:00")
    await channel.tick()
    assert channel.checkins()[-1].startswith("Our agreed problem statement")
    assert "Bob: visit the school" in channel.checkins()[-1]


async def test_paused_check_ins_skip_the_holidays_and_resume_on_the_day_given(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem checkin weekly mon 09:00")
    await channel.say("alice", "/problem checkin pause until 2027-01-04")
    assert channel.heard()[-1] == ("Check-ins are paused; they resume on Mon 4 Jan 2027. "
                                   "The next one: Mon 4 Jan 2027, 09:00.")
    for monday in ("2026-11-30", "2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"):
        channel.set_time(f"{monday} 09:00")
        assert await channel.tick() == 0
    assert channel.checkins() == []
    channel.set_time("2027-01-04 09:00")
    assert await channel.tick() == 1
    assert len(channel.checkins()) == 1
    assert (await channel.state()).checkins.paused_until is None  # the pause is over


async def test_resume_ends_a_pause_early(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem checkin daily 09:00")
    await channel.say("alice", "/problem checkin pause until 2027-01-04")
    await channel.say("alice", "/problem checkin resume")
    assert channel.heard()[-1] == "Check-ins resume. The next one: Thu 26 Nov 2026, 09:00."
    channel.set_time("2026-11-26 09:00")
    assert await channel.tick() == 1
    assert len(channel.checkins()) == 1


async def test_status_shows_the_next_check_in_in_the_channels_time_zone(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem checkin weekdays 09:30")
    await channel.say("alice", "/problem checkin status")
    status = channel.heard()[-1]
    assert status.startswith("Check-ins: every weekday at 09:30 (Europe/Amsterdam). "
                             "The next one: Thu 26 Nov 2026, 09:30.")


async def test_a_new_time_zone_keeps_the_wall_clock_time(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem checkin daily 09:00")
    assert (await channel.wakeups())["checkin"].isoformat() == "2026-11-26T08:00:00+00:00"
    await channel.say("alice", "/problem tz America/New_York")
    assert channel.heard()[-1].startswith("This channel's time zone is now America/New_York")
    assert (await channel.wakeups())["checkin"].isoformat() == "2026-11-25T14:00:00+00:00"
    await channel.say("alice", "/problem tz Mars/Olympus")
    assert channel.heard()[-1].startswith("I don't know the time zone 'Mars/Olympus'.")
    assert "/problem tz Europe/Amsterdam" in channel.heard()[-1]


async def test_a_bad_schedule_gets_a_valid_example_and_changes_nothing(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem checkin fortnightly tue 9am")
    assert channel.heard()[-1].startswith("I can't read 'fortnightly tue 9am' as a schedule.")
    assert "/problem checkin weekly mon 09:00" in channel.heard()[-1]
    assert await channel.wakeups() == {}


async def test_off_removes_the_schedule(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem checkin daily 09:00")
    await channel.say("alice", "/problem checkin off")
    assert channel.heard()[-1] == "Check-ins are off."
    assert await channel.wakeups() == {}


async def test_only_the_facilitator_changes_the_schedule(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("bob", "/problem checkin daily 09:00")
    assert channel.heard()[-1].startswith("Only the facilitator (Alice)")
    assert await channel.wakeups() == {}


async def test_dutch_channels_schedule_in_dutch(channel: Channel) -> None:
    await channel.say("alice", "/problem start")
    await channel.say("alice", "/problem taal nl")
    await channel.say("alice", "/problem inchecken elke 2 weken do 14:00")
    assert channel.heard()[-1] == ("Check-ins staan ingesteld: elke 2 weken op do om 14:00 (Europe/Amsterdam). "
                                   "De volgende: do 26 nov 2026, 14:00.")
    await channel.say("alice", "/problem tijdzone")
    assert channel.heard()[-1].startswith("De tijdzone van dit kanaal is Europe/Amsterdam")


async def test_a_member_cannot_make_the_bot_page_the_channel_and_the_facilitator_is_not_paged_twice(
    channel: Channel,
) -> None:
    """Issue 17: 50 "checkin now" by an ordinary member gave 30 public check-ins and 360 mentions."""
    await channel.say("alice", "/problem start")
    await channel.say("bob", "/problem ready")
    mark = channel.mark()
    for _ in range(50):
        await channel.say("bob", "/problem checkin now")
    assert channel.checkins() == []
    assert set(channel.since(mark)) == {"Only the facilitator (Alice) or a channel admin can ask for a check-in "
                                        "now. /problem checkin status shows when the next one is due."}
    await channel.say("alice", "/problem checkin now")
    await channel.say("alice", "/problem checkin now")
    first, second = [d.message for d in channel.transport.delivered if getattr(d.message, "kind", "") == "checkin"]
    assert [m.user for m in first.mentions] == ["alice", "bob"] and second.mentions == ()


async def test_the_mention_cool_down_is_a_setting(make_channel: MakeChannel) -> None:
    channel = await make_channel(checkin_mention_cooldown=0)
    await channel.say("alice", "/problem start")
    for _ in range(2):
        await channel.say("alice", "/problem checkin now")
    assert all(d.message.mentions for d in channel.transport.delivered if getattr(d.message, "kind", "") == "checkin")
