"""The App Home tab: the user's running sessions and what waits for them. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from adapters.slack.render import Block, escape, home_view
from adapters.slack.translate import PLATFORM
from bot.core.model import ChannelState, Phase
from bot.core.script import Script


def _waiting(state: ChannelState, user: str, script: Script) -> str:
    lang = state.language
    vote_round = state.open_round
    if state.phase is Phase.VOTING and vote_round is not None:
        if user not in {vote.user for vote in vote_round.votes}:
            return script.text(lang, "slack_home_waiting_vote", version=vote_round.version)
    elif state.phase is Phase.ANALYSIS and user not in state.ready:
        questions = script.questions(lang)
        step = min(state.step, len(questions) - 1)
        return script.text(lang, "slack_home_waiting_question", number=step + 1, total=len(questions),
                           title=escape(questions[step].title))
    return script.text(lang, "slack_home_nothing")


def home(states: Iterable[ChannelState], team_id: str, user: str, script: Script, language: str) -> Block:
    """The Home view for ``user``: sessions of their workspace they take part in."""
    prefix = f"{PLATFORM}:{team_id}:"
    mine = [s for s in states if s.channel.startswith(prefix) and s.phase is not Phase.IDLE
            and user in s.participants]
    if mine:
        language = mine[0].language
    lines = [
        script.text(
            state.language,
            "slack_home_line",
            channel=f"<#{state.channel[len(prefix):]}>",
            phase=script.text(state.language, f"phase_{state.phase.value}"),
            waiting=_waiting(state, user, script),
        )
        for state in mine
    ]
    if not lines:
        lines = [script.text(language, "slack_home_empty")]
    return home_view(script.text(language, "slack_home_title"), lines)
