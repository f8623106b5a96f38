"""The whole journey in a Slack channel, from /problem start to an agreed statement."""

from __future__ import annotations

import json

from bot.core.model import Phase
from tests.slack.conftest import CHANNEL, SlackHarness, uid
from tests.slack.fake_slack import FakeSlack


async def test_from_start_to_agreement(slack: SlackHarness, fake: FakeSlack) -> None:
    status, body = await slack.command("alice", "/problem start kids hang around at night")
    assert status == 200 and body == ""  # acknowledged silently; the channel gets the session
    await fake.posted("Let's think this through first")
    question = await fake.posted("Question 1 of 6")
    assert question.channel == CHANNEL
    assert question.blocks[0]["type"] == "header"

    # Answers: a plain message, and a reply in the question's thread. No echo.
    posts_before = len(fake.calls("chat.postMessage"))
    await slack.say("bob", "Kids hang around the square at night & nobody talks to them")
    await slack.say("carol", "Neighbours call the police <every> night", thread_ts=question.ts)
    assert len(fake.calls("chat.postMessage")) == posts_before

    await slack.press("alice", question, "Next question")
    await fake.posted("Question 2 of 6")
    for number in range(2, 7):
        await slack.say("alice", f"Answer {number} from alice")
        await slack.command("alice", "/problem next")
    draft = await fake.posted("Draft problem statement, version 1")
    assert "&amp; nobody talks" in draft.content  # user text is escaped for mrkdwn
    assert "&lt;every&gt;" in draft.content

    await slack.press("alice", draft, "Open the agreement round")
    vote = await fake.posted("Agreement round on version 1")
    assert "0 of 3 have voted" in vote.content

    await slack.press("bob", vote, "Agree")
    update = await fake.posted("1 of 3 have voted", method="chat.update")
    assert update.params["ts"] == vote.ts
    note = await fake.posted("Recorded: you agree", method="chat.postEphemeral")
    assert note.params["user"] == uid("bob")

    # A concern needs a reason: a modal asks for it.
    await slack.press("carol", vote, "Concern")
    opened = (await fake.wait_for(lambda: fake.calls("views.open"), what="views.open"))[-1]
    assert opened.params["view"]["callback_id"] == "voordenken_reason"
    status, _ = await slack.submit("carol", opened, "We have no numbers on the weekend yet")
    assert status == 200
    await fake.posted("2 of 3 have voted", method="chat.update")

    await slack.press("alice", vote, "Agree")
    agreed = await fake.posted("Agreed problem statement")
    assert "We have no numbers on the weekend yet" in agreed.content
    state = await slack.state()
    assert state.phase is Phase.AGREED
    # The vote message never says who voted what: it names only those it still waits for (the
    # draft it quotes names whom it was drawn from).
    updates = ["\n".join(line for line in edit.content.splitlines() if "Drawn from the answers of" not in line)
               for edit in fake.calls("chat.update") if "have voted" in edit.content]
    assert ["UCAROL" in content for content in updates] == [True, False]  # after Bob's vote, after Carol's
    assert not any("UBOB" in content for content in updates)

    # The statement card: a PNG shared in the channel, the statement as its alt text.
    shared = await fake.wait_for(fake.shared_files, what="files.completeUploadExternal")
    assert shared[0].params["channel_id"] == CHANNEL
    asked = fake.calls("files.getUploadURLExternal")[-1]
    assert "Kids hang around the square" in asked.params["alt_txt"]
    file_id = json.loads(shared[0].params["files"])[0]["id"]
    assert fake.uploads[file_id].startswith(b"\x89PNG")
    assert "Kids hang around the square" in shared[0].params["initial_comment"]
