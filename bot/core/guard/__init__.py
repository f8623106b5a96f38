"""Task-talk detection: is this message dividing or claiming work?

Public interface used by the engine (keep it stable):

* ``detect(text, names=()) -> Verdict`` — pure, fast, offline; ``names`` are the channel
  participants' display names, so "Mark, you're on comms" is recognised without guessing
  from capital letters.
* ``Verdict.holds(strictness)`` — whether the guard holds the message back at that
  strictness (``off``/``observe`` never hold; ``observe`` is handled by the engine).
"""

from bot.core.guard.detector import Verdict, detect

__all__ = ["Verdict", "detect"]
