"""The shipped task-talk model, read once for the whole test run (it is immutable)."""

from __future__ import annotations

from functools import cache

from bot.core.guard import TaskTalkModel
from bot.shell.guard_model import shipped_model


@cache
def shipped_guard() -> TaskTalkModel:
    return shipped_model()
