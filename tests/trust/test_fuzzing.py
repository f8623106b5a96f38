"""Hostile and broken input, fuzzed: command text, prompt files and schedule expressions.

Whatever people type after ``/problem`` (control characters, right-to-left overrides,
huge strings) in whatever phase a session is in, the engine answers politely and keeps
its invariants. A mutated prompt file is refused with a ``ScriptError`` that names the
file. A schedule expression fails only with the schedule's own error.
"""

from __future__ import annotations

import contextlib
import copy
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.model import CommandIssued, Notify, Phase, Post, Reply
from bot.core.schedule import ScheduleError, parse_date, parse_deadline, parse_rule, parse_time, zone
from bot.core.script import Script, ScriptError
from bot.shell.prompts import DEFAULT_PROMPTS_DIR, load_script
from tests.engine.chat import Chat
from tests.engine.test_invariants import check_step

# Each prompt example reads two YAML files (~0.1 s): fewer examples keep this file under 30 s.
PROMPT_RUNS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])

# --------------------------------------------------------------------------- command text

HOSTILE_CHARS = st.sampled_from([
    "\x00", "\x07", "\x1b[2J", "\u202e", "\u202d", "\u2066", "\u2069", "\u200b", "\u200f", "\ufeff",
    "\r\n", "\t", "\U0001F600", "\u0301", "\ud7ff", "<@U1>", "<!channel>", "@everyone", "&amp;", "*_~`",
])
WORDS = st.sampled_from(["start", "next", "back", "ready", "vote", "agree", "object", "concern", "abstain",
                         "close", "draft", "notask", "task", "done", "reopen", "guard", "redirect", "reset",
                         "purge", "facilitator", "export", "lang", "help", "status", "checkin", "tz",
                         "review", "akkoord", "bezwaar", "volgende", "confirm", "@bob", "nl", "strict"])
COMMAND_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(WORDS, HOSTILE_CHARS, st.text(max_size=12)), max_size=12).map(" ".join),
    st.builds(lambda word, pad: f"{word} {pad}", WORDS, st.text(min_size=3990, max_size=4100)),
    st.builds(lambda word, n: word + " " + "x" * n, WORDS, st.integers(4001, 60_000)),
)


def _session_in(script: Script, phase: Phase) -> Chat:
    """A channel whose session is in ``phase`` (alice facilitates, bob and carol take part)."""
    chat = Chat(script, admins=set())
    if phase is Phase.IDLE:
        return chat
    chat.say("alice", "/problem start youth and debts")
    chat.say("alice", "Reports get lost between the police and the youth team.")
    chat.say("bob", "We do not know how many families never reach us.")
    chat.say("carol", "Last week the youth team visited twice.")
    if phase is not Phase.ANALYSIS:
        for _ in range(6):
            chat.say("alice", "/problem next")
    if phase in (Phase.VOTING, Phase.AGREED):
        chat.say("alice", "/problem vote")
    if phase is Phase.AGREED:
        for user in ("alice", "bob", "carol"):
            chat.say(user, "/problem agree")
    assert chat.state.phase is phase, (phase, chat.state.phase)
    return chat


@pytest.mark.parametrize("phase", list(Phase), ids=lambda p: p.value)
def test_any_command_text_in_any_phase_gets_a_polite_answer_and_keeps_the_invariants(
    script: Script, phase: Phase
) -> None:
    base = _session_in(script, phase)

    @FAST
    @given(text=COMMAND_TEXT, word=st.sampled_from(["/problem", "/probleem"]), user=st.sampled_from(
        ["alice", "bob", "mallory"]))
    def typed(text: str, word: str, user: str) -> None:
        chat = copy.copy(base)
        before = chat.state
        chat.counter += 1
        event = CommandIssued(event_id=f"fuzz{chat.counter}", channel=chat.channel, sender=chat.sender(user),
                              text=text, command_word=word.removeprefix("/"),
                              message_id=f"m{chat.counter}")
        said = chat.apply(event)  # never raises
        check_step(before, chat.state, event)
        answers = [e for e in said.effects if isinstance(e, Post | Reply | Notify)]
        assert answers, f"no answer to {word} {text[:80]!r}"
        for answer in answers:
            assert answer.text.strip() and "Traceback" not in answer.text
            assert len(answer.text) <= 40_000  # a huge command is not echoed back in full
        assert chat.state.channel == before.channel
        # A one-off command by someone other than the facilitator never takes the session over.
        if user != "alice" and before.facilitator == "alice":
            assert chat.state.facilitator in ("alice", None)

    typed()


# --------------------------------------------------------------------------- prompt files

# The Dutch file is mutated: English is the reference the other languages are checked against.
TARGET = "nl.yaml"
REFERENCE = "en.yaml"
BUNDLED = yaml.safe_load((DEFAULT_PROMPTS_DIR / TARGET).read_text(encoding="utf-8"))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*prefix, index)))
    return found


PATHS = _paths(BUNDLED)
JUNK = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30),
                 st.sampled_from(["{answer}", "{unknown_answer}", "{0}", "{a.b}", "{a[0]}", "{", "}{", "{!r}",
                                  "{x:>{y}}", "%s", ""]),
                 st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                                              max_size=3))


def _mutate(data: Any, path: tuple[Any, ...], action: str, junk: Any) -> Any:
    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "drop":
        del parent[last]
    elif action == "retype":
        value = parent[last]
        parent[last] = [value] if not isinstance(value, list) else {"x": value}
    else:
        parent[last] = junk
    return data


@PROMPT_RUNS
@given(path=st.sampled_from(PATHS), action=st.sampled_from(["drop", "replace", "retype"]), junk=JUNK)
def test_a_mutated_prompt_file_is_refused_naming_the_file(path: tuple[Any, ...], action: str, junk: Any) -> None:
    mutated = _mutate(BUNDLED, path, action, junk)
    _load_or_refuse(yaml.safe_dump(mutated, allow_unicode=True))


@settings(PROMPT_RUNS, max_examples=25)
@given(cut=st.floats(0.0, 1.0), tail=st.sampled_from(["", ":", "- ", "{", "\t", "'", "\x00"]))
def test_a_truncated_prompt_file_is_refused_naming_the_file(cut: float, tail: str) -> None:
    text = (DEFAULT_PROMPTS_DIR / TARGET).read_text(encoding="utf-8")
    _load_or_refuse(text[: int(len(text) * cut)] + tail)


def _load_or_refuse(target_text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        (directory / TARGET).write_text(target_text, encoding="utf-8")
        (directory / REFERENCE).write_text((DEFAULT_PROMPTS_DIR / REFERENCE).read_text(encoding="utf-8"),
                                           encoding="utf-8")
        try:
            script = load_script(directory)
        except ScriptError as error:
            assert str(directory / TARGET) in str(error), str(error)
            return
    assert set(script.languages) == {"en", "nl"}  # a harmless mutation: still a valid script


# --------------------------------------------------------------------------- schedule expressions

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCHEDULE_TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(["daily", "weekly", "every", "2", "weeks", "mon", "tue,thu", "fri", "09:00", "25:99",
                              "-1", "0", "99999999999", "until", "2026-02-30", "tomorrow", "in", "days", "at",
                              "\u202e", "\x00", "next", "month"]), max_size=6).map(" ".join),
)


@FAST
@given(text=SCHEDULE_TEXT, tz=st.one_of(st.sampled_from(["UTC", "Europe/Amsterdam", "Pacific/Chatham"]),
                                        st.text(max_size=20)))
def test_any_schedule_expression_fails_only_with_a_schedule_error(text: str, tz: str) -> None:
    words = load_script().lexicon("schedule")
    for parse in (lambda: parse_rule(text, date(2026, 3, 2), words),
                  lambda: parse_deadline(text, NOW, "Europe/Amsterdam", words),
                  lambda: parse_time(text), lambda: parse_date(text), lambda: zone(tz),
                  lambda: parse_deadline("fri 17:00", NOW, tz, words)):
        with contextlib.suppress(ScheduleError):
            parse()
