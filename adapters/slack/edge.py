"""The HTTP edge: what Slack's requests pass through before Bolt (and our listeners) see them.

Every events request is read whole (however many network reads it takes: proxies and pod
networks split bodies), size-limited and its signature verified here, before Bolt sees it:
Bolt's own check would log the rejected request body, and we log only the fact. Junk in the
signature headers (a timestamp ``abc`` or 400 digits, a non-ASCII signature) is a wrong
signature like any other: 401 and one log line, never a 500 with a traceback. A body that
is signed yet not a Slack payload is refused with a 400, never a 500 Slack would retry.
OAuth installs (when configured) get their install and redirect routes here too.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.slack.listeners import SLACK_RETRY_STATUS

log = logging.getLogger(__name__)

# Slack's own payloads are a few KB; anything near this is not from Slack.
MAX_BODY = 256 * 1024
# Slack's requests are signed with a timestamp; an older (or future) one is a replay.
MAX_AGE_SECONDS = 300
_TIMESTAMP_DIGITS = 12  # a Unix time in seconds has 10 digits until the year 2286


def signed(secret: bytes, body: bytes, timestamp: str, signature: str, now: float) -> bool:
    """Is ``signature`` Slack's (v0) over ``body`` at ``timestamp``, and recent? False for any junk.

    The HMAC is computed over the bytes as received: a body that is not UTF-8 cannot be
    signed by Slack and is simply not valid (slack_sdk's verifier raised on it).
    """
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _TIMESTAMP_DIGITS):
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS or not signature.isascii():
        return False
    digest = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}".encode(), signature.encode())


class SlackEdge:
    """The aiohttp handlers in front of ``bolt``; ``signing_secret`` is needed for events over HTTP."""

    def __init__(self, bolt: AsyncApp, signing_secret: str | None,
                 clock: Callable[[], float] = time.time) -> None:
        self._bolt = bolt
        self._secret = signing_secret.encode() if signing_secret else None
        self._clock = clock

    async def events(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        try:
            # The whole body, Content-Length or chunked (the server's body deadline,
            # bot.app.http_body, has usually read it already and bounds how long it takes).
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        if len(body) > MAX_BODY:
            return web.Response(status=413)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        assert self._secret is not None
        if not signed(self._secret, body, timestamp, signature, self._clock()):
            log.warning("slack: rejected a request with a missing, wrong or stale signature")
            return web.json_response({"error": "invalid request"}, status=401)
        retry = request.headers.get("X-Slack-Retry-Num")
        if retry:
            log.debug("slack: retried delivery #%s (%s)", retry, request.headers.get("X-Slack-Retry-Reason", "?"))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return web.Response(status=400)
        try:
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string,
                                            headers=request.headers)  # type: ignore[arg-type]
        except Exception as error:  # truncated JSON, a payload field that is not JSON...
            log.warning("slack: refused a signed request whose body is not a Slack payload (%s)",
                        type(error).__name__)
            return web.Response(status=400)
        response = await self._bolt.async_dispatch(bolt_request)
        if response.status == SLACK_RETRY_STATUS:
            return web.Response(status=SLACK_RETRY_STATUS)  # our own "not stored": Slack retries
        if response.status >= 500:
            # Our listeners do not raise (their failures are answered above or logged), so a 5xx
            # here is Bolt's own middleware tripping over a malformed payload: not worth a retry.
            log.warning("slack: a signed request could not be dispatched (malformed payload)")
            return web.Response(status=400)
        return await to_aiohttp_response(response)

    async def install(self, request: web.Request) -> web.Response:
        assert self._bolt.oauth_flow is not None
        response = await self._bolt.oauth_flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def oauth_redirect(self, request: web.Request) -> web.Response:
        assert self._bolt.oauth_flow is not None
        response = await self._bolt.oauth_flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)
