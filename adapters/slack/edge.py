"""The HTTP edge: what Slack's requests pass through before Bolt (and our listeners) see them.

Every events request is size-limited and its signature verified here, before Bolt sees it:
Bolt's own check would log the rejected request body, and we log only the fact. A body that
is signed yet not a Slack payload is refused with a 400, never a 500 Slack would retry.
OAuth installs (when configured) get their install and redirect routes here too.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.listeners import SLACK_RETRY_STATUS

log = logging.getLogger(__name__)

# Slack's own payloads are a few KB; anything near this is not from Slack.
MAX_BODY = 256 * 1024


class SlackEdge:
    """The aiohttp handlers in front of ``bolt``; ``signing_secret`` is needed for events over HTTP."""

    def __init__(self, bolt: AsyncApp, signing_secret: str | None) -> None:
        self._bolt = bolt
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def events(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413)
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.Response(status=413)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        assert self._verifier is not None
        if not timestamp or not signature or not self._verifier.is_valid(body, timestamp, signature):
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
