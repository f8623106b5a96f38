"""A small fake of the Slack Web API (and the Socket Mode websocket), for offline tests.

It runs an aiohttp server in a daemon thread with its own event loop on an ephemeral
port (a server on the test's own loop would hang across pytest-asyncio loop scopes),
records every call thread-safely, and can be told to answer 429 or an API error.
The real slack_sdk ``AsyncWebClient`` talks to it over HTTP.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.background_server import BackgroundServer, FakeServer, poll_until

TEAM = "T1"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
# Everyone the tests act as (conftest's uid(): alice -> UALICE; tests/ops: UFAC, UA1.., UV1..) is in
# every channel unless a test says otherwise with ``FakeSlack.members``.
DEFAULT_PEOPLE = (BOT_USER, *(f"U{name.upper()}" for name in (
    "alice", "bob", "carol", "dana", "dave", "erin", "frank", "mallory", "installer")),
    "UFAC", *(f"UA{i}" for i in range(1, 10)), *(f"UV{i}" for i in range(1, 21)))
MAX_MEMBERS_PAGE = 1000  # Slack's cap on conversations.members' limit


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def ts(self) -> str:
        """The ts Slack answered (a new message) or was asked to update."""
        return str(self.result.get("ts") or self.result.get("message_ts") or self.params.get("ts"))

    @property
    def channel(self) -> str | None:
        return self.params.get("channel")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or (self.params.get("view") or {}).get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    @property
    def content(self) -> str:
        """Everything a person would read: fallback text plus the blocks' texts."""
        parts = [str(self.params.get("text") or "")]
        for block in self.blocks:
            text = block.get("text")
            if isinstance(text, dict):
                parts.append(str(text.get("text", "")))
            for element in block.get("elements", []) or []:
                label = element.get("text")
                if isinstance(label, dict):
                    parts.append(str(label.get("text", "")))
        return "\n".join(parts)

    def button(self, label: str) -> dict[str, Any]:
        """The button element whose label contains ``label``."""
        for block in self.blocks:
            for element in block.get("elements", []) or []:
                if element.get("type") == "button" and label in element["text"]["text"]:
                    return dict(element)
        raise AssertionError(f"no button {label!r} in {self.method} call: {self.content!r}")


@dataclass
class _Rule:
    method: str
    remaining: int
    error: str | None = None
    status: int = 200
    retry_after: float | None = None
    channel: str | None = None
    skip: int = 0  # calls that pass before it applies


class FakeSlack(FakeServer):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._rules: list[_Rule] = []
        self._outage: tuple[int, str] | None = None  # (HTTP status, method prefix) while "Slack is down"
        self._ts = itertools.count(1)
        self.not_member: set[str] = set()  # conversations.info: is_member false (public channel)
        self.hidden: set[str] = set()  # conversations.info: channel_not_found (private, not invited)
        self.ims: set[str] = set()
        self.admins: set[str] = set()  # users.info: is_admin true
        # conversations.members: a channel's roster (default: everyone in ``people``). Pages hold at
        # most ``limit`` ids (and at most ``members_page_size``, when set), like Slack's.
        self.people: list[str] = list(DEFAULT_PEOPLE)
        self.members: dict[str, list[str]] = {}
        self.members_page_size: int | None = None
        self.socket_acks: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}  # file id -> the bytes uploaded to its upload URL
        self.titles: dict[str, str] = {}  # users.info: a person's profile title
        self._dropping: set[str] = set()  # methods whose connections are cut (see ``drop_connections``)
        self._sockets: list[web.WebSocketResponse] = []
        self._server = BackgroundServer("fake-slack", self._app, self._close_sockets)

    # ------------------------------------------------------------------ life cycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_post("/upload/{id}", self._upload)
        app.router.add_get("/socket", self._socket)
        return app

    async def _upload(self, request: web.Request) -> web.Response:
        """Step 2 of files_upload_v2: the file's bytes to the URL getUploadURLExternal gave."""
        data = await request.read()
        with self._lock:
            self.uploads[request.match_info["id"]] = data
        return web.Response(text=f"OK - {len(data)}")

    def shared_files(self) -> list[Call]:
        """Every files.completeUploadExternal: a file shared in a channel."""
        return self.calls("files.completeUploadExternal")

    async def _close_sockets(self) -> None:
        for ws in list(self._sockets):
            await ws.close()

    # ------------------------------------------------------------------ behaviour

    def rate_limit(self, method: str, times: int, retry_after: float = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After``."""
        with self._lock:
            self._rules.append(_Rule(method, times, "ratelimited", 429, retry_after))

    def fail(self, method: str, error: str, *, channel: str | None = None, times: int = 1_000_000,
             status: int = 200) -> None:
        """Answer ``method`` (for ``channel``) with ``{"ok": false, "error": error}`` and HTTP ``status``."""
        with self._lock:
            self._rules.append(_Rule(method, times, error, status, channel=channel))

    def fail_nth(self, method: str, n: int, status: int = 500, error: str = "internal_error") -> None:
        """Let ``n - 1`` calls of ``method`` through, then answer the ``n``-th with HTTP ``status`` (once)."""
        with self._lock:
            self._rules.append(_Rule(method, 1, error, status, skip=n - 1))

    def outage(self, status: int = 503, prefix: str = "chat.") -> None:
        """Slack is down for the methods starting with ``prefix``: HTTP ``status``, no JSON, until :meth:`recover`.

        ``status=0``: the connection is dropped without an answer (a network outage)."""
        with self._lock:
            self._outage = (status, prefix)

    def recover(self) -> None:
        with self._lock:
            self._outage = None

    def _down(self, method: str) -> int | None:
        with self._lock:
            outage = self._outage
        return outage[0] if outage is not None and method.startswith(outage[1]) else None

    def drop_connections(self, method: str, dropping: bool = True) -> None:
        """Cut the connection of every ``method`` call without answering (a network failure)."""
        with self._lock:
            (self._dropping.add if dropping else self._dropping.discard)(method)

    def _drops(self, method: str, request: web.Request) -> bool:
        """Record and cut ``request`` when its method is being dropped."""
        with self._lock:
            if method not in self._dropping:
                return False
            self._calls.append(Call(method, {}, None, result={"ok": False, "error": "connection dropped"}))
        if request.transport is not None:
            request.transport.abort()
        return True

    def _rule_for(self, method: str, params: dict[str, Any]) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.method == method and rule.remaining > 0 and rule.channel in (None, params.get("channel")):
                    if rule.skip > 0:
                        rule.skip -= 1
                        continue
                    rule.remaining -= 1
                    return rule
        return None

    # ------------------------------------------------------------------ recorded calls

    def calls(self, method: str | None = None, *, channel: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if (method is None or c.method == method)
                    and (channel is None or c.channel == channel)]

    def reactions(self) -> list[tuple[str, str, str]]:
        """(channel, message ts, emoji name) of every ``reactions.add``, in order."""
        return [(c.params["channel"], c.params["timestamp"], c.params["name"]) for c in self.calls("reactions.add")]

    def messages(self, containing: str = "") -> list[Call]:
        """Channel messages (posts and thread replies) whose content contains ``containing``."""
        return [c for c in self.calls("chat.postMessage") if containing in c.content]

    async def wait_for(self, find: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
        """Poll ``find`` until it returns something truthy; fail after ``timeout`` seconds."""

        def describe() -> str:
            summary = "\n".join(f"  {c.method}: {c.content[:80]!r}" for c in self.calls())
            return f"timed out waiting for {what or find}; calls so far:\n{summary}"

        return await poll_until(find, timeout, describe)

    async def posted(self, containing: str, method: str = "chat.postMessage", timeout: float = 5.0) -> Call:
        """Wait for a ``method`` call whose content contains ``containing``; return the latest."""
        found = await self.wait_for(
            lambda: [c for c in self.calls(method) if containing in c.content], timeout,
            f"{method} containing {containing!r}")
        return found[-1]

    # ------------------------------------------------------------------ HTTP handlers

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.query)
        if request.content_type == "application/json":
            data = await request.json()
            return dict(data) if isinstance(data, dict) else {}
        form = await request.post()
        params: dict[str, Any] = dict(request.query)  # some SDK methods (reactions.add) send the query string
        for key, value in form.items():
            params[key] = value if isinstance(value, str) else str(value)
        for key in ("blocks", "view"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if self._drops(method, request):
            raise ConnectionResetError(f"fake Slack dropped a {method} connection")
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else params.pop("token", None)
        call = Call(method, params, token)
        down = self._down(method)
        if down is not None:
            call.result = {"ok": False, "error": f"http_{down}"}
            self._record(call)
            if down == 0 and request.transport is not None:
                request.transport.close()  # the client sees the connection drop
            return web.Response(status=down, text="<html>Service Unavailable</html>", content_type="text/html")
        rule = self._rule_for(method, params)
        if rule is not None:
            headers = {"Retry-After": str(int(rule.retry_after))} if rule.retry_after is not None else {}
            call.result = {"ok": False, "error": rule.error}
            self._record(call)
            return web.json_response(call.result, status=rule.status, headers=headers)
        with self._lock:
            call.result = self._answer(method, params, token)
            self._calls.append(call)
        return web.json_response(call.result)

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _answer(self, method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
        channel = params.get("channel")
        if method == "auth.test":
            team = "T2" if token == "xoxb-installed" else TEAM
            return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "voordenken",
                    "team_id": team, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, "text": params.get("text")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": params.get("ts"), "text": params.get("text")}
        if method == "reactions.add":  # recorded like every call: see ``reactions``
            return {"ok": True}
        if method == "conversations.info":
            if channel in self.hidden:
                return {"ok": False, "error": "channel_not_found"}
            if channel in self.ims:
                return {"ok": True, "channel": {"id": channel, "is_im": True}}
            return {"ok": True, "channel": {"id": channel, "is_channel": True,
                                            "is_member": channel not in self.not_member}}
        if method == "conversations.members":
            return self._members_page(params)
        if method == "users.info":
            user = params.get("user")
            return {"ok": True, "user": {"id": user, "is_admin": user in self.admins, "is_owner": False,
                                         "profile": {"title": self.titles.get(str(user), "")}}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):06d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files") or "[]")
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "oauth.v2.access":
            return {"ok": True, "access_token": "xoxb-installed", "token_type": "bot", "scope": "commands,chat:write",
                    "bot_user_id": BOT_USER, "app_id": "A1", "team": {"id": "T2", "name": "Other"},
                    "enterprise": None, "is_enterprise_install": False,
                    "authed_user": {"id": "UINSTALLER"}}
        return {"ok": True}

    def _members_page(self, params: dict[str, Any]) -> dict[str, Any]:
        """One page of a roster; the cursor is opaque to the client (here: ``page:<offset>``)."""
        channel = params.get("channel")
        if channel in self.hidden:
            return {"ok": False, "error": "channel_not_found"}
        roster = self.members.get(str(channel), self.people)
        size = max(1, min(int(params.get("limit") or 100), MAX_MEMBERS_PAGE, self.members_page_size or 10**9))
        cursor = str(params.get("cursor") or "")
        if cursor and not (cursor.startswith("page:") and cursor[5:].isdigit()):
            return {"ok": False, "error": "invalid_cursor"}
        start = int(cursor[5:]) if cursor else 0
        end = start + size
        return {"ok": True, "members": roster[start:end],
                "response_metadata": {"next_cursor": f"page:{end}" if end < len(roster) else ""}}

    async def _respond(self, request: web.Request) -> web.Response:
        data = await request.json()
        self._record(Call("respond", dict(data), None))
        return web.Response(text="ok")

    # ------------------------------------------------------------------ Socket Mode

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A1"}, "debug_info": {"host": "fake"}})
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    with self._lock:
                        self.socket_acks.append(ack)
        finally:
            self._sockets.remove(ws)
        return ws

    @property
    def socket_connected(self) -> bool:
        return bool(self._sockets)

    async def socket_send(self, envelope: dict[str, Any]) -> None:
        """Push an envelope to the connected Socket Mode client (from the test's loop)."""
        assert self._server.loop is not None and self._sockets, "no Socket Mode connection"
        ws = self._sockets[-1]
        future = asyncio.run_coroutine_threadsafe(ws.send_json(envelope), self._server.loop)
        await asyncio.wrap_future(future)

    def acked(self, envelope_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [a for a in self.socket_acks if a.get("envelope_id") == envelope_id]
