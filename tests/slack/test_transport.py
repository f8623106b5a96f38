"""SlackTransport on its own, against the fake Web API: what each outbound message becomes."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.transport import SlackTransport
from bot.core.model import Edit, Notify, Post, Reply
from bot.core.ports import DeliveryError, PermanentDeliveryError, RateLimited
from bot.shell.prompts import load_script
from tests.slack.fake_slack import FakeSlack

KEY = "slack:T1:C1"


class OneWorkspace:
    async def bot_token(self, team: str) -> str | None:
        return "xoxb-t" if team == "T1" else None


def transport(fake: FakeSlack) -> SlackTransport:
    return SlackTransport(AsyncWebClient(base_url=fake.api_url), OneWorkspace(), load_script())


async def test_each_message_kind(fake: FakeSlack) -> None:
    slack = transport(fake)
    ts = await slack.deliver(KEY, Post(text="hello", title="Hi", key="k"), None)
    assert ts and fake.calls("chat.postMessage")[-1].params["channel"] == "C1"
    assert fake.calls("chat.postMessage")[-1].token == "xoxb-t"
    await slack.deliver(KEY, Reply(text="in thread", message_id="2.0", thread_id=None), None)
    assert fake.calls("chat.postMessage")[-1].params["thread_ts"] == "2.0"
    await slack.deliver(KEY, Reply(text="in thread", message_id="2.5", thread_id="1.0"), None)
    assert fake.calls("chat.postMessage")[-1].params["thread_ts"] == "1.0"
    assert await slack.deliver(KEY, Edit(key="k", text="changed"), ts) == ts
    assert fake.calls("chat.update")[-1].params["ts"] == ts
    note = await slack.deliver(KEY, Notify(user="U1", text="psst"), None)
    assert note and fake.calls("chat.postEphemeral")[-1].params["user"] == "U1"


async def test_edit_of_a_vanished_message_posts_it_anew(fake: FakeSlack) -> None:
    fake.fail("chat.update", "message_not_found", times=1)
    new_ts = await transport(fake).deliver(KEY, Edit(key="k", text="count"), "9.9")
    assert new_ts is not None and new_ts != "9.9"
    assert fake.messages("count")


async def test_ephemeral_to_someone_outside_falls_back_to_their_thread(fake: FakeSlack) -> None:
    fake.fail("chat.postEphemeral", "user_not_in_channel")
    slack = transport(fake)
    await slack.deliver(KEY, Notify(user="U1", text="parked", message_id="3.3"), None)
    assert fake.messages("parked")[-1].params["thread_ts"] == "3.3"
    with pytest.raises(PermanentDeliveryError):
        await slack.deliver(KEY, Notify(user="U1", text="your vote"), None)  # never made public


async def test_errors_are_classified(fake: FakeSlack) -> None:
    slack = transport(fake)
    fake.rate_limit("chat.postMessage", times=1, retry_after=7)
    with pytest.raises(RateLimited) as limited:
        await slack.deliver(KEY, Post(text="a"), None)
    assert limited.value.retry_after == 7
    for error in ("not_in_channel", "channel_not_found", "missing_scope", "is_archived"):
        fake.fail("chat.postMessage", error, times=1)
        with pytest.raises(PermanentDeliveryError, match=error):
            await slack.deliver(KEY, Post(text="a"), None)
    fake.fail("chat.postMessage", "internal_error", times=1)
    with pytest.raises(DeliveryError) as transient:
        await slack.deliver(KEY, Post(text="a"), None)
    assert not isinstance(transient.value, PermanentDeliveryError | RateLimited)
    with pytest.raises(PermanentDeliveryError):
        await slack.deliver("slack:T9:C1", Post(text="a"), None)  # no installation for T9
