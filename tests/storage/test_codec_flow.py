"""States stored before issue 15 load: parked items without a task, tasks numbered with the parked ones."""

from __future__ import annotations

from bot.core.model import ParkedItem, Phase, React
from bot.shell.storage.codec import (
    assemble_state,
    decode_items,
    decode_message,
    encode_head,
    encode_item,
    encode_message,
)
from tests.engine.chat import Chat


def test_a_parked_item_stored_before_it_could_become_a_task_loads_as_not_yet_one() -> None:
    old = '{"id":3,"user":"U1","text":"I will call","at":"2026-03-02T09:00:00Z","cue":"I will",' \
          '"message_id":null,"released":false,"released_by":null}'
    (item,) = decode_items("parked", [old])
    assert isinstance(item, ParkedItem) and item.task is None


def test_tasks_stored_with_shared_numbers_keep_them_and_the_next_follows_the_highest(chat: Chat) -> None:
    chat.say("alice", "/problem start")
    chat.say("bob", "Reports get lost between the police and the youth team.")
    for _ in range(6):
        chat.say("alice", "/problem next")
    chat.say("alice", "/problem vote")
    chat.say("alice", "/problem agree")
    chat.say("bob", "/problem agree")
    assert chat.state.phase is Phase.AGREED
    chat.say("alice", "/problem task @bob call the landlord")
    # As an earlier release stored it: the task took number 5 from the shared counter.
    row = encode_item("tasks", chat.state.tasks[0]).replace('"id":1', '"id":5')
    chat.state = assemble_state(encode_head(chat.state), {"tasks": [row]})
    assert "Task 6 recorded" in chat.say("alice", "/problem task @alice write it up")
    assert "Task 5 is done" in chat.say("bob", "/problem done 5")


def test_a_reaction_waits_in_the_outbox_as_itself() -> None:
    react = React(text="Parked this one too (#2).", message_id="1700000000.000100", name="parked")
    assert decode_message(encode_message(react)) == react
