"""Shared fixtures: the bundled script, and an engine chat per test."""

from __future__ import annotations

import pytest

from bot.core.script import Script
from bot.shell.prompts import load_script
from tests.engine.chat import Chat


@pytest.fixture(scope="session")
def script() -> Script:
    return load_script()


@pytest.fixture
def chat(script: Script) -> Chat:
    return Chat(script)


@pytest.fixture
def chat_nl(script: Script) -> Chat:
    return Chat(script, language="nl")
