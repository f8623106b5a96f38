"""On the console, ``/problem draft`` alone takes the lines after it, up to a ``.``, as one new version."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console import run_console
from bot.core.model import CommandIssued, InboundEvent, TextMessage
from bot.core.script import Script
from tests.console.test_console import voordenken

TO_DRAFT = (
    "alice: /problem start overlast\n"
    "bob: Reports get lost between the police and the youth team.\n"
    + "alice: /problem next\n" * 6
)


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"


def test_a_draft_typed_over_several_lines_is_one_version_with_what_changed(database: str) -> None:
    result = voordenken("console", "--channel", "wijk", "--database", database, stdin=(
        TO_DRAFT
        + "bob: /problem draft\n"
        "Reports about young people get lost between the police and the youth team.\n"
        "\n"
        "Nobody: sees the whole picture.\n"
        ".\n"
        "bob: /problem draft\n"
        "bob: Reports about young people get lost between the police and the youth team.\n"
        "bob: \n"
        "bob: Nobody sees the whole picture, so nobody acts early.\n"
        ".\n"
        "alice: /problem status\n"
    ))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # The lines stay lines, and "Nobody:" is text, not a speaker.
    assert ("bob proposes version 2:\n    \n    Reports about young people get lost between the police and the "
            "youth team.\n    \n    Nobody: sees the whole picture.") in out
    # A replay file that names the speaker on every line works too; the change is shown word by word.
    assert "bob proposes version 3:" in out
    assert ("What changed since version 2:\n    … the youth team. [-Nobody:-] {+Nobody+} sees the whole "
            "[-picture.-] {+picture, so nobody acts early.+}") in out
    assert "Current draft (version 3): Reports about young people" in out


def test_draft_alone_then_a_dot_shows_the_draft_and_how_to_change_it(database: str) -> None:
    result = voordenken("console", "--channel", "wijk", "--database", database, stdin=(
        TO_DRAFT + "carol: /problem draft\n.\n"
    ))
    assert result.returncode == 0, result.stderr
    assert "voordenken → carol: Current draft (version 1):" in result.stdout
    assert "To change it, send the whole new text: /problem draft <text>." in result.stdout


def test_in_dutch_the_draft_ends_at_the_dot_too(database: str) -> None:
    result = voordenken("console", "--channel", "wijk", "--database", database, stdin=(
        "anna: /probleem start overlast\n"
        "bram: Meldingen raken zoek tussen politie en jongerenwerk.\n"
        + "anna: /probleem volgende\n" * 6
        + "bram: /probleem concept\n"
        "Meldingen over jongeren raken zoek.\n"
        "Niemand ziet het geheel.\n"
        ".\n"
    ))
    assert result.returncode == 0, result.stderr
    assert ("bram stelt versie 2 voor:\n    \n    Meldingen over jongeren raken zoek.\n    Niemand ziet het geheel."
            in result.stdout)
    assert "Versie 2 is een bijna helemaal nieuwe tekst ten opzichte van versie 1." in result.stdout


class _Port:
    """Takes the events the console hands on (no engine needed to see how lines are grouped)."""

    def __init__(self) -> None:
        self.events: list[InboundEvent] = []

    async def handle(self, event: InboundEvent) -> None:
        self.events.append(event)

    async def language(self, channel: str) -> str:
        return "nl"


async def test_typing_a_draft_is_told_how_it_ends_and_goes_as_one_command(script: Script) -> None:
    async def typed() -> AsyncIterator[str]:
        for line in ["/probleem concept\n", "Regel een\n", "  Regel twee\n", ".\n", "gewoon een bericht\n"]:
            yield line

    port, out = _Port(), io.StringIO()
    handled = await run_console(port, typed(), out, channel="c", user="anna",  # type: ignore[arg-type]
                                command_words=script.command_words(), script=script)

    assert out.getvalue() == ("Typ het concept, op zoveel regels als je wilt. "
                              "Sluit af met een regel met alleen een punt (.).\n")
    assert handled == 2
    draft, message = port.events
    assert isinstance(draft, CommandIssued) and draft.text == "concept\nRegel een\n  Regel twee"
    assert isinstance(message, TextMessage) and message.text == "gewoon een bericht"
