"""Editing the draft like a document: the Edit button, an edit coming back, what changed."""

from __future__ import annotations

from dataclasses import replace

from adapters.console.render import changes_text
from bot.core.model import AskDraft, ButtonAction, ChangeKind, MessageKind, Phase, Post
from bot.core.wordiff import word_diff
from tests.engine.chat import Chat, Said

V2 = "Young people in Noord run up debts that nobody sees in time."


def to_drafting(chat: Chat, command: str = "/problem") -> None:
    chat.say("alice", f"{command} start")
    chat.say("bob", "Young people in Noord run up debts.")
    chat.say("carol", "Nobody sees it in time.")
    for _ in range(6):
        chat.say("alice", f"{command} next")


def draft_post(said: Said) -> Post:
    return next(e for e in said.effects if isinstance(e, Post) and e.kind is MessageKind.DRAFT)


def test_the_draft_message_has_an_edit_button_that_offers_the_current_text(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", "Young people in Noord run up debts.")
    for _ in range(5):
        chat.say("alice", "/problem next")
    composed = chat.say("alice", "/problem next")
    assert chat.buttons(composed)["Edit draft"] == (ButtonAction.DRAFT, "1")

    said = chat.press("bob", ButtonAction.DRAFT, "1")
    asked = next(e for e in said.effects if isinstance(e, AskDraft))
    assert asked.user == "bob" and asked.version == 1
    assert asked.draft == chat.state.current_draft.text  # type: ignore[union-attr]
    assert asked.title == "Draft problem statement, version 1"
    assert "Current draft (version 1)" in asked.text
    assert "send the whole new text: /problem draft <text>" in asked.text


def test_an_edit_coming_back_is_version_2_with_what_changed(chat: Chat) -> None:
    to_drafting(chat)
    chat.say("alice", f"/problem draft {V2}")

    said = chat.press("bob", ButtonAction.DRAFT, "2", text=V2.replace("nobody sees in time", "nobody notices early"))

    post = draft_post(said)
    assert post.title == "Draft problem statement, version 3"
    assert "Bob proposes version 3" in post.text
    assert post.changes is not None
    assert changes_text(post.changes) == (
        "What changed since version 2:\n… debts that nobody [-sees in time.-] {+notices early.+}"
    )
    assert chat.buttons(said)["Edit draft"] == (ButtonAction.DRAFT, "3")


def test_an_edit_of_an_old_version_is_refused_and_the_text_given_back(chat: Chat) -> None:
    to_drafting(chat)
    chat.say("carol", f"/problem draft {V2}")  # while bob was editing version 1

    said = chat.press("bob", ButtonAction.DRAFT, "1", text="My careful rewrite of version one.")

    assert said.private == [
        "While you were editing, the draft moved on to version 2, so your edit of version 1 was not saved. "
        "Here is your text, to copy into the current version:\n\nMy careful rewrite of version one."
    ]
    assert chat.state.current_draft.version == 2  # type: ignore[union-attr]


def test_the_same_text_again_makes_no_new_version(chat: Chat) -> None:
    to_drafting(chat)
    chat.say("alice", f"/problem draft {V2}")
    said = chat.press("bob", ButtonAction.DRAFT, "2", text=V2)
    assert said.private == ["That is the text of version 2 as it stands; nothing changed, so no new version."]
    assert len(chat.state.drafts) == 2


def test_a_big_change_is_called_a_rewrite_not_shown_word_by_word(chat: Chat) -> None:
    to_drafting(chat)
    chat.say("alice", f"/problem draft {V2}")
    said = chat.say("bob", "/problem draft Parents and schools notice the signs too late to help.")
    post = draft_post(said)
    assert post.changes is not None
    assert post.changes.label == "Version 3 rewrites version 2 almost entirely."
    assert post.changes.parts == ()


def test_a_reply_to_the_current_draft_message_is_the_next_version(chat: Chat) -> None:
    to_drafting(chat)
    said = chat.apply(replace(chat.event("carol", V2), draft_reply=1))
    assert "Carol proposes version 2" in said
    assert chat.state.current_draft.text == V2  # type: ignore[union-attr]
    assert chat.state.answers[-1].text != V2  # not taken as an answer


def test_a_reply_to_an_old_draft_message_is_an_ordinary_message(chat: Chat) -> None:
    to_drafting(chat)
    chat.say("alice", f"/problem draft {V2}")
    said = chat.apply(replace(chat.event("carol", "I like where this is going."), draft_reply=1))
    assert not said.public
    assert chat.state.current_draft.version == 2  # type: ignore[union-attr]


def test_an_edit_during_the_round_supersedes_it(chat: Chat) -> None:
    to_drafting(chat)
    chat.say("alice", "/problem vote")
    said = chat.press("bob", ButtonAction.DRAFT, "1", text=V2)
    assert "Bob proposes version 2" in said
    assert chat.state.phase is Phase.DRAFTING


def test_after_agreement_the_draft_is_shown_not_offered(chat: Chat) -> None:
    to_drafting(chat)
    chat.say("alice", "/problem vote")
    for person in ("alice", "bob", "carol"):
        chat.say(person, "/problem agree")
    said = chat.say("bob", "/problem draft")
    assert not any(isinstance(e, AskDraft) for e in said.effects)
    assert "Current draft (version 1)" in said
    assert "stale" not in said.text
    assert chat.press("bob", ButtonAction.DRAFT, "1").private == [
        "That button no longer applies. /problem status shows where we are."
    ]


def test_in_dutch(chat_nl: Chat) -> None:
    to_drafting(chat_nl, "/probleem")
    said = chat_nl.press("bob", ButtonAction.DRAFT, "1")
    asked = next(e for e in said.effects if isinstance(e, AskDraft))
    assert asked.title == "Concept-probleemstelling, versie 1"
    assert "Stuur de hele nieuwe tekst: /probleem concept <tekst>." in asked.text

    said = chat_nl.press("bob", ButtonAction.DRAFT, "1", text="Jongeren in Noord bouwen schulden op.")
    chat_nl.say("carla", "/probleem concept Jongeren in Noord bouwen ongemerkt schulden op.")
    post = draft_post(chat_nl.say("anna", "/probleem concept Jongeren in Noord bouwen ongemerkt grote schulden op."))
    assert post.changes is not None
    assert changes_text(post.changes) == (
        "Wat er veranderd is sinds versie 3:\n… Noord bouwen ongemerkt {+grote+} schulden op."
    )
    refused = chat_nl.press("bob", ButtonAction.DRAFT, "2", text="Oud.")
    assert refused.private[0].startswith("Terwijl je aan het bewerken was, kwam er al een nieuwe versie bij (versie 4)")


def test_word_diff_shows_context_gaps_and_counts() -> None:
    old = " ".join(f"w{i}" for i in range(40))
    new = old.replace("w5 ", "x5 ").replace("w30 ", "x30 ")
    diff = word_diff(old, new)
    kinds = [p.kind for p in diff.parts]
    assert kinds == [ChangeKind.GAP, ChangeKind.SAME, ChangeKind.REMOVED, ChangeKind.ADDED, ChangeKind.SAME,
                     ChangeKind.GAP, ChangeKind.SAME, ChangeKind.REMOVED, ChangeKind.ADDED, ChangeKind.SAME,
                     ChangeKind.GAP]
    assert (diff.runs, diff.shown, diff.rewritten) == (2, 2, False)
    assert word_diff("a  b\nc", "a b c").unchanged
    many = word_diff(" ".join(f"w{i} k" for i in range(20)), " ".join(f"x{i} k" for i in range(20)), max_runs=3)
    assert (many.runs, many.shown) == (20, 3)
