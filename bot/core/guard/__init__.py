"""Task-talk detection: is this message dividing or claiming work?

Public interface used by the engine (keep it stable):

* ``detect(text, model, names=(), context=None, lessons=()) -> Verdict``: pure and offline;
  ``model`` is the learned model the shell read from its file, ``names`` the channel's
  display names, ``context`` the message just before, ``lessons`` the channel's corrections.
* ``Verdict.holds(strictness)``: whether the guard holds the message back at that strictness.
"""

from bot.core.guard.detector import Verdict, detect
from bot.core.guard.lessons import Lesson
from bot.core.guard.linear import TaskTalkModel

__all__ = ["Lesson", "TaskTalkModel", "Verdict", "detect"]
