"""Slack's delivery rules: retries, rate limits, threads, noise, and where the bot may speak."""

from __future__ import annotations

from sqlalchemy import text

from tests.slack.conftest import CHANNEL, TEAM, SlackHarness, uid
from tests.slack.fake_slack import BOT_ID, BOT_USER, FakeSlack

TASK_TALK = "I'll take care of the housing part, I know the landlords."


async def test_a_retried_event_never_produces_a_second_reply(slack: SlackHarness, fake: FakeSlack) -> None:
    await slack.command("alice", "/problem start")
    body = slack.message_body("carol", TASK_TALK)
    for retry in (None, "1", "2"):
        headers = {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        status, _ = await slack.send_json(body, headers=headers)
        assert status == 200
        await slack.settle()
    assert len(fake.messages("that sounds like dividing the work")) == 1
    state = await slack.state()
    assert len(state.parked) == 1


async def test_a_retried_slash_command_is_handled_once(slack: SlackHarness, fake: FakeSlack) -> None:
    body = slack.command_body("alice", "/problem start")
    for _ in range(2):
        await slack.send_form(body)
        await slack.settle()
    assert len(fake.messages("Question 1 of 6")) == 1


async def test_task_talk_is_answered_in_its_thread_and_can_be_released(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    await slack.command("alice", "/problem start")
    said = await slack.say("carol", TASK_TALK)
    reply = await fake.posted("that sounds like dividing the work")
    assert reply.params["thread_ts"] == said["event"]["ts"]  # in the message's own thread
    assert not fake.calls("chat.delete")  # users' messages are never deleted

    await slack.press("carol", reply, "Not task talk")
    state = await slack.state()
    assert all(item.released for item in state.parked)


async def test_task_talk_in_a_thread_stays_in_that_thread(slack: SlackHarness, fake: FakeSlack) -> None:
    await slack.command("alice", "/problem start")
    question = await fake.posted("Question 1 of 6")
    await slack.say("carol", TASK_TALK, thread_ts=question.ts)
    reply = await fake.posted("that sounds like dividing the work")
    assert reply.params["thread_ts"] == question.ts


async def test_private_redirects_go_only_to_the_author(slack: SlackHarness, fake: FakeSlack) -> None:
    await slack.command("alice", "/problem start")
    await slack.command("alice", "/problem redirect private")
    await slack.say("carol", TASK_TALK)
    note = await fake.posted("that sounds like dividing the work", method="chat.postEphemeral")
    assert note.params["user"] == uid("carol")
    assert not fake.messages("that sounds like dividing the work")


async def test_noise_is_ignored(slack: SlackHarness, fake: FakeSlack) -> None:
    await slack.command("alice", "/problem start")
    posts = len(fake.calls("chat.postMessage"))
    await slack.say("carol", TASK_TALK, subtype="message_changed")
    await slack.say("carol", TASK_TALK, subtype="message_deleted")
    await slack.say("carol", TASK_TALK, subtype="channel_join")
    await slack.say("carol", TASK_TALK, extra={"bot_id": BOT_ID})
    await slack.say("carol", TASK_TALK, channel_type="im", channel="D1")
    assert len(fake.calls("chat.postMessage")) == posts
    state = await slack.state()
    assert state.parked == () and state.answers == ()


async def test_rate_limits_delay_but_never_drop_or_double(slack: SlackHarness, fake: FakeSlack) -> None:
    """A 429 storm: every message arrives once, in order, after Slack's Retry-After.

    The outbox retries on its own loop (poll interval 0.5 s) once Retry-After (1 s) passed.
    """
    fake.rate_limit("chat.postMessage", times=3, retry_after=1)
    await slack.command("alice", "/problem start")
    await fake.posted("Question 1 of 6", timeout=15)
    attempts = fake.calls("chat.postMessage")
    refused = [c for c in attempts if c.result.get("error") == "ratelimited"]
    delivered = [c for c in attempts if c.result.get("ok")]
    assert len(refused) == 3
    assert [c.content.splitlines()[0] for c in delivered] == [
        "Let's think this through first",
        "Question 1 of 6: What is the problem?",
    ]
    # Each retry waited for Retry-After.
    for earlier, later in zip(refused, refused[1:] + delivered[:1], strict=True):
        assert later.at - earlier.at >= 0.9


async def test_not_invited_to_a_private_channel(slack: SlackHarness, fake: FakeSlack) -> None:
    fake.hidden.add("G1")
    status, _ = await slack.command("alice", "/problem start", channel="G1")
    assert status == 200
    answer = await fake.posted("Invite me with /invite @Voordenken", method="respond")
    assert answer.params["response_type"] == "ephemeral"
    assert await slack.state("G1") is None  # nothing started that the bot cannot speak in
    assert not fake.calls("chat.postMessage")


async def test_not_a_member_of_a_public_channel(slack: SlackHarness, fake: FakeSlack) -> None:
    fake.not_member.add("C9")
    await slack.command("alice", "/probleem start", channel="C9")
    await fake.posted("Nodig me uit met /invite @Voordenken", method="respond")
    assert await slack.state("C9") is None


async def test_commands_ask_slack_once_whether_the_bot_is_in_the_channel(slack: SlackHarness, fake: FakeSlack) -> None:
    """conversations.info allows ~50 calls a minute: a busy channel's commands must not spend one each."""
    await slack.command("alice", "/problem start")
    await slack.command("bob", "/problem status")
    await slack.command("alice", "/problem status")

    assert len(fake.calls("conversations.info")) == 1
    assert len(fake.calls("chat.postEphemeral")) == 2  # both status commands were answered


async def test_a_bot_removed_from_the_channel_says_so_at_the_next_command(slack: SlackHarness, fake: FakeSlack) -> None:
    await slack.command("alice", "/problem start")
    fake.not_member.add(CHANNEL)  # removed: Slack sends member_left_channel for the bot
    await slack.send_json({"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                           "event": {"type": "member_left_channel", "user": BOT_USER, "channel": CHANNEL,
                                     "team": TEAM},
                           "event_id": slack.next_id("Ev"), "event_time": 1800000000})

    await slack.command("alice", "/problem status")

    await fake.posted("Invite me with /invite @Voordenken", method="respond")


async def test_missing_scope_is_explained(slack: SlackHarness, fake: FakeSlack) -> None:
    fake.fail("conversations.info", "missing_scope")
    await slack.command("alice", "/problem start")
    answer = await fake.posted("reinstall the app", method="respond")
    assert "channels:read" in answer.params["text"]
    assert await slack.state() is None


async def test_direct_messages_get_a_hint(slack: SlackHarness, fake: FakeSlack) -> None:
    fake.ims.add("D1")
    await slack.command("alice", "/problem start", channel="D1")
    await fake.posted("I work in team channels", method="respond")
    assert await slack.state("D1") is None


async def test_removed_bot_fails_permanently_without_retry_storm(slack: SlackHarness, fake: FakeSlack) -> None:
    await slack.command("alice", "/problem start")
    fake.fail("chat.postMessage", "not_in_channel", channel=CHANNEL)
    await slack.command("alice", "/problem next")
    assert len([c for c in fake.calls("chat.postMessage") if c.result.get("error")]) == 1
    assert slack.app is not None
    assert await slack.app.service.deliver_pending() == 0  # failed for good, not pending


async def test_slash_command_in_dutch_starts_a_dutch_session(slack: SlackHarness, fake: FakeSlack) -> None:
    await slack.command("alice", "/probleem start")
    await fake.posted("Vraag 1 van 6")
    state = await slack.state()
    assert state.language == "nl"


async def test_workspace_admins_may_steer_like_the_facilitator(slack: SlackHarness, fake: FakeSlack) -> None:
    fake.admins.add(uid("dana"))
    await slack.command("alice", "/problem start")
    await slack.command("bob", "/problem next")
    await fake.posted("Only the facilitator", method="chat.postEphemeral")
    await slack.command("dana", "/problem next")
    await fake.posted("Question 2 of 6")
    # Looked up once per user, then cached.
    assert [c.params["user"] for c in fake.calls("users.info")].count(uid("dana")) == 1
    await slack.command("dana", "/problem next")
    assert [c.params["user"] for c in fake.calls("users.info")].count(uid("dana")) == 1


async def test_a_message_is_stored_before_slack_gets_its_200(slack: SlackHarness) -> None:
    """A replica killed right after answering Slack must not lose the message: Slack never retries a 200."""
    from sqlalchemy import select, union

    from bot.shell.storage.tables import inbox, processed_events

    await slack.command("alice", "/problem start")
    body = slack.message_body("bob", "Reports get lost between the teams.")
    status, _ = await slack.send_json(body)
    assert status == 200
    assert slack.app is not None
    # No settling: the moment Slack has its 200 the message is in the database (waiting in the
    # inbox, or already processed), so a replica killed now loses nothing.
    stored = union(select(inbox.c.event_id), select(processed_events.c.event_id))
    async with slack.app.engine.connect() as connection:
        assert f"slack:msg:T1:C1:{body['event']['ts']}" in set((await connection.execute(stored)).scalars())
    await slack.settle()
    state = await slack.state()
    assert [a.text for a in state.answers] == ["Reports get lost between the teams."]


async def storage_fails(slack: SlackHarness, failing: bool) -> None:
    """The database starts (or stops) refusing to store what the bot accepts: in the inbox, or
    handled at once (every handled event is recorded in processed_events)."""
    assert slack.app is not None
    async with slack.app.engine.begin() as connection:
        for table in ("inbox", "processed_events"):
            statement = (f"CREATE TRIGGER broken_{table} BEFORE INSERT ON {table} "
                         "BEGIN SELECT RAISE(FAIL, 'disk trouble'); END" if failing else f"DROP TRIGGER broken_{table}")
            await connection.execute(text(statement))


async def test_a_message_that_cannot_be_stored_is_refused_so_slack_delivers_it_again(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    await slack.command("alice", "/problem start")
    await storage_fails(slack, True)
    body = slack.message_body("carol", TASK_TALK)
    status, _ = await slack.send_json(body)
    assert status == 503
    await storage_fails(slack, False)  # the database recovers; Slack retries
    status, _ = await slack.send_json(body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    assert status == 200
    await slack.settle()
    state = await slack.state()
    assert len(state.parked) == 1 and len(fake.messages("that sounds like dividing the work")) == 1


async def test_a_command_that_cannot_be_stored_gets_an_error_so_the_person_tries_again(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    await storage_fails(slack, True)
    status, _ = await slack.send_form(slack.command_body("alice", "/problem start"))
    assert status == 503  # Slack shows the person an error instead of silently dropping it
    await slack.settle()
    assert fake.messages("Question 1 of 6") == []
    await storage_fails(slack, False)
    status, _ = await slack.send_form(slack.command_body("alice", "/problem start"))
    assert status == 200
    await slack.settle()
    assert len(fake.messages("Question 1 of 6")) == 1


async def test_a_button_press_that_cannot_be_stored_gets_an_error_and_counts_once_when_pressed_again(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    await slack.command("alice", "/problem start")
    question = await fake.posted("Question 1 of 6")
    await storage_fails(slack, True)
    status, _ = await slack.press("alice", question, "Next question")
    assert status == 503  # Slack shows alice an error; nothing moved
    assert fake.messages("Question 2 of 6") == []
    await storage_fails(slack, False)
    status, _ = await slack.press("alice", question, "Next question")
    assert status == 200
    await fake.posted("Question 2 of 6")
    assert len(fake.messages("Question 2 of 6")) == 1


async def test_a_long_export_arrives_whole_over_several_messages_even_when_one_fails(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    """60 long answers used to end after 49 of them in "…"; now the export is split, and a part that
    fails is retried without sending the parts before it again."""
    await slack.command("alice", "/problem start")
    answers = [f"Answer {n:02d}: " + "the square is busy at night and nobody talks to the kids " * 43
               for n in range(60)]
    for answer in answers:
        await slack.say("bob", answer)
    fake.fail_nth("chat.postEphemeral", 3, status=500)  # the third part meets a Slack hiccup

    await slack.command("alice", "/problem export")

    parts = [c for c in fake.calls("chat.postEphemeral") if c.result.get("ok")]
    assert len(fake.calls("chat.postEphemeral")) == len(parts) + 1  # the one refused was sent once more
    assert len(parts) > 1 and all(p.params["user"] == uid("alice") for p in parts)
    for part in parts:
        assert len(part.blocks) <= 50
        assert sum(len(b.get("text", {}).get("text", "")) for b in part.blocks) <= 12_000
    export = "\n".join(b["text"]["text"] for p in parts for b in p.blocks if "text" in b)
    found = [export.find(answer[:20]) for answer in answers]
    assert all(export.count(answer[:20]) == 1 for answer in answers)  # each once …
    assert found == sorted(found)  # … in order
    assert "…" not in export


async def test_repeated_task_talk_gets_a_parking_reaction_instead_of_the_redirect_again(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    await slack.command("alice", "/problem start")
    await slack.say("carol", TASK_TALK)
    await fake.posted("that sounds like dividing the work")
    said = await slack.say("carol", "I'll take the schools as well.")
    await slack.settle()
    assert fake.reactions() == [(CHANNEL, said["event"]["ts"], "parking")]
    assert len(fake.messages("that sounds like dividing the work")) == 1 and not fake.messages("Parked this one too")


async def test_without_the_reactions_scope_the_light_touch_is_one_short_line_in_the_thread(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    fake.fail("reactions.add", "missing_scope")  # installed before the app asked for reactions:write
    await slack.command("alice", "/problem start")
    await slack.say("carol", TASK_TALK)
    said = await slack.say("carol", "I'll take the schools as well.")
    line = await fake.posted("Parked this one too (#2).")
    assert line.params["thread_ts"] == said["event"]["ts"]
