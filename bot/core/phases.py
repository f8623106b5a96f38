"""Which phase may follow which: the one place a session's phase changes.

Every handler that moves the session on goes through :func:`check` (via ``Turn.enter``
and ``Turn.begin``), so a transition missing from :data:`FOLLOWS` is a bug that raises
instead of a channel quietly stuck in a state no command expects.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.model import Phase

FOLLOWS: Mapping[Phase, frozenset[Phase]] = {
    # start; purge (when nothing runs)
    Phase.IDLE: frozenset({Phase.ANALYSIS, Phase.IDLE}),
    # the last question answered; reset or purge
    Phase.ANALYSIS: frozenset({Phase.DRAFTING, Phase.IDLE}),
    # back to the last question; a new draft; the agreement round opens; reset or purge
    Phase.DRAFTING: frozenset({Phase.ANALYSIS, Phase.DRAFTING, Phase.VOTING, Phase.IDLE}),
    # an objection, no quorum or a newer draft; agreement; reset or purge
    Phase.VOTING: frozenset({Phase.DRAFTING, Phase.AGREED, Phase.IDLE}),
    # reopened; reset or purge
    Phase.AGREED: frozenset({Phase.DRAFTING, Phase.IDLE}),
}


class PhaseError(AssertionError):
    """A handler tried a transition the session's rules do not have: a bug, never user input."""


def check(before: Phase, after: Phase) -> None:
    if after not in FOLLOWS[before]:
        raise PhaseError(f"{after.value} cannot follow {before.value}")
