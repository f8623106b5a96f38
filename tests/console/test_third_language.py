"""A language is one file: a third one, added as YAML alone, carries a whole session.

The toy language ``xx`` is English with every text marked (each line starts with ``[xx]``)
and every word people type prefixed with ``xx`` (``/xxproblem xxstart``, ``xxweekly xxmon``),
so whatever the bot says or understands in it is visibly not English or Dutch.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.console import ConsoleTransport, run_console
from bot.app.bootstrap import bootstrap
from bot.app.settings import Settings
from bot.shell.prompts import DEFAULT_PROMPTS_DIR

MARK = "[xx]"


def toy_word(word: str) -> str:
    return f"--xx{word[2:]}" if word.startswith("--") else f"xx{word}"


def toy_text(text: str) -> str:
    """Every line marked; the command and the flag people are told to type are the toy ones."""
    text = text.replace("/problem", "/xxproblem").replace("--until", "--xxuntil")
    return "".join(f"{MARK} {line}" if line.strip() else line for line in text.splitlines(keepends=True))


def toy_words(words: dict[str, Any]) -> dict[str, Any]:
    return {group: [toy_word(w) for w in value] if isinstance(value, list)
            else {meaning: [toy_word(w) for w in spellings] for meaning, spellings in value.items()}
            for group, value in words.items()}


def toy_language(english: dict[str, Any]) -> dict[str, Any]:
    texts = {key: toy_text(text) for key, text in english["texts"].items()}
    for names in ("day_names", "month_names"):
        texts[names] = " ".join(toy_word(name) for name in english["texts"][names].split())
    for template in ("moment_format", "date_format"):  # filled into lines that are marked already
        texts[template] = english["texts"][template]
    return {
        "language": "xx",
        "name": "Xxish",
        "questions": [{"id": q["id"], "title": toy_text(q["title"]), "prompt": toy_text(q["prompt"])}
                      for q in english["questions"]],
        "draft_template": toy_text(english["draft_template"]),
        "aliases": {name: [toy_word(name), *(toy_word(a) for a in spellings)]
                    for name, spellings in english["aliases"].items()},
        "words": toy_words(english["words"]),
        "texts": texts,
    }


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    folder.mkdir()
    for name in ("en.yaml", "nl.yaml"):
        shutil.copy(DEFAULT_PROMPTS_DIR / name, folder / name)
    english = yaml.safe_load((DEFAULT_PROMPTS_DIR / "en.yaml").read_text(encoding="utf-8"))
    (folder / "xx.yaml").write_text(yaml.safe_dump(toy_language(english), allow_unicode=True), encoding="utf-8")
    return folder


JOURNEY = """\
alice: /xxproblem xxbegin youth at risk
bob: Reports get lost between the police and the youth team.
alice: /xxproblem xxnext
bob: Families, teachers and the youth workers around them.
alice: /xxproblem xxnext
alice: /xxproblem xxnext
alice: /xxproblem xxnext
alice: /xxproblem xxnext
alice: /xxproblem xxnext
alice: /xxproblem xxvote --xxuntil xxfri 17:00
alice: /xxproblem xxagree
bob: /xxproblem xxyes
alice: /xxproblem xxcheck-in xxweekly xxmon 09:00
alice: /xxproblem xxtask @bob call the landlord
bob: /xxproblem xxcheckin xxstatus
"""


def messages(output: str) -> list[str]:
    """Each message the console printed (a message's further lines are indented)."""
    return [m for m in re.split(r"\n(?=voordenken)", output.strip()) if m]


async def test_a_third_language_from_a_yaml_file_alone_carries_a_whole_session(prompts: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'xx.db'}", prompts_dir=prompts,
                        timezone="Europe/Amsterdam", outbound_pacing=False)
    app = await bootstrap(settings, transports=[ConsoleTransport(out)])
    try:
        assert app.script.command_words() == {"problem": "en", "probleem": "nl", "xxproblem": "xx"}

        async def lines():  # type: ignore[no-untyped-def]
            for line in JOURNEY.splitlines(keepends=True):
                yield line

        await run_console(app.service, lines(), out, channel="team", command_words=app.script.command_words())
    finally:
        await app.close()

    said = messages(out.getvalue())
    for milestone in (
        "[xx] Session started. Facilitator: alice.",
        "[xx] Question 1 of 6: [xx] What is the problem?",
        "[xx] Thank you all. From your answers I made this draft (version 1):",
        "[xx] Problem: Reports get lost between the police and the youth team.",
        "[xx] Deadline: xxFri ",  # the toy day names
        "[xx] We have a shared problem statement (version 1, 2 agreeing, no objections):",
        "[xx] Check-ins are set: [xx] every week on xxMon at 09:00 (Europe/Amsterdam). The next one: xxMon",
        "[xx] Task 1 recorded: bob: call the landlord",
        "[xx] Check-ins: [xx] every week on xxMon at 09:00",
    ):
        assert any(milestone in message for message in said), milestone
    for message in said:  # the whole session in the toy language: every line the bot printed is one of its texts
        for line in filter(str.strip, message.splitlines()):
            assert MARK in line, f"not in the toy language: {line!r}\nin: {message}"
        for command in re.findall(r": (/\w+)", message):
            assert command == "/xxproblem", message
