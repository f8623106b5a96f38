"""Only members of a channel answer, vote or park/release in that channel's session.

Threat: someone who can see a channel without being in it (a public Slack channel they
previewed, a public Telegram supergroup they never joined) presses its buttons or submits
its reason dialog, and so votes in a team they are not part of. Every such interaction is
refused, changes nothing, and the person is told why. When the platform cannot say who is
in the channel, the interaction is refused too (fail closed), never let through.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.slack.conftest import CHANNEL, SlackHarness, uid
from tests.slack.conftest import open_vote as slack_vote
from tests.slack.fake_slack import BOT_USER, TEAM, Call, FakeSlack
from tests.telegram.conftest import GROUP, PEOPLE, Group, RunningBot, running
from tests.telegram.fake_telegram import FakeTelegram

TEAM_C1 = [BOT_USER, uid("alice"), uid("bob"), uid("carol")]  # mallory can see C1 but is not in it
ONLY_MEMBERS = "Only members of this channel can take part"
TRY_AGAIN = "Please try again in a moment"


# ----------------------------------------------------------------------------- Slack


@pytest.fixture
def slack_api() -> Iterator[FakeSlack]:
    server = FakeSlack()
    server.members[CHANNEL] = list(TEAM_C1)
    with server:
        yield server


def told(fake: FakeSlack, text: str) -> list[Call]:
    """Ephemeral answers through an interaction's response_url that leave the message alone."""
    return [c for c in fake.calls("respond") if text in str(c.params.get("text"))
            and c.params.get("response_type") == "ephemeral" and c.params.get("replace_original") is False]


async def member_event(slack: SlackHarness, kind: str, user: str, channel: str = CHANNEL) -> None:
    body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
            "event": {"type": kind, "user": uid(user), "channel": channel, "channel_type": "C", "team": TEAM,
                      "event_ts": f"{time.time():.6f}"},
            "event_id": slack.next_id("Ev"), "event_time": int(time.time())}
    status, _ = await slack.send_json(body)
    assert status == 200
    await slack.settle()


async def test_slack_a_non_members_vote_is_refused_changes_nothing_and_they_are_told(slack: SlackHarness) -> None:
    vote = await slack_vote(slack)
    before = await slack.state()
    for label in ("Agree", "Concern", "Object"):
        status, _ = await slack.press("mallory", vote, label)
        assert status == 200
    assert await slack.state() == before
    assert len(told(slack.fake, ONLY_MEMBERS)) == 3
    assert not slack.fake.calls("views.open")  # not even asked for a reason
    assert not [c for c in slack.fake.calls("chat.update") if "1 of 3 have voted" in c.content]
    # A member's press right after counts, and only theirs.
    await slack.press("bob", vote, "Agree")
    await slack.fake.posted("1 of 3 have voted", method="chat.update")
    state = await slack.state()
    assert [v.user for v in state.open_round.votes] == [uid("bob")]


async def test_slack_a_non_members_reason_modal_submission_is_refused(slack: SlackHarness) -> None:
    vote = await slack_vote(slack)
    await slack.press("carol", vote, "Concern")
    opened = (await slack.fake.wait_for(lambda: slack.fake.calls("views.open"), what="views.open"))[-1]
    before = await slack.state()
    # Mallory submits the dialog opened for carol (same signed-view shape, her user id).
    status, body = await slack.submit("mallory", opened, "I object on behalf of nobody")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and ONLY_MEMBERS in answer["errors"]["reason"]
    # Carol leaves the channel before submitting: her dialog is refused as well.
    slack.fake.members[CHANNEL].remove(uid("carol"))
    await member_event(slack, "member_left_channel", "carol")
    status, body = await slack.submit("carol", opened, "We have no numbers yet")
    assert ONLY_MEMBERS in json.loads(body)["errors"]["reason"]
    assert await slack.state() == before


async def test_slack_after_member_joined_channel_the_same_person_can_vote(slack: SlackHarness) -> None:
    vote = await slack_vote(slack)
    await slack.press("mallory", vote, "Agree")
    assert len(told(slack.fake, ONLY_MEMBERS)) == 1
    # She joins. Until Slack says so the list is cached; the member_joined_channel event drops it.
    slack.fake.members[CHANNEL].append(uid("mallory"))
    await member_event(slack, "member_joined_channel", "mallory")
    reads = len(slack.fake.calls("conversations.members"))
    await slack.press("mallory", vote, "Agree")
    await slack.fake.posted("1 of", method="chat.update")
    assert len(told(slack.fake, ONLY_MEMBERS)) == 1
    assert len(slack.fake.calls("conversations.members")) == reads + 1  # read afresh, once
    state = await slack.state()
    assert [v.user for v in state.open_round.votes] == [uid("mallory")]


async def test_slack_membership_lists_over_several_pages_are_read_completely(slack: SlackHarness) -> None:
    # 2,345 colleagues first, the team last: the voters are only on the third page.
    slack.fake.members[CHANNEL] = [f"UFILL{n:05d}" for n in range(2345)] + TEAM_C1
    vote = await slack_vote(slack)
    pages = slack.fake.calls("conversations.members")
    assert [c.params.get("cursor") for c in pages] == [None, "page:1000", "page:2000"]
    assert all(int(c.params["limit"]) == 1000 and len(c.result["members"]) <= 1000 for c in pages)
    await slack.press("bob", vote, "Agree")
    await slack.press("carol", vote, "Agree")
    await slack.fake.posted("2 of 3 have voted", method="chat.update")
    assert len(slack.fake.calls("conversations.members")) == 3  # cached: no re-read per press
    assert not told(slack.fake, ONLY_MEMBERS)


@pytest.mark.parametrize("failure", ["ratelimited", "missing_scope"])
async def test_slack_a_failing_members_call_does_not_let_the_vote_through(
    slack: SlackHarness, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    vote = await slack_vote(slack)
    slack.fake.members[CHANNEL].append(uid("dana"))  # a member the bot has not seen yet...
    await member_event(slack, "member_joined_channel", "dana")
    if failure == "ratelimited":  # ...when Slack cannot answer who is in the channel
        slack.fake.rate_limit("conversations.members", 1, retry_after=30)
    else:
        slack.fake.fail("conversations.members", failure, times=1)
    before = await slack.state()
    with caplog.at_level(logging.INFO, logger="adapters.slack"):
        await slack.press("dana", vote, "Object")
    assert await slack.state() == before
    assert not slack.fake.calls("views.open")
    assert len(told(slack.fake, TRY_AGAIN)) == 1
    assert any(failure in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)
    # The failure is not remembered: once Slack answers, the same press goes through.
    await slack.press("dana", vote, "Agree")
    await slack.fake.posted("1 of", method="chat.update")


# ----------------------------------------------------------------------------- Telegram

DIRK = PEOPLE["dirk"]["id"]  # reads the public group without having joined it


async def telegram_vote(group: Group, fake: FakeTelegram) -> dict[str, Any]:
    await group.say("anna", "/problem start youth and debts")
    await fake.sent("Question 1 of 6", chat_id=group.chat_id)
    await group.say("anna", "Young people build up debts with phone contracts.")
    await group.say("bram", "At the station we see youngsters selling their phones.")
    await group.say("carla", "It often starts with rent arrears.")
    for _ in range(6):
        await group.say("anna", "/problem next")
    await fake.sent("Draft problem statement, version 1", chat_id=group.chat_id)
    await group.say("anna", "/problem vote")
    vote: dict[str, Any] = await fake.sent("Agreement round on version 1", chat_id=group.chat_id)
    return vote


def membership_checks(fake: FakeTelegram, user: int) -> list[Any]:
    """getChatMember calls about ``user`` (every member who writes is checked too)."""
    return [c for c in fake.calls("getChatMember") if int(c.params["user_id"]) == user]


def alerts(fake: FakeTelegram, text: str) -> list[Any]:
    return [c for c in fake.calls("answerCallbackQuery")
            if text in str(c.params.get("text")) and c.params.get("show_alert") is True]


async def status(bot: RunningBot, group: Group) -> str:
    count = len([c for c in bot.fake.calls("sendMessage") if "Phase:" in str(c.params.get("text"))])
    await group.say("anna", "/problem status")
    said: dict[str, Any] = await bot.fake.sent("Phase:", count=count + 1)
    return str(said["text"])


@pytest.mark.parametrize("how", ["left", "kicked", "restricted"])
async def test_telegram_a_non_members_callback_is_refused_changes_nothing_and_they_are_told(
    telegram_api: FakeTelegram, tmp_path: Path, how: str
) -> None:
    telegram_api.member_status[(GROUP, DIRK)] = how
    telegram_api.restricted_is_member = False  # restricted, and no longer in the group
    async with running(telegram_api, tmp_path) as bot:
        group = bot.group()
        vote = await telegram_vote(group, telegram_api)
        before = await status(bot, group)
        for label in ("Agree", "Concern", "Object"):
            await group.press("dirk", vote, label)
        assert len(alerts(telegram_api, "Only members of this group can take part")) == 3
        assert not any("reply to this message with your" in t for t in telegram_api.texts())  # no reason prompt
        assert not any("have voted" in t and "1 of" in t for t in telegram_api.texts())
        assert await status(bot, group) == before
        assert len(membership_checks(telegram_api, DIRK)) == 1  # cached per (chat, user)
        await group.press("bram", vote, "Agree")
        await telegram_api.sent("1 of 3 have voted", method="editMessageText")


async def test_telegram_members_restricted_or_admin_may_vote(telegram_api: FakeTelegram, tmp_path: Path) -> None:
    telegram_api.member_status[(GROUP, PEOPLE["bram"]["id"])] = "restricted"  # still in the group
    telegram_api.member_status[(GROUP, PEOPLE["carla"]["id"])] = "creator"
    async with running(telegram_api, tmp_path) as bot:
        group = bot.group()
        vote = await telegram_vote(group, telegram_api)
        await group.press("bram", vote, "Agree")
        await group.press("carla", vote, "Agree")
        await telegram_api.sent("2 of 3 have voted", method="editMessageText")
        assert not alerts(telegram_api, "Only members")


async def test_telegram_after_joining_the_group_the_same_person_can_vote(
    telegram_api: FakeTelegram, tmp_path: Path
) -> None:
    telegram_api.member_status[(GROUP, DIRK)] = "left"
    async with running(telegram_api, tmp_path) as bot:
        group = bot.group()
        vote = await telegram_vote(group, telegram_api)
        await group.press("dirk", vote, "Agree")
        assert len(alerts(telegram_api, "Only members")) == 1
        # Dirk joins; Telegram tells the group (a service message), which drops the cached answer.
        del telegram_api.member_status[(GROUP, DIRK)]
        await bot.deliver(group.update(message={
            "message_id": telegram_api.next_message_id(), "date": 1764320000,
            "chat": {"id": GROUP, "type": "supergroup", "title": "Wijkteam Noord"},
            "from": PEOPLE["dirk"], "new_chat_members": [PEOPLE["dirk"]]}))
        await group.press("dirk", vote, "Agree")
        await telegram_api.sent("have voted", method="editMessageText")
        assert len(alerts(telegram_api, "Only members")) == 1
        assert len(membership_checks(telegram_api, DIRK)) == 2


async def test_telegram_a_failing_get_chat_member_does_not_let_the_vote_through(
    telegram_api: FakeTelegram, tmp_path: Path
) -> None:
    async with running(telegram_api, tmp_path) as bot:
        group = bot.group()
        vote = await telegram_vote(group, telegram_api)
        before = await status(bot, group)
        telegram_api.fail("getChatMember", times=1, error_code=429, retry_after=30)
        await group.press("dirk", vote, "Object")  # a member whose membership is not cached yet
        assert len(alerts(telegram_api, "Please try again in a moment")) == 1
        assert not any("reply to this message with your" in t for t in telegram_api.texts())
        assert await status(bot, group) == before
        # Not remembered: once Telegram answers, the same press goes through.
        await group.press("dirk", vote, "Agree")
        await telegram_api.sent("have voted", method="editMessageText")


async def test_telegram_someone_telegram_does_not_know_in_the_group_is_not_a_member(
    telegram_api: FakeTelegram, tmp_path: Path
) -> None:
    async with running(telegram_api, tmp_path) as bot:
        group = bot.group()
        vote = await telegram_vote(group, telegram_api)
        telegram_api.fail("getChatMember", times=1, error_code=400, description="Bad Request: user not found")
        await group.press("dirk", vote, "Agree")
        assert len(alerts(telegram_api, "Only members of this group can take part")) == 1
        assert not any("have voted" in t and "1 of" in t for t in telegram_api.texts())
