"""Steering a session: who may move on, readiness, going back, voting rules, reopening."""

from __future__ import annotations

from bot.core.model import Phase
from tests.engine.chat import Chat


def start_with(chat: Chat, *people: str) -> None:
    chat.say("alice", "/problem start")
    for person in people:
        chat.say(person, f"{person} thinks the problem is unclear follow-up after a report.")


def through_analysis(chat: Chat) -> None:
    for _ in range(6):
        chat.say("alice", "/problem next")


def test_only_the_facilitator_moves_on_and_others_are_told_who_can(chat: Chat) -> None:
    start_with(chat, "bob")
    said = chat.say("bob", "/problem next")
    assert said.private == [
        "Only the facilitator (Alice) or a channel admin can do that. "
        "You can say /problem ready when you are done with this question."
    ]
    assert chat.state.step == 0


def test_a_channel_admin_may_steer_too(chat: Chat) -> None:
    chat.admins.add("dana")
    start_with(chat, "bob")
    assert "Question 2 of 6" in chat.say("dana", "/problem next")


def test_when_everyone_is_ready_the_bot_moves_on_by_itself(chat: Chat) -> None:
    start_with(chat, "bob", "carol")
    said = chat.say("bob", "/problem ready")
    assert said.private == ["Noted: 1 of 3 ready. Still thinking: Alice, Carol."]
    chat.say("carol", "/probleem klaar")
    said = chat.say("alice", "/problem ready")
    assert "Everyone is ready, so we move on." in said
    assert "Question 2 of 6" in said


def test_back_returns_to_the_previous_question_and_answers_are_kept(chat: Chat) -> None:
    start_with(chat, "bob")
    chat.say("alice", "/problem next")
    said = chat.say("alice", "/problem back")
    assert "Question 1 of 6" in said
    assert "There is no earlier question" in chat.say("alice", "/problem back")
    assert len(chat.state.answers) == 1


def test_an_objection_needs_a_reason(chat: Chat) -> None:
    start_with(chat, "bob")
    through_analysis(chat)
    chat.say("alice", "/problem vote")
    said = chat.say("bob", "/problem object")
    assert "An objection needs a reason" in said
    assert chat.state.open_round is not None and chat.state.open_round.votes == ()


def test_votes_can_be_changed_until_the_round_closes(chat: Chat) -> None:
    start_with(chat, "bob", "carol")
    through_analysis(chat)
    chat.say("alice", "/problem vote")
    chat.say("bob", "/problem abstain")
    said = chat.say("bob", "/problem agree")
    assert "1 of 3 have voted" in said.edits[0]
    round_ = chat.state.open_round
    assert round_ is not None
    assert [(v.user, v.choice.value) for v in round_.votes] == [("bob", "agree")]


def test_a_button_for_an_older_version_counts_for_nothing(chat: Chat) -> None:
    start_with(chat, "bob")
    through_analysis(chat)
    chat.say("alice", "/problem vote")
    chat.say("bob", "/problem draft A sharper statement of the follow-up problem.")
    chat.say("alice", "/problem vote")
    said = chat.press("bob", "vote", "agree:1")
    assert "That vote was for version 1, but the round is on version 2" in said
    round_ = chat.state.open_round
    assert round_ is not None and round_.votes == ()


def test_a_vote_button_for_an_objection_takes_the_typed_reason(chat: Chat) -> None:
    start_with(chat, "bob")
    through_analysis(chat)
    chat.say("alice", "/problem vote")
    said = chat.press("bob", "vote", "object:1", text="the victims are missing")
    assert "Bob objects to version 1: the victims are missing" in said
    assert chat.state.phase is Phase.DRAFTING


def test_without_a_quorum_the_round_ends_in_drafting(chat: Chat) -> None:
    start_with(chat, "bob", "carol")
    through_analysis(chat)
    chat.say("alice", "/problem vote")
    chat.say("bob", "/problem abstain")
    chat.say("carol", "/problem abstain")
    said = chat.say("alice", "/problem agree")
    assert "closed with 1 agreeing, and at least 2 are needed" in said
    assert chat.state.phase is Phase.DRAFTING


def test_the_facilitator_can_close_a_round_early(chat: Chat) -> None:
    start_with(chat, "bob", "carol")
    through_analysis(chat)
    chat.say("alice", "/problem vote")
    chat.say("alice", "/problem agree")
    chat.say("bob", "/problem agree")
    assert "Only the facilitator" in chat.say("bob", "/problem close")
    said = chat.say("alice", "/problem close")
    assert "We have a shared problem statement" in said
    assert chat.state.phase is Phase.AGREED


def test_reopening_takes_the_statement_back_and_holds_task_talk_again(chat: Chat) -> None:
    start_with(chat, "bob")
    through_analysis(chat)
    chat.say("alice", "/problem vote")
    chat.say("alice", "/problem agree")
    chat.say("bob", "/problem agree")
    assert chat.state.phase is Phase.AGREED
    assert "Please give a reason" in chat.say("bob", "/problem reopen")
    said = chat.say("bob", "/problem reopen the problem has moved to the schools")
    assert "Bob reopened the statement: the problem has moved to the schools" in said
    said = chat.say("carol", "Who is going to call the schools?")
    assert said.replies and "parked it" in said.replies[0]


def test_reset_asks_for_confirmation_and_only_the_facilitator_may(chat: Chat) -> None:
    start_with(chat, "bob")
    assert "Only the facilitator" in chat.say("bob", "/problem reset")
    said = chat.say("alice", "/problem reset")
    assert "To go ahead: /problem reset confirm" in said
    assert chat.state.phase is Phase.ANALYSIS
    said = chat.say("alice", "/problem reset confirm")
    assert "Alice reset the session" in said
    assert chat.state.phase is Phase.IDLE and chat.state.answers == ()


def test_the_facilitator_can_hand_over(chat: Chat) -> None:
    start_with(chat, "bob")
    assert "Bob is now the facilitator." in chat.say("alice", "/problem facilitator @bob")
    assert "Question 2 of 6" in chat.say("bob", "/problem next")
    assert "Only the facilitator (Bob)" in chat.say("alice", "/problem next")


def test_status_tells_phase_question_contributors_and_guard(chat: Chat) -> None:
    start_with(chat, "bob")
    text = chat.say("carol", "/problem status").private[0]
    assert "Phase: analysing the problem." in text
    assert "Question 1 of 6: What is the problem?" in text
    assert "Answered this question: 1 of 2 (Bob)." in text
    assert "Guard: gentle." in text


def test_status_shows_the_next_check_in_and_a_reset_keeps_the_channel_settings(chat: Chat) -> None:
    start_with(chat, "bob")
    chat.say("alice", "/problem tz Europe/Amsterdam")
    chat.say("alice", "/problem checkin daily 17:00")
    assert "Next check-in:" in chat.say("bob", "/problem status")
    chat.say("alice", "/problem reset")
    chat.say("alice", "/problem reset confirm")
    assert chat.state.phase is Phase.IDLE
    assert chat.state.timezone == "Europe/Amsterdam" and chat.state.checkins.rule.startswith("daily")


def test_a_check_in_mentions_only_those_who_have_not_answered(chat: Chat) -> None:
    from bot.core.model import Post

    start_with(chat, "bob", "carol")
    chat.say("alice", "/problem next")
    chat.say("bob", "Mostly young people and their parents.")
    said = chat.say("alice", "/problem checkin now")
    [checkin] = [e for e in said.effects if isinstance(e, Post) and e.kind == "checkin"]
    assert [(m.user, m.name) for m in checkin.mentions] == [("alice", "Alice"), ("carol", "Carol")]
    assert "Alice, Carol" in checkin.text


def test_after_a_reset_anyone_can_purge_what_the_channel_still_holds(chat: Chat) -> None:
    start_with(chat, "bob")
    chat.say("alice", "/problem checkin weekly mon 09:00")
    chat.say("alice", "/problem reset")
    chat.say("alice", "/problem reset confirm")
    said = chat.say("bob", "/problem purge")
    assert "No session is running" not in said
    assert said.private[0].startswith("This permanently deletes everything I stored for this channel")
    said = chat.say("bob", "/problem purge confirm")
    assert said.public == ["Bob purged this channel's session data. Nothing of it is stored any more."]
    assert chat.state.checkins.rule == ""  # the check-in rule a reset keeps is gone too


def test_only_the_one_who_asked_can_confirm(chat: Chat) -> None:
    chat.say("alice", "/problem purge")
    said = chat.say("bob", "/problem purge confirm")
    assert "purged" not in said and said.private[0].startswith("This permanently deletes")


def test_the_facilitator_closes_the_round_and_others_are_told_who_can(chat: Chat) -> None:
    start_with(chat, "bob", "carol")
    through_analysis(chat)
    chat.say("alice", "/problem vote")
    said = chat.say("bob", "/problem close")
    assert said.private[0].startswith("Only the facilitator (Alice) or a channel admin can do that.")
    assert chat.state.phase is Phase.VOTING


def test_after_a_reset_the_purge_confirmation_button_purges(chat: Chat) -> None:
    """Issue 17: the button answered "No session is running" and nothing was deleted."""
    start_with(chat, "bob")
    chat.say("alice", "/problem reset")
    chat.say("alice", "/problem reset confirm")
    asked = chat.say("alice", "/problem purge")
    action, value = chat.buttons(asked)["Yes, delete everything"]
    said = chat.press("alice", action, value)
    assert "No session is running" not in said
    assert said.public == ["Alice purged this channel's session data. Nothing of it is stored any more."]
    assert any(type(e).__name__ == "Purge" for e in said.effects)


def test_a_purge_forgets_the_channels_language_and_time_zone_too(chat: Chat) -> None:
    start_with(chat, "bob")
    chat.say("alice", "/problem lang nl")
    chat.say("alice", "/problem tz Europe/Amsterdam")
    chat.say("alice", "/probleem wis")
    said = chat.say("alice", "/probleem wis bevestig")
    assert said.public == ["Alice heeft de sessiegegevens van dit kanaal gewist. Er is niets meer van bewaard."]
    assert (chat.state.language, chat.state.timezone) == ("en", "UTC")
