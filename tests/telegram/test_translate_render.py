"""The pure parts: updates -> events, messages -> Telegram HTML. Fuzzed where it matters."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Message, Update

from adapters.telegram import render, translate
from bot.core.model import Button, Choice, Edit, MessageKind, Notify, Post, Reply
from bot.shell.prompts import load_script
from tests.telegram.fake_telegram import BOT_ID, parse_html

WORDS = load_script().command_words()  # the command words the language files define

CHAT = {"id": -100, "type": "supergroup", "title": "T"}
ANNA = {"id": 7, "is_bot": False, "first_name": "Anna"}


def _message(text: str, **extra: Any) -> Message:
    data = {"message_id": 1, "date": 0, "chat": CHAT, "from": ANNA, "text": text, **extra}
    update = Update.de_json({"update_id": 9, "message": data}, None)
    assert update is not None and update.message is not None
    return update.message


def test_command_keeps_the_text_after_the_command_intact() -> None:
    text = "/probleem@VoordenkenBot concept Regel één\n  regel twee"
    message = _message(text, entities=[{"type": "bot_command", "offset": 0, "length": 23}])
    event = translate.command_event(9, message, is_admin=True, command_words=WORDS)
    assert event is not None
    assert event.text == "concept Regel één\n  regel twee"
    assert event.command_word == "probleem"
    assert event.channel == "telegram:-100"
    assert event.event_id == "telegram:9"
    assert event.sender.id == "7" and event.sender.name == "Anna" and event.sender.is_admin


def test_other_commands_and_bots_are_not_ours() -> None:
    other = _message("/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])
    assert translate.command_event(1, other, False, WORDS) is None
    bot = Update.de_json({"update_id": 2, "message": {"message_id": 1, "date": 0, "chat": CHAT, "text": "hoi",
                                                       "from": {"id": 5, "is_bot": True, "first_name": "B"}}}, None)
    assert bot is not None and bot.message is not None
    assert translate.text_event(2, bot.message) is None


def test_callback_data_round_trip_and_limits() -> None:
    buttons = [
        Button("Akkoord", "vote", "agree:3", "/problem agree"),
        Button("Geen taakpraat", "release", "12", "/problem notask 12"),
        Button("Klaar", "cmd", "ready", "/problem ready"),
        Button("Wissen", "cmd", "reset confirm", "/problem reset confirm"),
    ]
    for button in buttons:
        data = render.callback_data(button)
        assert data is not None and len(data.encode()) <= 64
        assert translate.parse_callback(data) == (button.action, button.value)
    assert render.callback_data(Button("x", "cmd", "y" * 80, "")) is None
    assert render.callback_data(Button("x", "unknown", "1", "")) is None


@given(st.text(max_size=80))
def test_parse_callback_never_fails_and_only_knows_our_actions(data: str) -> None:
    parsed = translate.parse_callback(data)
    assert parsed is None or parsed[0] in ("vote", "release", "cmd")


@settings(max_examples=200)
@given(st.text(min_size=1, max_size=300), st.lists(st.fixed_dictionaries({
    "type": st.sampled_from(["bot_command", "mention", "bold", "text_link"]),
    "offset": st.integers(0, 20), "length": st.integers(0, 20)}), max_size=3))
def test_translating_arbitrary_messages_never_fails(text: str, entities: list[dict[str, Any]]) -> None:
    for entity in entities:
        if entity["type"] == "text_link":
            entity["url"] = "https://example.org"
    message = _message(text, entities=entities)
    translate.command_event(1, message, False, WORDS)
    translate.text_event(1, message)
    translate.reason_event(1, message, BOT_ID, ())


@settings(max_examples=100)
@given(st.text(max_size=9000), st.one_of(st.none(), st.text(max_size=60)))
def test_rendered_text_is_escaped_and_within_telegrams_limit(text: str, title: str | None) -> None:
    rendered = render.render(Post(text=text, title=title, buttons=(Button("A", "cmd", "next", "/p next"),)))
    plain = ""
    for chunk in rendered.chunks:
        shown, _ = parse_html(chunk)  # raises on broken HTML or > 4096 characters
        plain += shown
    expected = "".join(((title or "") + text).split())
    if not text.strip():
        expected += "…"  # Telegram refuses blank texts
    assert "".join(plain.split()) == expected
    assert rendered.keyboard is not None


def test_long_posts_are_split_and_the_keyboard_goes_on_the_last_piece() -> None:
    text = "\n".join(f"Regel {i}: " + "woord " * 30 for i in range(60))
    rendered = render.render(Post(text=text, title="Titel", buttons=(Button("A", "cmd", "next", "/p"),)))
    assert len(rendered.chunks) > 1
    assert rendered.chunks[0].startswith("<b>Titel</b>\n")
    assert all(len(parse_html(c)[0]) <= 4096 for c in rendered.chunks)


def test_edits_are_shortened_in_the_middle_keeping_the_count() -> None:
    text = "Begin\n" + "x " * 5000 + "\n2 van 3 hebben gestemd."
    rendered = render.render(Edit(key="vote:1", text=text, title="Ronde"))
    (chunk,) = rendered.chunks
    shown, _ = parse_html(chunk)
    assert shown.endswith("2 van 3 hebben gestemd.") and "…" in shown


def test_user_text_cannot_inject_markup() -> None:
    rendered = render.render(Reply(text='<a href="https://evil">klik</a> & <b>', message_id="1"))
    shown, entities = parse_html(rendered.chunks[0])
    assert shown == '<a href="https://evil">klik</a> & <b>'
    assert entities == []


def test_notify_mentions_the_user_by_id() -> None:
    rendered = render.render(Notify(user="102", name="Bram <3", text="Vastgelegd.", message_id="5"))
    shown, entities = parse_html(rendered.chunks[0])
    assert shown == "Bram <3: Vastgelegd."
    assert entities[0]["type"] == "text_mention" and entities[0]["user"]["id"] == 102


def test_reason_prompt_round_trip() -> None:
    template = "{user}, beantwoord dit bericht met je bezwaar tegen versie {version}."
    mark, version_mark = render.USER_MARK, "987654321"
    patterns = translate.build_reason_patterns(
        {("nl", Choice.OBJECT): template.format(user=mark, version=version_mark)}, mark, version_mark
    )
    html = render.reason_prompt(template.format(user=mark, version=4), "7", "Anna & co")
    shown, entities = parse_html(html)
    prompt = {"message_id": 50, "date": 0, "chat": CHAT, "from": {"id": BOT_ID, "is_bot": True, "first_name": "V"},
              "text": shown, "entities": entities}
    event = translate.reason_event(3, _message("Omdat.", reply_to_message=prompt), BOT_ID, patterns)
    assert event is not None
    assert (event.action, event.value, event.text, event.sender.id) == ("vote", "object:4", "Omdat.", "7")
    bram = {"id": 8, "is_bot": False, "first_name": "Bram"}
    assert translate.reason_event(4, _message("Ik ook.", reply_to_message=prompt, **{"from": bram}),
                                  BOT_ID, patterns) is None


def test_names_in_a_check_in_become_real_mentions_that_notify_people() -> None:
    from adapters.telegram.render import render
    from bot.core.model import Mention, Post

    post = Post(text="Still thinking: Anna, Ann <3.", kind=MessageKind.CHECKIN,
                mentions=(Mention("101", "Ann"), Mention("102", "Anna")))
    [html] = render(post).chunks
    assert html == ('Still thinking: <a href="tg://user?id=102">Anna</a>, '
                    '<a href="tg://user?id=101">Ann</a> &lt;3.')


def test_names_that_look_like_markup_or_numbers_are_mentioned_as_written() -> None:
    """Names "&", "amp", "0" and "1": each escaped once, none taken for markup or for another name."""
    from bot.core.model import Mention

    names = {"201": "&", "202": "amp", "203": "0", "204": "1", "205": "lt;"}
    post = Post(text="Still to vote: &, amp, 0, 1 and lt; (10 days left).", kind=MessageKind.CHECKIN,
                title="Check-in", mentions=tuple(Mention(user, name) for user, name in names.items()))
    [html] = render.render(post).chunks
    assert "\x00" not in html
    shown, entities = parse_html(html)  # Telegram's parser: a bare "&" is refused with 400
    assert shown == "Check-in\nStill to vote: &, amp, 0, 1 and lt; (10 days left)."
    mentioned = {str(e["user"]["id"]): shown[e["offset"]: e["offset"] + e["length"]]
                 for e in entities if e["type"] == "text_mention"}
    assert mentioned == names


def test_park_as_a_reply_carries_the_message_it_replies_to_and_its_author() -> None:
    bram = {"id": 8, "is_bot": False, "first_name": "Bram"}
    replied = {"message_id": 5, "date": 0, "chat": CHAT, "from": bram, "text": "De GGD doet de huisbezoeken."}
    message = _message("/probleem parkeer", entities=[{"type": "bot_command", "offset": 0, "length": 9}],
                       reply_to_message=replied)
    event = translate.command_event(9, message, is_admin=False, command_words=WORDS)
    assert event is not None and event.replying_to is not None
    assert (event.replying_to.user, event.replying_to.name, event.replying_to.text) == (
        "8", "Bram", "De GGD doet de huisbezoeken.")
    # A reply to the bot's own message carries nothing to park.
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Voordenken"}
    to_bot = _message("/probleem parkeer", entities=[{"type": "bot_command", "offset": 0, "length": 9}],
                      reply_to_message={**replied, "from": bot})
    assert translate.command_event(9, to_bot, False, WORDS).replying_to is None  # type: ignore[union-attr]
