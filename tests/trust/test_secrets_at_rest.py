"""Secrets at rest: OAuth tokens are encrypted in the database, keys rotate, no key no start.

Threat: someone with a database dump or backup (not the environment) takes over the
Slack workspaces the bot is installed in.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
from sqlalchemy import text

from bot.app.bootstrap import App
from bot.app.cli import main, secrets_command
from bot.app.settings import Settings
from bot.shell.secrets import SecretBox, SecretKeyError, new_key
from tests.slack.conftest import CHANNEL, SlackHarness, make_settings
from tests.slack.fake_slack import FakeSlack

INSTALLED_TOKEN = "xoxb-installed"  # what the fake's oauth.v2.access hands out
OLD_KEY, NEW_KEY = new_key(), new_key()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID",
                 "SLACK_CLIENT_SECRET", "SLACK_API_URL", "TELEGRAM_BOT_TOKEN", "VOORDENKEN_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The CLI configures logging; later tests must not inherit its handlers or SDK logger levels."""
    from bot.shell import logs

    with logs.restored():
        yield


def oauth_settings(fake: FakeSlack, tmp_path: Path, key: str) -> Settings:
    return make_settings(fake, tmp_path, slack_bot_token=None, slack_client_id="111.222",
                         slack_client_secret="client-secret", secret_key=key)


async def install(slack: SlackHarness) -> None:
    """Walk Slack's OAuth flow: install page, then the redirect with the code."""
    base = f"http://127.0.0.1:{slack.port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/slack/install") as response:
            page = await response.text()
            cookies = "; ".join(f"{name}={morsel.value}" for name, morsel in response.cookies.items())
        state = re.search(r"state=([\w-]+)", page)
        assert state is not None
        async with session.get(f"{base}/slack/oauth_redirect", headers={"Cookie": cookies},
                               params={"code": "the-code", "state": state.group(1)}) as response:
            assert response.status == 200, await response.text()


async def raw_rows(slack: SlackHarness) -> str:
    """Every value of the installation tables, as a database dump would show them."""
    app = cast(App, slack.app)
    dump: list[str] = []
    async with app.engine.connect() as connection:
        for table in ("slack_installations", "slack_bots"):
            rows = (await connection.execute(text(f'SELECT * FROM "{table}"'))).all()
            dump.extend(str(value) for row in rows for value in row)
    return "\n".join(dump)


async def start_in_new_workspace(slack: SlackHarness, fake: FakeSlack) -> None:
    body = slack.command_body("alice", "/problem start")
    body["team_id"] = "T2"
    await slack.send_form(body)
    await slack.settle()
    posted = await fake.posted("Question 1 of 6")
    assert posted.token == INSTALLED_TOKEN  # the bot authorised with the decrypted token


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_a_database_dump_does_not_contain_oauth_tokens_yet_the_bot_still_works(
    slack_api: FakeSlack, tmp_path: Path
) -> None:
    slack = SlackHarness(slack_api, oauth_settings(slack_api, tmp_path, OLD_KEY))
    await slack.start()
    try:
        await install(slack)
        dump = await raw_rows(slack)
        assert "T2" in dump  # the installation is there...
        assert INSTALLED_TOKEN not in dump  # ...but its token is not readable
        assert "enc1:" in dump
        await start_in_new_workspace(slack, slack_api)
        assert await slack.app.service.get_state(f"slack:T2:{CHANNEL}") is not None  # type: ignore[union-attr]
    finally:
        await slack.stop()


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_after_key_rotation_the_old_key_can_be_removed(slack_api: FakeSlack, tmp_path: Path) -> None:
    slack = SlackHarness(slack_api, oauth_settings(slack_api, tmp_path, OLD_KEY))
    await slack.start()
    try:
        await install(slack)
        before = await raw_rows(slack)
    finally:
        await slack.stop()

    # 1. the new key first, the old one still listed; 2. rotate.
    both = oauth_settings(slack_api, tmp_path, f"{NEW_KEY},{OLD_KEY}")
    out = io.StringIO()
    assert await secrets_command(both, "rotate", out) == 0
    assert "2 stored row(s)" in out.getvalue()

    # 3. the old key removed: the bot still finds and uses the token.
    slack = SlackHarness(slack_api, oauth_settings(slack_api, tmp_path, NEW_KEY))
    await slack.start()
    try:
        after = await raw_rows(slack)
        assert after != before and INSTALLED_TOKEN not in after
        sealed = re.findall(r"enc1:\S+", after)
        assert sealed
        with pytest.raises(SecretKeyError):  # the old key alone can no longer read them
            SecretBox([OLD_KEY]).open(sealed[0])
        await start_in_new_workspace(slack, slack_api)
    finally:
        await slack.stop()


def test_oauth_without_a_secret_key_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret-value")
    monkeypatch.setenv("VOORDENKEN_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "configuration error" in err and "VOORDENKEN_SECRET_KEY" in err
    assert "client-secret-value" not in err
    assert not (tmp_path / "x.db").exists()  # nothing was started, nothing stored


def test_settings_copied_without_validation_still_cannot_store_plain_tokens(
    slack_api: FakeSlack, tmp_path: Path
) -> None:
    from adapters.slack import SlackConfigError
    from bot.app.platforms import build_slack

    settings = oauth_settings(slack_api, tmp_path, OLD_KEY).model_copy(update={"secret_key": None})
    with pytest.raises(SlackConfigError, match="VOORDENKEN_SECRET_KEY"):
        build_slack(settings, cast(App, None))


def test_a_malformed_key_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOORDENKEN_SECRET_KEY", f"{NEW_KEY},not-a-valid-key-SECRETISH")
    assert main(["config"]) == 2
    err = capsys.readouterr().err
    assert "key 2 is not a Fernet key" in err
    assert "SECRETISH" not in err and NEW_KEY not in err


def test_voordenken_config_never_shows_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOORDENKEN_SECRET_KEY", NEW_KEY)
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "VOORDENKEN_SECRET_KEY=******** (set)" in out and NEW_KEY not in out


def test_sealing_is_idempotent_and_legacy_plain_values_are_encrypted_by_rotation() -> None:
    box = SecretBox([NEW_KEY, OLD_KEY])
    sealed = box.seal("xoxb-1")
    assert sealed is not None and box.seal(sealed) == sealed and box.open(sealed) == "xoxb-1"
    legacy: Any = "xoxb-written-before-encryption"
    assert box.open(legacy) == legacy  # still usable until rotated
    rotated = box.reseal(legacy)
    assert rotated is not None and rotated.startswith("enc1:") and box.open(rotated) == legacy
    assert SecretBox([NEW_KEY]).open(box.reseal(SecretBox([OLD_KEY]).seal("t"))) == "t"
