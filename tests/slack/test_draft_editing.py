"""Editing the draft on Slack: "Edit draft" opens a modal with the current text; sending it is the next version."""

from __future__ import annotations

import json

from tests.slack.conftest import SlackHarness, uid
from tests.slack.fake_slack import Call, FakeSlack

EDITED_END = "Neighbours call the police every night, and nobody talks to the kids."


async def to_draft(slack: SlackHarness) -> Call:
    """alice starts, bob and carol answer, alice skips to the draft (version 1)."""
    await slack.command("alice", "/problem start kids hang around at night")
    await slack.say("bob", "Kids hang around the square at night")
    await slack.say("carol", "Neighbours call the police every night")
    for _ in range(6):
        await slack.command("alice", "/problem next")
    draft: Call = await slack.fake.posted("Draft problem statement, version 1")
    return draft


def changes_of(call: Call) -> str:
    """The small print under a draft message: what changed since the last version."""
    return "\n".join(element["text"] for block in call.blocks if block["type"] == "context"
                     for element in block["elements"])


async def test_alice_edits_the_draft_in_a_modal_and_version_2_shows_what_changed(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    draft = await to_draft(slack)
    current = (await slack.state()).current_draft.text

    press = slack.action_body("alice", draft, "Edit draft")
    status, _ = await slack.send_form({"payload": json.dumps(press)})
    assert status == 200
    await slack.settle()

    opened = (await fake.wait_for(lambda: fake.calls("views.open"), what="views.open"))[-1]
    assert opened.params["trigger_id"] == press["trigger_id"]
    view = opened.params["view"]
    assert view["title"]["text"] == "Edit the draft"
    field = view["blocks"][0]
    assert field["label"]["text"].startswith("Version 1: change what you want.")
    assert field["element"]["multiline"] is True
    assert field["element"]["initial_value"] == current  # the draft as it stands, to edit

    edited = current.replace("Neighbours call the police every night.", EDITED_END)
    status, _ = await slack.submit("alice", opened, edited)
    assert status == 200

    version2 = await fake.posted("proposes version 2")
    assert "Draft problem statement, version 2" in version2.content
    assert "nobody talks to the kids" in version2.content
    assert changes_of(version2) == (  # small print under it: removed words struck, added ones bold
        "What changed since version 1:\n"
        "… the police every ~night.~ *night, and nobody talks to the kids.* Affected: (not answered …"
    )
    assert (await slack.state()).current_draft.version == 2
    version2.button("Edit draft")  # the new version can be edited again


async def test_draft_alone_opens_the_modal_too(slack: SlackHarness, fake: FakeSlack) -> None:
    await to_draft(slack)
    await slack.command("bob", "/problem draft")
    opened = (await fake.wait_for(lambda: fake.calls("views.open"), what="views.open"))[-1]
    assert opened.params["view"]["callback_id"] == "voordenken_draft"
    assert not fake.calls("chat.postEphemeral")


async def test_an_edit_of_a_version_that_moved_on_is_refused_with_the_text_given_back(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    draft = await to_draft(slack)
    await slack.press("bob", draft, "Edit draft")
    opened = (await fake.wait_for(lambda: fake.calls("views.open"), what="views.open"))[-1]
    await slack.command("carol", "/problem draft Kids have nowhere to go at night.")  # meanwhile
    await fake.posted("proposes version 2")

    await slack.submit("bob", opened, "Bob's careful version of the statement.")

    note = await fake.posted("your edit of version 1 was not saved", method="chat.postEphemeral")
    assert note.params["user"] == uid("bob")
    assert "Bob's careful version of the statement." in note.content
    assert (await slack.state()).current_draft.version == 2


async def test_an_emptied_draft_is_asked_for_on_the_modal(slack: SlackHarness, fake: FakeSlack) -> None:
    draft = await to_draft(slack)
    await slack.press("alice", draft, "Edit draft")
    opened = (await fake.wait_for(lambda: fake.calls("views.open"), what="views.open"))[-1]
    status, body = await slack.submit("alice", opened, "   ")
    assert status == 200
    assert json.loads(body)["errors"]["reason"] == "Please write the draft; an empty one cannot be proposed."


async def test_with_an_expired_trigger_the_draft_comes_as_a_note(slack: SlackHarness, fake: FakeSlack) -> None:
    draft = await to_draft(slack)
    fake.fail("views.open", "expired_trigger_id", times=1)
    await slack.press("bob", draft, "Edit draft")
    note = await fake.posted("Current draft (version 1)", method="chat.postEphemeral")
    assert "/problem draft &lt;text&gt;" in note.content  # as Slack shows it: <text>
