"""The guard reads a reply with the message before it, and learns from its channel at once."""

from __future__ import annotations

from bot.core.model import CommandIssued, Phase, Said, TextMessage
from tests.engine.chat import Chat
from tests.engine.test_flow import agree_on_it, to_drafting


def test_a_short_yes_to_an_owner_question_is_held_but_the_same_words_alone_are_not(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("carol", "Families in Noord lose their home because rent arrears pile up unnoticed.")
    assert chat.say("bob", "I can").replies == []  # an answer to nothing in particular
    chat.say("carol", "Who can take the schools?")
    said = chat.say("dave", "I can")
    assert "that sounds like dividing the work" in said.replies[-1]
    assert [p.text for p in chat.state.parked][-1] == "I can"


def test_a_released_false_alarm_teaches_the_channel_at_once(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", "I'll take care of the housing part")
    assert chat.state.parked
    chat.say("bob", "/problem notask")
    # In this team that phrase turned out to be analysis talk; the same words again pass.
    assert chat.say("carol", "I'll take care of the housing part!").replies == []
    assert len(chat.state.parked) == 1
    assert [a.text for a in chat.state.answers][-1] == "I'll take care of the housing part!"


def test_the_facilitator_parks_task_talk_the_guard_let_through_and_it_learns(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    # Worded as a description, meant (in this team) as handing out the work: the guard lets it through.
    missed = "The GGD does the home visits in Noord."
    assert chat.say("bob", missed).replies == []
    assert [a.text for a in chat.state.answers] == [missed]
    said = chat.say("alice", "/problem park")
    assert said.public == ["Parked #1 by hand, Bob: “The GGD does the home visits in Noord.” It comes back once we "
                           "agree on the problem, and I will hold messages like it in this channel."]
    assert chat.state.answers == ()  # no longer counted as an answer
    # The next message very like it is held without anyone's help; other talk is not.
    assert "dividing the work" in chat.say("carol", "The GGD does the home visits in Zuid.").replies[-1]
    assert chat.say("carol", "Rent arrears are noticed far too late.").replies == []


def test_only_the_facilitator_or_the_author_parks_by_hand(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    assert "right after a message" in chat.say("bob", "/problem park").private[0]
    chat.say("bob", "Rent arrears are noticed far too late.")
    assert "Only the facilitator (Alice)" in chat.say("carol", "/problem park").private[0]
    assert chat.state.parked == ()


def test_the_last_message_kept_as_context_is_forgotten_once_the_statement_is_agreed(chat: Chat) -> None:
    to_drafting(chat, "bob")
    chat.say("carol", "Honestly the arrears letters are unreadable.")
    assert chat.state.last_said is not None and chat.state.last_said.text.startswith("Honestly")
    agree_on_it(chat, "bob")
    assert chat.state.phase is Phase.AGREED
    assert chat.state.last_said is None


def test_a_reply_is_read_with_the_message_it_replies_to_not_the_one_just_before(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("carol", "Who can take the schools?")
    chat.say("bob", "The schools see the absences first, to be fair.")
    event = TextMessage(event_id="r1", channel=chat.channel, sender=chat.sender("dave"), text="I can",
                        message_id="r1", replying_to="Who can take the schools?")
    said = chat.apply(event)
    assert "that sounds like dividing the work" in said.replies[-1]


def test_park_as_a_reply_parks_the_message_it_replies_to(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", "The GGD does the home visits in Noord.")
    chat.say("carol", "Rent arrears are noticed far too late.")
    event = CommandIssued(event_id="p1", channel=chat.channel, sender=chat.sender("alice"), text="park",
                          command_word="problem", message_id="p1",
                          replying_to=Said("bob", "The GGD does the home visits in Noord.", "e2", "Bob"))
    said = chat.apply(event)
    assert said.public[0].startswith("Parked #1 by hand, Bob: “The GGD does the home visits in Noord.”")
    assert [a.text for a in chat.state.answers] == ["Rent arrears are noticed far too late."]
