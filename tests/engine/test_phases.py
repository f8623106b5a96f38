"""The phase rules: every transition the conversation makes is in the table; any other is a bug."""

from __future__ import annotations

import pytest

from bot.core.model import Phase
from bot.core.phases import FOLLOWS, PhaseError, check
from tests.engine.chat import Chat


def test_every_phase_has_its_successors_and_a_way_back_to_idle() -> None:
    assert set(FOLLOWS) == set(Phase)
    assert all(Phase.IDLE in following for following in FOLLOWS.values())


@pytest.mark.parametrize(("before", "after"), [(Phase.IDLE, Phase.AGREED), (Phase.ANALYSIS, Phase.VOTING),
                                               (Phase.AGREED, Phase.VOTING), (Phase.IDLE, Phase.DRAFTING)])
def test_an_impossible_transition_raises(before: Phase, after: Phase) -> None:
    with pytest.raises(PhaseError, match=f"{after.value} cannot follow {before.value}"):
        check(before, after)


def test_a_handler_cannot_change_the_phase_behind_the_table(chat: Chat) -> None:
    from bot.core.context import Turn

    turn = Turn(chat.state, chat.event("alice", "/problem status"), chat.script, chat.now)
    with pytest.raises(PhaseError):
        turn.update(phase=Phase.AGREED)
    with pytest.raises(PhaseError):
        turn.enter(Phase.AGREED)
