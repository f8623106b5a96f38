"""A concern or objection needs a reason: on Slack a modal asks for it, or a note says the command."""

from __future__ import annotations

import json

from tests.slack.conftest import SlackHarness, open_vote, uid
from tests.slack.fake_slack import FakeSlack


async def test_bob_presses_object_and_a_modal_asks_for_his_reason(slack: SlackHarness, fake: FakeSlack) -> None:
    vote = await open_vote(slack)
    press = slack.action_body("bob", vote, "Object")
    status, _ = await slack.send_form({"payload": json.dumps(press)})
    assert status == 200
    await slack.settle()

    opened = (await fake.wait_for(lambda: fake.calls("views.open"), what="views.open"))[-1]
    assert opened.params["trigger_id"] == press["trigger_id"]  # the press's own, still fresh
    view = opened.params["view"]
    assert view["title"]["text"] == "Your objection"
    assert view["blocks"][0]["label"]["text"] == "Why do you object to version 1, and what should change?"
    assert (await slack.state()).open_round.votes == ()  # nothing counts before he says why
    assert not fake.calls("chat.postEphemeral")

    status, _ = await slack.submit("bob", opened, "It leaves out the parents")
    assert status == 200
    objected = await fake.posted("objects to version 1")
    assert "It leaves out the parents" in objected.content


async def test_with_an_expired_trigger_bob_is_told_the_command_instead(slack: SlackHarness, fake: FakeSlack) -> None:
    vote = await open_vote(slack)
    fake.fail("views.open", "expired_trigger_id", times=1)  # Slack was slow to hand us the press

    await slack.press("bob", vote, "Object")

    note = await fake.posted("An objection needs a reason", method="chat.postEphemeral")
    assert note.params["user"] == uid("bob")
    assert "/problem object" in note.content
    assert (await slack.state()).open_round.votes == ()


async def test_a_typed_concern_without_a_reason_gets_the_note_not_a_modal(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    await open_vote(slack)

    await slack.command("carol", "/problem concern")

    note = await fake.posted("Please say what your concern is", method="chat.postEphemeral")
    assert note.params["user"] == uid("carol")
    assert not fake.calls("views.open")
