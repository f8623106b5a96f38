"""The guard holds back who-does-what until agreement; nothing is lost, false positives are undone."""

from __future__ import annotations

from bot.core.model import Phase
from tests.engine.chat import Chat

CLAIM = "I'll take care of the housing part"


def test_task_talk_is_parked_with_its_author_and_never_counted_as_an_answer(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    said = chat.say("bob", CLAIM)
    assert said.replies == [
        "Thanks, Bob. You wrote: “I'll take care of the housing part” — that sounds like dividing the work. "
        "I have parked it (#1) and it comes back once we agree on the problem. For now: What is the problem?"
    ]
    assert chat.state.answers == ()
    [item] = chat.state.parked
    assert (item.user, item.text, item.released) == ("bob", CLAIM, False)


def test_notask_releases_the_last_parked_message_as_an_answer(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", CLAIM)
    said = chat.say("bob", "/problem notask")
    assert "it now counts as an answer to 'What is the problem?'" in said
    assert [a.text for a in chat.state.answers] == [CLAIM]
    assert chat.state.parked[0].released


def test_the_not_task_talk_button_works_for_the_author_and_the_facilitator_only(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    said = chat.say("bob", CLAIM)
    action, value = chat.buttons(said)["Not task talk"]
    assert "Only Bob (who wrote it) or the facilitator (Alice)" in chat.press("carol", action, value)
    assert not chat.state.parked[0].released
    assert "Released #1" in chat.press("alice", action, value)
    assert "already released" in chat.press("bob", action, value)


def test_a_task_command_before_agreement_is_parked(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    said = chat.say("bob", "/problem task @carol call the landlord")
    assert said.private == ["Tasks come after we agree on the problem statement. I have parked your proposal "
                            "(#1); it comes back as a candidate task once we agree."]
    assert chat.state.tasks == ()
    assert chat.state.parked[0].text == "@carol call the landlord"  # the proposal, not the command


def test_parked_lists_the_parking_lot(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    assert "The parking lot is empty." in chat.say("bob", "/problem parked")
    chat.say("bob", CLAIM)
    assert f"#1 Bob: {CLAIM}" in chat.say("carol", "/problem parked")


def test_observe_mode_holds_nothing_but_status_shows_what_it_would_have_held(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    assert "only observes" in chat.say("alice", "/problem guard observe")
    said = chat.say("bob", CLAIM)
    assert not said.replies and chat.state.parked == ()
    assert [a.text for a in chat.state.answers] == [CLAIM]
    assert "Would have been held" in chat.say("alice", "/problem status")


def test_guard_off_lets_everything_through_and_only_the_facilitator_changes_it(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    assert "Only the facilitator" in chat.say("bob", "/problem guard off")
    chat.say("alice", "/problem guard off")
    assert not chat.say("bob", CLAIM)
    assert "Choose one of" in chat.say("alice", "/problem guard loud")


def test_private_redirects_go_to_the_author_only(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("alice", "/problem redirect private")
    said = chat.say("bob", CLAIM)
    assert said.replies == [] and len(said.private) == 1 and "parked it" in said.private[0]


def test_after_agreement_task_talk_is_welcome(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", "The problem is that reports get lost between organisations.")
    for _ in range(6):
        chat.say("alice", "/problem next")
    chat.say("alice", "/problem vote")
    chat.say("alice", "/problem agree")
    chat.say("bob", "/problem agree")
    assert chat.state.phase is Phase.AGREED
    assert not chat.say("bob", CLAIM)  # ordinary chat now; not stored either
    assert chat.state.parked == ()
