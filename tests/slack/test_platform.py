"""How the Slack platform runs: Socket Mode, App Home, OAuth installs, health."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.slack.conftest import CHANNEL, SlackHarness, make_settings, uid
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
async def socket_slack(fake: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackHarness]:
    settings = make_settings(fake, tmp_path, slack_app_token="xapp-test-token", slack_signing_secret=None)
    harness = SlackHarness(fake, settings)
    await harness.start()
    yield harness
    await harness.stop()


async def test_socket_mode_journey_start(socket_slack: SlackHarness, fake: FakeSlack) -> None:
    await fake.wait_for(lambda: fake.socket_connected, what="socket connection")
    opened = fake.calls("apps.connections.open")
    assert opened and opened[0].token == "xapp-test-token"

    command = socket_slack.command_body("alice", "/problem start")
    await fake.socket_send({"envelope_id": "env-1", "type": "slash_commands", "payload": command,
                            "accepts_response_payload": True})
    await fake.wait_for(lambda: fake.acked("env-1"), what="ack of env-1")
    await fake.posted("Question 1 of 6")

    # A retried Events API envelope (same event id) produces one reply only.
    message = socket_slack.message_body("carol", "I'll take care of the housing part myself.")
    for attempt in (0, 1):
        envelope_id = f"env-msg-{attempt}"
        await fake.socket_send({"envelope_id": envelope_id, "type": "events_api", "payload": message,
                                "accepts_response_payload": False, "retry_attempt": attempt,
                                "retry_reason": "timeout" if attempt else ""})
        await fake.wait_for(functools.partial(fake.acked, envelope_id), what=f"ack of {envelope_id}")
        await socket_slack.settle()
    assert len(fake.messages("that sounds like dividing the work")) == 1

    health_url = f"http://127.0.0.1:{socket_slack.port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(health_url) as response:
        health = await response.json()
    assert health["checks"]["slack"] is True
    # Socket Mode mounts no HTTP events endpoint (nothing to verify signatures for).
    status, _ = await socket_slack.send_form(socket_slack.command_body("alice", "/problem help"))
    assert status in (404, 405)


async def test_app_home_shows_running_sessions_and_what_waits(slack: SlackHarness, fake: FakeSlack) -> None:
    await slack.command("alice", "/problem start")
    await slack.say("bob", "The square is noisy at night")
    await slack.command("alice", "/problem start", channel="C2")

    async def open_home(user: str) -> dict[str, Any]:
        body = slack.message_body(user, "")
        body["event"] = {"type": "app_home_opened", "user": uid(user), "channel": "D1", "tab": "home",
                         "event_ts": "1800000000.1"}
        await slack.send_json(body)
        await slack.settle()
        published = [c for c in fake.calls("views.publish") if c.params["user_id"] == uid(user)]
        assert published, f"no App Home published for {user}"
        return published[-1].params["view"]

    bob = await open_home("bob")
    text = "\n".join(b["text"]["text"] for b in bob["blocks"])
    assert bob["type"] == "home"
    assert f"<#{CHANNEL}>" in text and "<#C2>" not in text  # only sessions bob takes part in
    assert "Question 1 of 6: What is the problem?" in text

    alice = await open_home("alice")
    text = "\n".join(b["text"]["text"] for b in alice["blocks"])
    assert f"<#{CHANNEL}>" in text and "<#C2>" in text

    dave = await open_home("dave")
    assert "no running session" in "\n".join(b["text"]["text"] for b in dave["blocks"])


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_oauth_install_then_work_in_the_new_workspace(fake: FakeSlack, tmp_path: Path) -> None:
    settings = make_settings(fake, tmp_path, slack_bot_token=None, slack_client_id="111.222",
                             slack_client_secret="client-secret",
                             secret_key="0Ar9Ky8mG6r2dS6gRrWv3Y4h8kqvHgqUoE1cQO0oQ1c=")
    slack = SlackHarness(fake, settings)
    await slack.start()
    try:
        base = f"http://127.0.0.1:{slack.port}"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/slack/install") as response:
                assert response.status == 200
                page = await response.text()
                # The state cookie is Secure (https only); a browser would send it back.
                cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in response.cookies.items())
            state = re.search(r"state=([\w-]+)", page)
            assert state is not None, page
            async with session.get(f"{base}/slack/oauth_redirect", headers={"Cookie": cookies},
                                   params={"code": "the-code", "state": state.group(1)}) as response:
                assert response.status == 200, await response.text()
        assert fake.calls("oauth.v2.access")

        body = slack.command_body("alice", "/problem start")
        body["team_id"] = "T2"
        await slack.send_form(body)
        await slack.settle()
        posted = await fake.posted("Question 1 of 6")
        assert posted.token == "xoxb-installed"  # the token stored for that workspace
        assert (await slack.app.service.get_state(f"slack:T2:{CHANNEL}")) is not None  # type: ignore[union-attr]
    finally:
        await slack.stop()


def test_manifest_matches_the_app() -> None:
    """The manifest asks for what the code uses: its commands, events and OAuth scopes."""
    import yaml

    from adapters.slack.app import EVENTS_PATH, SCOPES

    manifest = yaml.safe_load((Path(__file__).parents[2] / "deploy" / "slack-manifest.yaml").read_text())
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/problem", "/probleem"}
    assert all(c["url"].endswith(EVENTS_PATH) for c in commands.values())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(SCOPES)
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"message.channels", "message.groups",
                                                                  "app_home_opened", "member_joined_channel",
                                                                  "member_left_channel"}
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_http_mode_without_a_signing_secret_is_refused_at_start(fake: FakeSlack, tmp_path: Path) -> None:
    from typing import cast

    from adapters.slack import SlackConfigError
    from bot.app.bootstrap import App
    from bot.app.platforms import build_slack

    settings = make_settings(fake, tmp_path, slack_signing_secret=None)
    with pytest.raises(SlackConfigError, match="SLACK_SIGNING_SECRET"):
        build_slack(settings, cast(App, None))


def test_a_token_in_the_environment_starts_without_warnings(
    fake: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The usual production set-up (SLACK_BOT_TOKEN in the environment) logs no warning at start."""
    from typing import cast

    from adapters.slack import SlackPlatform
    from bot.app.platforms import slack_config
    from bot.core.ports import ChannelPort
    from bot.shell.prompts import load_script

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    SlackPlatform(slack_config(make_settings(fake, tmp_path)), cast(ChannelPort, None), load_script())

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
