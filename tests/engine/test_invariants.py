"""Properties of the engine that must hold for any conversation, whatever people type."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.commands import clean
from bot.core.guard import detect
from bot.core.model import ButtonPressed, Phase, TextMessage
from bot.core.script import Script
from tests.engine.chat import Chat
from tests.shipped_guard import shipped_guard

USERS = ["alice", "bob", "carol"]
COMMANDS = [
    "/problem start", "/problem next", "/problem back", "/problem ready", "/problem vote",
    "/problem agree", "/problem concern the figures are old", "/problem object it misses the parents",
    "/problem object", "/problem abstain", "/problem close", "/problem draft A new shared statement.",
    "/problem notask", "/problem notask 2", "/problem task @bob call the landlord", "/problem done 3",
    "/problem reopen it changed", "/problem guard strict", "/problem guard observe", "/problem guard gentle",
    "/problem guard off", "/problem lang nl", "/probleem akkoord", "/probleem bezwaar te smal",
    "/problem status", "/problem parked", "/problem tasks", "/problem reset", "/problem facilitator @carol",
]
MESSAGES = [
    "Reports get lost between the police and the youth team.",
    "Last week the youth team visited twice.",
    "I'll take care of the housing part",
    "Who is going to call the landlord?",
    "ik pak de schuldhulpverlening op",
    "wie gaat dat doen?",
    "We do not know how many families never reach us.",
]
BUTTONS = [("vote", f"{c}:{v}") for c in ("agree", "object", "abstain") for v in (1, 2, 3)] + [
    ("release", str(n)) for n in range(1, 6)
] + [("cmd", "next"), ("cmd", "ready"), ("vote", "nonsense")]

step = st.one_of(
    st.tuples(st.just("say"), st.sampled_from(USERS), st.sampled_from(COMMANDS + MESSAGES)),
    st.tuples(st.just("say"), st.sampled_from(USERS), st.text(max_size=60)),
    st.tuples(st.just("press"), st.sampled_from(USERS), st.sampled_from(BUTTONS)),
)
conversation = st.lists(step, min_size=1, max_size=60)


def run(chat: Chat, steps: list) -> None:
    for kind, user, what in steps:
        before = chat.state
        if kind == "say":
            event = chat.event(user, what)
        else:
            chat.counter += 1
            event = ButtonPressed(event_id=f"b{chat.counter}", channel=chat.channel, sender=chat.sender(user),
                                  action=what[0], value=what[1])
        chat.apply(event)
        after = chat.state
        check_step(before, after, event)
        # The same event delivered again changes nothing and says nothing.
        assert not chat.apply(event)
        assert chat.state == after


def check_step(before, after, event) -> None:  # type: ignore[no-untyped-def]
    # No task is ever recorded before agreement.
    if len(after.tasks) > len(before.tasks):
        assert after.phase is Phase.AGREED and after.statement is not None
    # The parking lot only grows (reset aside, which needs a confirmation not in this vocabulary).
    kept = {(p.id, p.text) for p in after.parked}
    assert {(p.id, p.text) for p in before.parked} <= kept
    # A guarded message ends up parked (or released), never dropped, and is not an answer.
    if isinstance(event, TextMessage) and before.phase in (Phase.ANALYSIS, Phase.DRAFTING, Phase.VOTING):
        text = clean(event.text)
        said = before.last_said
        context = said.text if said is not None and said.user != event.sender.id else None
        verdict = detect(text, shipped_guard(), tuple(before.participants.values()), context=context,
                         lessons=before.lessons)
        if text and verdict.holds(before.strictness):
            assert any(p.text == text for p in after.parked)
            assert after.answers == before.answers
    # A vote only ever counts for the version its round is about.
    for vote_round in after.rounds:
        assert all(v.version == vote_round.version for v in vote_round.votes)
        assert len({v.user for v in vote_round.votes}) == len(vote_round.votes)
    # At most one round is open, and only while voting.
    open_rounds = [r for r in after.rounds if r.outcome is None]
    assert len(open_rounds) <= 1
    assert (after.phase is Phase.VOTING) == bool(open_rounds)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=conversation)
def test_engine_invariants_hold_for_any_conversation(script: Script, steps: list) -> None:
    run(Chat(script), steps)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=conversation)
def test_engine_invariants_hold_after_a_started_session(script: Script, steps: list) -> None:
    chat = Chat(script)
    chat.say("alice", "/problem start")
    for user in USERS:
        chat.say(user, MESSAGES[0])
    run(chat, steps)
