"""Who speaks for what: /problem iam, the disciplines heard and missing on the perspectives
question, the participation balance in status, the draft crediting disciplines, the card."""

from __future__ import annotations

from dataclasses import replace

from bot.core.model import PostCard, Sender, TextMessage
from tests.engine.chat import Chat


def to_perspectives(chat: Chat, command: str = "/problem") -> None:
    """alice starts; bob, carol and dave are in the room; on to question 4 (perspectives)."""
    chat.say("alice", f"{command} start kids on the square")
    for person in ("bob", "carol", "dave"):
        chat.say(person, f"{person.capitalize()} sees kids on the square every evening after dark.")
    for _ in range(3):
        chat.say("alice", f"{command} next")


def test_people_say_what_they_speak_for_and_everyone_sees_it(chat: Chat) -> None:
    chat.say("alice", "/problem start kids on the square")
    said = chat.say("bob", "/problem iam police, community officer")
    assert said.public == ["Bob speaks for police, community officer."]
    assert chat.say("bob", "/problem iam").private == [
        "You speak for police, community officer. To change it: /problem iam <organisation or discipline>."]
    assert "Speaking for: Bob: police, community officer." in chat.say("carol", "/problem status")


def test_the_facilitator_says_it_for_someone_else_and_others_may_not(chat: Chat) -> None:
    to_perspectives(chat)
    assert chat.say("alice", "/problem iam @Carol housing").public == ["Carol speaks for housing."]
    refused = chat.say("bob", "/problem iam @dave debt counselling")
    assert "Only the facilitator" in refused.private[0]
    assert "dave" not in chat.state.perspectives
    assert "I don't know @nobody" in chat.say("alice", "/problem iam @nobody housing").private[0]


def test_the_perspectives_question_names_who_was_heard_and_who_not_yet(chat: Chat) -> None:
    chat.say("alice", "/problem start kids on the square")
    chat.say("bob", "/problem iam police")
    chat.say("carol", "/problem iam housing")
    chat.say("dave", "/problem iam debt counselling")
    for _ in range(2):
        chat.say("alice", "/problem next")
    asked = chat.say("alice", "/problem next")  # question 4: what does your discipline see?
    assert "Question 4 of 6" in asked
    assert "Heard: nobody yet." in asked
    assert "Not yet: police (Bob), housing (Carol), debt counselling (Dave), Alice." in asked
    assert "Alice: which organisation or discipline do you speak for?" in asked

    chat.say("bob", "From the police side we see the same twenty kids every weekend.")
    chat.say("dave", "Debt counselling sees the parents, never the kids.")
    status = chat.say("alice", "/problem status")
    assert "Heard: police, debt counselling." in status
    assert "Not yet: housing (Carol), Alice." in status

    chat.now = chat.now.replace(hour=chat.now.hour + 1)
    checkin = chat.say("alice", "/problem checkin now")
    assert "Heard: police, debt counselling." in checkin
    assert "Not yet: housing (Carol), Alice." in checkin


def test_a_colleague_of_the_same_discipline_answering_counts_for_it(chat: Chat) -> None:
    to_perspectives(chat)
    chat.say("bob", "/problem iam police")
    chat.say("carol", "/problem iam Police")
    chat.say("carol", "We get the calls from the neighbours at night.")
    status = chat.say("alice", "/problem status")
    assert "Heard: Police." in status  # as Carol wrote it
    assert "police (Bob)" not in status  # Carol spoke for the police


def test_status_shows_the_balance_and_who_dominates(chat: Chat) -> None:
    to_perspectives(chat)
    chat.say("bob", "/problem iam police")
    chat.say("carol", "/problem iam housing")
    chat.say("bob", " ".join(["The police see the square turn into a meeting point after nine"] * 6) + ".")
    chat.say("carol", "Housing hears complaints.")
    status = chat.say("alice", "/problem status")
    assert "This question, by words: police 96% (1 msg, 72 words), housing 4% (1 msg, 3 words)." in status
    # Dave answered question 1 without saying what he speaks for: he counts under his name.
    assert "All answers, by words: police 78% (2 msg, 82 words), housing 12% (2 msg, 13 words), Dave 10%" in status
    assert "police has written 78% of the words so far: make room for the others." in status


def test_no_one_dominates_a_balanced_conversation(chat: Chat) -> None:
    to_perspectives(chat)
    chat.say("bob", "/problem iam police")
    chat.say("carol", "/problem iam housing")
    chat.say("bob", "The police see the square turn into a meeting point after nine in the evening.")
    chat.say("carol", "Housing hears the neighbours complain about noise every night of the week now.")
    assert "make room for the others" not in chat.say("alice", "/problem status")


def test_the_draft_credits_the_discipline_people_said_they_speak_for(chat: Chat) -> None:
    to_perspectives(chat)
    chat.say("bob", "/problem iam police")
    chat.say("bob", "The police only see the incidents, never what happens at home.")
    for _ in range(3):
        chat.say("alice", "/problem next")
    draft = chat.state.current_draft
    assert draft is not None
    assert "police: Bob" in draft.text


def test_slack_profile_title_is_taken_by_iam_alone(chat: Chat) -> None:
    chat.say("alice", "/problem start kids on the square")
    event = chat.event("bob", "/problem iam")
    titled = replace(event, sender=Sender("bob", "Bob", title="Community officer"))
    assert chat.apply(titled).public == ["Bob speaks for Community officer."]
    assert not isinstance(titled, TextMessage)


def test_without_a_title_iam_alone_explains_itself(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    assert "Which organisation or discipline do you speak for?" in chat.say("bob", "/problem iam")


def test_dutch_ikben_and_the_dutch_lines(chat_nl: Chat) -> None:
    chat = chat_nl
    chat.say("alice", "/probleem start jongeren op het plein")
    assert chat.say("bob", "/probleem ikben politie").public == ["Bob spreekt voor politie."]
    chat.say("carol", "/probleem ikben woningcorporatie")
    for _ in range(3):
        chat.say("alice", "/probleem volgende")
    chat.say("bob", "De politie ziet dezelfde twintig jongeren elk weekend terug op het plein.")
    status = chat.say("alice", "/probleem status")
    assert "Gehoord: politie." in status
    assert "Nog niet: woningcorporatie (Carol), Alice." in status
    assert "Deze vraag, in woorden: politie 100% (1 ber., 12 woorden)." in status


def test_agreement_posts_the_card_with_disciplines_and_concerns(chat: Chat) -> None:
    chat.say("alice", "/problem start kids on the square")
    chat.say("bob", "/problem iam police")
    chat.say("carol", "/problem iam housing")
    chat.say("bob", "Kids gather on the square every night and the neighbours feel unsafe.")
    for _ in range(6):
        chat.say("alice", "/problem next")
    chat.say("alice", "/problem vote")
    chat.say("bob", "/problem agree")
    chat.say("carol", "/problem concern we have no numbers for the weekends")
    said = chat.say("alice", "/problem agree")
    cards = [e for e in said.effects if isinstance(e, PostCard)]
    assert len(cards) == 1
    card = cards[0].card
    assert "neighbours feel unsafe" in card.statement
    assert "Drawn from" not in card.statement  # the card quotes the statement, not its credits
    assert card.agreement_line == "Agreed by 2 of 3: police"
    assert card.concerns == ("Concern from Carol (housing): we have no numbers for the weekends",)
    assert card.version_line.startswith("Version 1 · agreed on ")
    assert "neighbours feel unsafe" in cards[0].text  # the alt text / caption

    again = chat.say("dave", "/problem card")
    assert [e.card for e in again.effects if isinstance(e, PostCard)] == [card]


def test_no_card_before_agreement(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    assert chat.say("bob", "/problem card").private == [
        "There is no agreed statement yet: the card shows one once the team has agreed."]


def test_a_page_needs_a_served_bot_and_says_how_to_write_one(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    said = chat.say("bob", "/problem page")
    assert "voordenken page --channel console:test --out session.html" in said.private[0]
