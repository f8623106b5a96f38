"""The console adapter and the command line, driven as a person would: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def voordenken(*args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None
               ) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "VOORDENKEN_"))}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], input=stdin, capture_output=True, text=True,
                          env=environment, cwd=cwd or ROOT, timeout=120)


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"


def test_a_second_process_on_the_same_database_continues_the_session(database: str) -> None:
    first = voordenken("console", "--channel", "wijk", "--database", database, stdin=(
        "alice: /problem start nuisance in the neighbourhood\n"
        "bob: Reports get lost between the police and the youth team.\n"
    ))
    assert first.returncode == 0, first.stderr
    assert "Question 1 of 6" in first.stdout

    second = voordenken("console", "--channel", "wijk", "--database", database, stdin=(
        "carol: /problem status\n"
        "alice: /problem next\n"
    ))
    assert second.returncode == 0, second.stderr
    assert "Answered this question: 1 of 2 (bob)." in second.stdout
    assert "Question 2 of 6: Who is affected?" in second.stdout


def test_lines_without_a_name_speak_as_the_given_user(database: str) -> None:
    result = voordenken("console", "--channel", "c", "--user", "dana", "--database", database,
                        stdin="/problem start\n/problem status\n")
    assert "Session started. Facilitator: dana." in result.stdout
    assert "voordenken → dana: Phase: analysing the problem." in result.stdout


def test_the_demo_shows_the_whole_journey_in_english() -> None:
    result = voordenken("demo", "en")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for milestone in ("Question 1 of 6", "parked it (#", "Draft problem statement, version 1",
                      "objects to version 1", "We have a shared problem statement (version 2",
                      "Parked proposals, now candidate tasks", "Task 1 recorded", "prompts/demo/en.txt"):
        assert milestone in out, milestone


def test_the_demo_shows_the_whole_journey_in_dutch() -> None:
    result = voordenken("demo", "nl")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for milestone in ("Vraag 1 van 6", "geparkeerd (#", "Concept-probleemstelling, versie 1",
                      "maakt bezwaar tegen versie 1", "We hebben een gezamenlijke probleemstelling (versie 2",
                      "Geparkeerde voorstellen: mogelijke taken", "vastgelegd", "prompts/demo/nl.txt"):
        assert milestone in out, milestone


def test_export_as_json_and_markdown(database: str) -> None:
    voordenken("console", "--channel", "team", "--database", database, stdin=(
        "alice: /problem start\n"
        "bob: Reports get lost between the police and the youth team.\n"
        "bob: Who is going to call the landlord?\n"
    ))
    result = voordenken("export", "--channel", "team", "--format", "json", "--database", database)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["channel"] == "console:team" and data["phase"] == "analysis" and data["language"] == "en"
    assert data["statement"] is None
    assert data["answers"] == [
        {"step": 1, "user": "bob", "text": "Reports get lost between the police and the youth team."}
    ]
    assert data["parked"] == [{"user": "bob", "text": "Who is going to call the landlord?", "released": False,
                               "at": data["parked"][0]["at"]}]
    assert data["votes"] == [] and data["tasks"] == []

    markdown = voordenken("export", "--channel", "team", "--database", database).stdout
    assert "## Parking lot" in markdown and "- **bob**: Who is going to call the landlord?" in markdown


def test_export_of_an_unknown_channel_fails_with_a_message(database: str) -> None:
    result = voordenken("export", "--channel", "nowhere", "--database", database)
    assert result.returncode == 1
    assert "no session found for channel 'nowhere'" in result.stderr


def test_config_never_prints_secrets() -> None:
    result = voordenken("config", env={"SLACK_BOT_TOKEN": "xoxb-very-secret", "TELEGRAM_BOT_TOKEN": "123:ABC-secret",
                                       "VOORDENKEN_DATABASE_URL": "postgresql+asyncpg://bot:hunter2@db/voordenken"})
    assert result.returncode == 0, result.stderr
    assert "very-secret" not in result.stdout and "ABC-secret" not in result.stdout and "hunter2" not in result.stdout
    assert "SLACK_BOT_TOKEN=******** (set)" in result.stdout
    assert "SLACK_APP_TOKEN=(not set)" in result.stdout


def test_a_bad_setting_is_a_clear_error_and_a_non_zero_exit() -> None:
    result = voordenken("config", env={"VOORDENKEN_TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    assert "unknown time zone 'Mars/Olympus'" in result.stderr


def test_a_language_without_a_file_is_a_clear_error() -> None:
    result = voordenken("config", env={"VOORDENKEN_LANGUAGE": "fr"})
    assert result.returncode == 2
    assert "VOORDENKEN_LANGUAGE='fr' has no file fr.yaml" in result.stderr
    assert "available: en, nl" in result.stderr


def test_db_upgrade_creates_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    result = voordenken("db", "upgrade", env={"VOORDENKEN_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh.db").exists()


def test_purge_from_the_command_line_needs_a_confirmation_and_then_deletes(database: str) -> None:
    voordenken("console", "--channel", "team", "--database", database,
               stdin="alice: /problem start\nbob: The father threatened the neighbours again.\n")
    refused = voordenken("purge", "--channel", "team", "--database", database)
    assert refused.returncode == 2 and "add --yes to confirm" in refused.stderr
    done = voordenken("purge", "--channel", "team", "--yes", "--database", database)
    assert done.returncode == 0 and "purged console:team" in done.stdout
    gone = voordenken("export", "--channel", "team", "--database", database)
    assert gone.returncode == 1


def test_the_guards_corrections_are_exported_as_labelled_feedback(database: str) -> None:
    voordenken("console", "--channel", "team", "--database", database, stdin=(
        "alice: /problem start\n"
        "bob: Who is going to call the landlord?\n"
        "carol: I'll take care of the housing part\n"
        "carol: /problem notask\n"
        "dave: The GGD does the home visits in Noord.\n"
        "alice: /problem park\n"
    ))
    result = voordenken("feedback", "export", env={"VOORDENKEN_DATABASE_URL": database})
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["text"], r["task_talk"], r["lang"]) for r in lines] == [
        ("I'll take care of the housing part", False, "en"),
        ("The GGD does the home visits in Noord.", True, "en"),
    ]
    assert all(set(r["names"]) == {"alice", "bob", "carol", "dave"} for r in lines)  # no user ids


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "Slack HTTP mode needs SLACK_SIGNING_SECRET"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_URL": "https://bot.example/telegram/webhook"},
         "TELEGRAM_WEBHOOK_SECRET must be set in webhook mode"),
    ],
)
def test_run_with_an_incomplete_platform_setup_says_which_setting_is_missing(
    database: str, env: dict[str, str], expected: str
) -> None:
    result = voordenken("run", env={**env, "VOORDENKEN_DATABASE_URL": database, "VOORDENKEN_HTTP_PORT": "0"})
    assert result.returncode == 2
    assert f"voordenken: configuration error: {expected}" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_inbox_lists_waiting_events_without_their_text_and_retries_them(database: str) -> None:
    import asyncio
    from datetime import UTC, datetime, timedelta

    from bot.core.model import Sender, TextMessage
    from bot.shell.storage.database import make_engine, upgrade
    from bot.shell.storage.queues import add_to_inbox

    async def a_replica_stored_one_and_died() -> None:
        engine = make_engine(database)
        try:
            await upgrade(engine)
            event = TextMessage(event_id="slack:Ev1", channel="slack:T1:C1", sender=Sender("U1", "ann"),
                                text="the secret plan")
            async with engine.begin() as connection:
                await connection.run_sync(add_to_inbox, [event], datetime.now(UTC), timedelta(seconds=10))
        finally:
            await engine.dispose()

    asyncio.run(a_replica_stored_one_and_died())
    listed = voordenken("inbox", "list", "--database", database)
    assert listed.returncode == 0, listed.stderr
    assert "slack:Ev1" in listed.stdout and "slack:T1:C1" in listed.stdout and "0 attempt(s)" in listed.stdout
    assert "secret plan" not in listed.stdout
    retried = voordenken("inbox", "retry", "--database", database)
    assert retried.returncode == 0 and "1 waiting event(s) will be tried again" in retried.stdout


def test_run_without_a_platform_or_a_terminal_says_what_to_set(database: str) -> None:
    """A container started without tokens: a clear message and exit 2, not a console that ends at once."""
    result = voordenken("run", env={"VOORDENKEN_DATABASE_URL": database})

    assert result.returncode == 2
    assert "no chat platform is configured: set SLACK_BOT_TOKEN" in result.stderr
    assert "voordenken console < file" in result.stderr


def test_an_objection_without_a_reason_is_answered_with_the_command_to_type(database: str) -> None:
    result = voordenken("console", "--channel", "c", "--database", database, stdin=(
        "alice: /problem start kids hang around at night\n"
        "bob: Kids hang around the square at night\n"
        + "alice: /problem next\n" * 6
        + "alice: /problem vote\n"
        "bob: /problem object\n"
    ))
    assert result.returncode == 0, result.stderr
    assert "voordenken → bob: An objection needs a reason" in result.stdout
    assert "\n    > /problem object <reason>\n" in result.stdout


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_a_latin1_replay_file_is_replayed_with_replacement_characters(database: str, locale: str) -> None:
    """A conversation saved in Latin-1 / cp1252 (café as one byte 0xE9) replays; the odd byte reads as U+FFFD."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "VOORDENKEN_"))}
    environment.update(LANG=locale, LC_ALL=locale, PYTHONIOENCODING="")
    replay = ("alice: /problem start\n"
              "bob: Caf\u00e9 closes too late\n"
              "carol: Nobody answers the phone \u2013 ever\n"
              "alice: /problem status\n").encode("cp1252")
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "console", "--channel", "cafe", "--database",
                             database], input=replay, capture_output=True, env=environment, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
    out = result.stdout.decode("utf-8")
    assert "bob: Caf\ufffd closes too late" in out
    answered = next(line for line in out.splitlines() if "Answered this question: 2 of 3" in line)
    assert "bob" in answered and "carol" in answered
