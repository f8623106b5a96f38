"""A small fake Telegram Bot API: the real python-telegram-bot talks to it over HTTP.

It runs in a daemon thread with its own event loop (a server on the test's loop would
hang once pytest-asyncio switches loops), listens on an ephemeral port, records every
call thread-safely and answers like Telegram does: ``{"ok": true, "result": ...}``, or
an error with ``error_code``/``description`` and, for flood control,
``parameters.retry_after``. Sent HTML is parsed into plain text plus entities, as
Telegram stores it, so tests read what users would see.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, ClassVar

from aiohttp import web
from aiohttp.web_request import FileField

from tests.background_server import BackgroundServer, FakeServer, poll_until

TOKEN = "123456:TEST-token-never-logged"
BOT_ID = 123456
BOT_USERNAME = "VoordenkenBot"
MAX_GETUPDATES_WAIT = 0.3


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Failure:
    method: str
    times: int
    error_code: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None


@dataclass
class FakeTelegram(FakeServer):
    can_read_all_group_messages: bool = True
    chat_types: dict[int, str] = field(default_factory=dict)
    admins: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    conflict: bool = False  # getUpdates answers 409 (another poller)
    # getChatMember: (chat id, user id) -> status ("left", "kicked", "restricted", "member"...).
    # Everyone else is a "member" (an "administrator" when listed in ``admins``), so by default
    # everyone the tests use may take part.
    member_status: dict[tuple[int, int], str] = field(default_factory=dict)
    # For status "restricted": whether the restricted user is still in the chat.
    restricted_is_member: bool = True
    # getChatAdministrators answers these entries as they are, after the listed ``admins``
    # (to send what python-telegram-bot cannot read: a new status, a missing field).
    raw_admins: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._ids = itertools.count(1000)
        self._failures: list[Failure] = []
        self._server = BackgroundServer("fake-telegram", self._app)

    # ------------------------------------------------------------------ life cycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Voordenken", "username": BOT_USERNAME}

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        return app

    # ------------------------------------------------------------------ test controls

    def queue_update(self, update: dict[str, Any]) -> None:
        """Served by getUpdates (long polling)."""
        with self._lock:
            self._updates.append(update)

    def fail(self, method: str, *, times: int = 1, error_code: int = 429, description: str | None = None,
             retry_after: int | None = None, chat_id: int | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` (for ``chat_id``, if given) with an error."""
        if description is None:
            description = f"Too Many Requests: retry after {retry_after}" if error_code == 429 else "Bad Request"
        with self._lock:
            self._failures.append(Failure(method, times, error_code, description, retry_after, chat_id))

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """A message the bot sent, as it is now (after edits)."""
        with self._lock:
            return json.loads(json.dumps(self._messages[(chat_id, message_id)]))

    def bot_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = [m for (chat, _), m in sorted(self._messages.items()) if chat_id is None or chat == chat_id]
            return json.loads(json.dumps(found))

    def next_message_id(self) -> int:
        return next(self._ids)

    # ------------------------------------------------------------------ waiting (from the test loop)

    async def wait_for(self, condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        """Poll ``condition`` until it returns something truthy; fail after ``timeout``."""
        return await poll_until(condition, timeout, lambda: f"timed out waiting for {what}")

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Every text the bot sent or edited to, in order (edits included)."""
        out = []
        for call in self.calls():
            sent = call.method in ("sendMessage", "editMessageText") and "_message_id" in call.params
            if sent and (chat_id is None or int(call.params["chat_id"]) == chat_id):
                out.append(plain_text(call.params["text"]))
        return out

    async def sent(self, containing: str, chat_id: int | None = None, timeout: float = 10.0,
                   method: str = "sendMessage", count: int = 1) -> dict[str, Any]:
        """Wait until the bot sent (or edited, with ``method="editMessageText"``) a text with
        ``containing``; return the message as it is now."""

        def find() -> dict[str, Any] | None:
            hits = [c for c in self.calls(method) if containing in plain_text(c.params["text"])
                    and (chat_id is None or int(c.params["chat_id"]) == chat_id) and "_message_id" in c.params]
            if len(hits) < count:
                return None
            hit = hits[count - 1]
            return self.message(int(hit.params["chat_id"]), int(hit.params["_message_id"]))

        result: dict[str, Any] = await self.wait_for(find, timeout, f"{method} containing {containing!r}")
        return result

    # ------------------------------------------------------------------ the API

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        form = dict(await request.post())
        params = _decode(form)
        uploaded = {key: value.file.read() for key, value in form.items() if isinstance(value, FileField)}
        if uploaded:
            params["_files"] = uploaded
        call = Call(method, params)
        with self._lock:
            self._calls.append(call)
            failure = self._take_failure(method, params)
        if failure is not None:
            return _error(failure.error_code, failure.description, failure.retry_after)
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _ok(True)
        try:
            return _ok(handler(call))
        except _ApiError as error:
            return _error(400, error.description)

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self._failures:
            if failure.method != method or failure.times <= 0:
                continue
            if failure.chat_id is not None and int(params.get("chat_id", 0)) != failure.chat_id:
                continue
            failure.times -= 1
            return failure
        return None

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        if self.conflict:
            return _error(409, "Conflict: terminated by other getUpdates request; make sure that only one "
                               "bot instance is running")
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_GETUPDATES_WAIT)
        deadline = time.monotonic() + wait
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                return _ok(ready)
            await asyncio.sleep(0.01)

    def _api_getMe(self, call: Call) -> dict[str, Any]:
        return {**self.bot_user, "can_join_groups": True,
                "can_read_all_group_messages": self.can_read_all_group_messages,
                "supports_inline_queries": False}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": self.chat_types.get(chat_id, "supergroup" if chat_id < 0 else "private"),
                "title": "Team"}

    def _api_setMessageReaction(self, call: Call) -> bool:
        """Recorded like every call (see ``reactions``); the message must exist."""
        return True

    def reactions(self) -> list[tuple[int, int, list[str]]]:
        """(chat id, message id, emoji) of every ``setMessageReaction``, in order."""
        return [(int(c.params["chat_id"]), int(c.params["message_id"]),
                 [r["emoji"] for r in c.params.get("reaction") or []]) for c in self.calls("setMessageReaction")]

    def _api_sendMessage(self, call: Call) -> dict[str, Any]:
        chat_id = int(call.params["chat_id"])
        if self.chat_types.get(chat_id) == "gone":
            raise _ApiError("Bad Request: chat not found")
        text, entities = parse_html(call.params["text"])
        message_id = next(self._ids)
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id),
                                   "from": self.bot_user, "text": text}
        if entities:
            message["entities"] = entities
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        reply = call.params.get("reply_parameters")
        if isinstance(reply, dict):
            message["_reply_to"] = reply.get("message_id")
        with self._lock:
            self._messages[(chat_id, message_id)] = message
            call.params["_message_id"] = message_id
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def _api_sendPhoto(self, call: Call) -> dict[str, Any]:
        """A photo sent as an upload (its bytes are in the call's ``_files``)."""
        chat_id = int(call.params["chat_id"])
        message_id = next(self._ids)
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id),
                                   "from": self.bot_user, "caption": call.params.get("caption", ""),
                                   "photo": [{"file_id": f"photo{message_id}", "file_unique_id": f"u{message_id}",
                                              "width": 1080, "height": 1350}]}
        with self._lock:
            self._messages[(chat_id, message_id)] = message
            call.params["_message_id"] = message_id
        return message

    def _api_editMessageText(self, call: Call) -> dict[str, Any]:
        chat_id, message_id = int(call.params["chat_id"]), int(call.params["message_id"])
        text, entities = parse_html(call.params["text"])
        with self._lock:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                raise _ApiError("Bad Request: message to edit not found")
            if message["text"] == text and message.get("reply_markup") == call.params.get("reply_markup"):
                raise _ApiError("Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
            message["text"] = text
            message["entities"] = entities
            markup = call.params.get("reply_markup")
            if isinstance(markup, dict):
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            call.params["_message_id"] = message_id
            return {k: v for k, v in message.items() if not k.startswith("_")}

    def _api_getChatAdministrators(self, call: Call) -> list[dict[str, Any]]:
        chat_id = int(call.params["chat_id"])
        return [*(_administrator(user) for user in self.admins.get(chat_id, [])), *self.raw_admins.get(chat_id, [])]

    def _api_getChatMember(self, call: Call) -> dict[str, Any]:
        chat_id, user_id = int(call.params["chat_id"]), int(call.params["user_id"])
        admins = {int(user["id"]): user for user in self.admins.get(chat_id, [])}
        user = admins.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        status = self.member_status.get((chat_id, user_id), "administrator" if user_id in admins else "member")
        if status == "administrator":
            return _administrator(user)
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        if status == "restricted":
            rights = ("can_change_info", "can_invite_users", "can_pin_messages", "can_send_messages",
                      "can_send_polls", "can_send_other_messages", "can_add_web_page_previews", "can_manage_topics",
                      "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
                      "can_send_video_notes", "can_send_voice_notes", "can_edit_tag", "can_react_to_messages")
            return {"status": "restricted", "user": user, "is_member": self.restricted_is_member,
                    "until_date": 0, **dict.fromkeys(rights, False)}
        return {"status": status, "user": user}

    def _api_getChat(self, call: Call) -> dict[str, Any]:
        return {**self._chat(int(call.params["chat_id"])), "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False}}


class _ApiError(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


def _decode(form: dict[str, Any]) -> dict[str, Any]:
    """PTB sends every non-string value JSON-encoded; strings stay as they are."""
    params: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            continue
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = value
        params[key] = decoded if isinstance(decoded, dict | list | int | float | bool) or decoded is None else value
    return params


def _administrator(user: dict[str, Any]) -> dict[str, Any]:
    rights = ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
              "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
              "can_edit_stories", "can_delete_stories")
    return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
            **dict.fromkeys(rights, True)}


# --------------------------------------------------------------------------- HTML like Telegram parses it


class _Parser(HTMLParser):
    ALLOWED: ClassVar[dict[str, str]] = {
        "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "code": "code", "pre": "pre", "a": "",
        "s": "strikethrough",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self._open: list[tuple[str, int, dict[str, Any]]] = []

    def _offset(self) -> int:
        return len(self.text.encode("utf-16-le")) // 2

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            raise _ApiError(f"Bad Request: can't parse entities: unsupported start tag \"{tag}\"")
        entity: dict[str, Any] = {"type": self.ALLOWED[tag]}
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("tg://user?id="):
                entity = {"type": "text_mention", "user": {"id": int(href.split("=", 1)[1]), "is_bot": False,
                                                           "first_name": "?"}}
            else:
                entity = {"type": "text_link", "url": href}
        self._open.append((tag, self._offset(), entity))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            raise _ApiError(f"Bad Request: can't parse entities: unexpected end tag \"{tag}\"")
        _, start, entity = self._open.pop()
        length = self._offset() - start
        if entity.get("type") == "text_mention":
            entity["user"]["first_name"] = self.text[-length:] if length else "?"
        if length:
            self.entities.append({**entity, "offset": start, "length": length})

    def handle_data(self, data: str) -> None:
        self.text += data


# What Telegram accepts after "&": the four named entities it supports and numeric ones.
# Anything else (a bare "&", "&amp" without ";", "&nbsp;") is refused with 400.
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


def _check_entities(html: str) -> None:
    for index, char in enumerate(html):
        if char == "&" and not _ENTITY.match(html, index):
            offset = len(html[:index].encode("utf-8"))
            raise _ApiError(f"Bad Request: can't parse entities: character '&' is reserved and must be "
                            f"escaped at byte offset {offset}")


def parse_html(html: str) -> tuple[str, list[dict[str, Any]]]:
    _check_entities(html)
    parser = _Parser()
    parser.feed(html)
    parser.close()
    if parser._open:
        raise _ApiError("Bad Request: can't parse entities: unclosed tag")
    if not parser.text.strip():
        raise _ApiError("Bad Request: message text is empty")
    if len(parser.text.encode("utf-16-le")) // 2 > 4096:
        raise _ApiError("Bad Request: message is too long")
    entities = sorted(parser.entities, key=lambda e: e["offset"])
    return parser.text, entities


def plain_text(html: str) -> str:
    try:
        return parse_html(html)[0]
    except _ApiError:
        return html
