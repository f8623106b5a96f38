"""``/problem checkin now`` mentions people, so only the facilitator may ask for it, and a
channel is not pinged again within the cool-down (issue 17, item 3)."""

from __future__ import annotations

from datetime import timedelta

from bot.core.model import Policy, Post, Tick, TickKind
from tests.engine.chat import Chat, Said


def start_with(chat: Chat, *people: str) -> None:
    chat.say("alice", "/problem start")
    for person in people:
        chat.say(person, "/problem ready")  # joins without answering


def checkins(said: Said) -> list[Post]:
    return [e for e in said.effects if isinstance(e, Post) and e.kind == "checkin"]


def mentioned(said: Said) -> list[str]:
    return [m.user for post in checkins(said) for m in post.mentions]


def test_a_member_who_asks_for_a_check_in_now_is_told_politely_who_can(chat: Chat) -> None:
    start_with(chat, "bob", "carol")
    said = chat.say("bob", "/problem checkin now")
    assert checkins(said) == []
    assert said.private == ["Only the facilitator (Alice) or a channel admin can ask for a check-in now. "
                            "/problem checkin status shows when the next one is due."]


def test_fifty_requests_by_a_member_mention_nobody(chat: Chat) -> None:
    start_with(chat, "bob", "carol")
    said = [chat.say("bob", "/problem checkin now") for _ in range(50)]
    assert sum(len(checkins(s)) for s in said) == 0


def test_dutch_members_hear_the_refusal_in_dutch(chat_nl: Chat) -> None:
    start_with(chat_nl, "bob")
    said = chat_nl.say("bob", "/probleem inchecken nu")
    assert said.private == ["Alleen de gespreksleider (Alice) of een beheerder van het kanaal kan nu om een "
                            "check-in vragen. Met /probleem inchecken stand zie je wanneer de volgende komt."]


def test_the_facilitator_and_a_channel_admin_may_ask_for_one_without_a_rule(chat: Chat) -> None:
    chat.admins.add("dana")
    start_with(chat, "bob")
    assert mentioned(chat.say("alice", "/problem checkin now")) == ["alice", "bob"]
    chat.now += timedelta(hours=2)
    assert mentioned(chat.say("dana", "/problem checkin now")) == ["alice", "bob", "dana"]


def test_within_the_cool_down_a_check_in_is_posted_without_mentioning_anyone(chat: Chat) -> None:
    start_with(chat, "bob", "carol")
    assert mentioned(chat.say("alice", "/problem checkin now")) == ["alice", "bob", "carol"]
    said = chat.say("alice", "/problem checkin now")
    [checkin] = checkins(said)
    assert checkin.mentions == () and "0 of 3 have answered this question." in checkin.text
    assert "Bob" not in checkin.text
    assert said.private == ["I did not mention anyone this time: people were mentioned less than 60 minutes "
                            "ago. From Mon 2 Mar 2026, 10:01 a check-in mentions them again."]
    chat.now += timedelta(minutes=61)
    assert mentioned(chat.say("alice", "/problem checkin now")) == ["alice", "bob", "carol"]


def test_a_scheduled_check_in_right_after_one_asked_for_mentions_nobody(chat: Chat) -> None:
    start_with(chat, "bob")
    chat.say("alice", "/problem checkin daily 09:30")
    chat.say("alice", "/problem checkin now")
    chat.now = chat.state.checkins.next_at  # type: ignore[assignment]
    chat.counter += 1
    said = chat.apply(Tick(event_id=f"e{chat.counter}", channel=chat.channel, kind=TickKind.CHECKIN))
    [checkin] = checkins(said)
    assert checkin.mentions == () and said.private == []


def test_a_cool_down_of_zero_minutes_is_off(chat: Chat) -> None:
    chat.policy = Policy(checkin_mention_cooldown=timedelta(0))
    start_with(chat, "bob")
    for _ in range(3):
        assert mentioned(chat.say("alice", "/problem checkin now")) == ["alice", "bob"]
