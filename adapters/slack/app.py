"""The Slack platform: a slack-bolt ``AsyncApp`` wired to the channel service.

This is the wiring and the lifecycle (``bot.app.platforms.Platform``): it builds the Web API
client, Bolt and the transport, mounts the HTTP edge (``adapters.slack.edge``: size limit,
signature check, OAuth routes), registers the listeners (``adapters.slack.listeners``: store
then acknowledge) with the checks of who may act (``adapters.slack.access``), and owns the
background tasks listeners leave for after their acknowledgement, so ``stop`` can let them
finish.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import translate
from adapters.slack.access import SlackAccess
from adapters.slack.config import SlackConfig
from adapters.slack.edge import SlackEdge
from adapters.slack.installations import OAuthStores
from adapters.slack.listeners import SlackListeners
from adapters.slack.transport import FixedToken, SlackTransport, TokenSource
from bot.core.ports import ChannelPort, DrawCard, Transport
from bot.core.script import Script

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SCOPES = ("commands", "chat:write", "channels:history", "groups:history", "channels:read", "groups:read",
          "users:read", "reactions:write", "files:write")
_DRAIN_SECONDS = 10.0


class _QuietBolt(AsyncApp):
    """Bolt describes a request no listener matched by reading its body; a malformed (yet signed)
    body made that crash into a 500, and for some payload types it would log what people typed.
    We log only the fact, and the answer stays Bolt's 404."""

    def _handle_unmatched_requests(self, req: AsyncBoltRequest, resp: BoltResponse) -> BoltResponse:
        log.info("slack: no listener for a request; ignored")
        return resp


class _SkipTokenNote(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client (ours, which
    holds that token and the API URL) and then warns that the token goes unused: noise at
    every start of a correctly configured bot."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_BOLT_LOG = logging.getLogger("adapters.slack.bolt")


class SlackPlatform:
    """``bot.app.platforms.Platform`` for Slack (HTTP Events API or Socket Mode).

    ``port`` is all it asks of the shell; ``texts`` the words it says before the engine is
    involved (refusals, App Home); ``stores`` the OAuth installs' (with ``config.client_id``).
    """

    name = "slack"
    needs_single_owner = False  # every replica may receive events and deliver

    def __init__(self, config: SlackConfig, port: ChannelPort, texts: Script,
                 stores: OAuthStores | None = None, draw: DrawCard | None = None) -> None:
        if bool(config.client_id) != (stores is not None):
            raise ValueError("OAuth installs (SLACK_CLIENT_ID) need their stores, and only they do")
        self._texts = texts
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False
        self._receiving = False  # HTTP mode: our events route is mounted (not in a worker)
        self._socket: AsyncSocketModeHandler | None = None
        self._app_token = config.app_token
        client_kwargs: dict[str, Any] = {"base_url": config.api_url} if config.api_url else {}
        oauth: AsyncOAuthSettings | None = None
        self._stores = stores
        tokens: TokenSource
        if stores is not None:
            assert config.client_id and config.client_secret  # SlackConfig checked both
            oauth = AsyncOAuthSettings(
                client_id=config.client_id,
                client_secret=config.client_secret,
                scopes=list(SCOPES),
                installation_store=stores.installations,
                state_store=stores.states,
            )
            self._client = AsyncWebClient(**client_kwargs)
            tokens = stores.installations
        else:
            assert config.bot_token  # SlackConfig checked it
            self._client = AsyncWebClient(token=config.bot_token, **client_kwargs)
            tokens = FixedToken(config.bot_token)
        if not any(isinstance(f, _SkipTokenNote) for f in _BOLT_LOG.filters):
            _BOLT_LOG.addFilter(_SkipTokenNote())
        self.bolt = _QuietBolt(
            name="voordenken",
            client=self._client,
            oauth_settings=oauth,
            # Listeners run before the HTTP response: an event, command, press or reason is answered
            # only once it is stored, so a crash can never swallow one Slack thinks was delivered.
            process_before_response=True,
            # Verified at the edge (adapters.slack.edge), not by Bolt; Socket Mode needs none.
            request_verification_enabled=False,
            logger=_BOLT_LOG,
        )
        self._edge = SlackEdge(self.bolt, config.signing_secret)
        self._listeners = SlackListeners(port, texts, SlackAccess(), self._spawn)
        self.transport: Transport = SlackTransport(self._client, tokens, texts, draw)
        self._register()

    # ------------------------------------------------------------------ Platform

    def mount(self, web_app: web.Application) -> None:
        if self._app_token is None:
            web_app.router.add_post(EVENTS_PATH, self._edge.events)
            self._receiving = True
        flow = self.bolt.oauth_flow
        if flow is not None:
            web_app.router.add_get(flow.install_path, self._edge.install)
            web_app.router.add_get(flow.redirect_uri_path, self._edge.oauth_redirect)

    async def start(self) -> None:
        # One pooled HTTP session for every Web API call (Bolt's per-request clients copy it):
        # without it slack-sdk opens and closes a connection per call.
        self._client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._client.timeout))
        if self._stores is not None:
            await self._stores.create_tables()
        if self._app_token is not None:
            self._socket = AsyncSocketModeHandler(self.bolt, self._app_token)
            await self._socket.connect_async()
            log.info("slack: connected in Socket Mode")
        elif self._receiving:
            log.info("slack: receiving events over HTTP at %s", EVENTS_PATH)
        else:
            log.info("slack: sending only (events arrive at the web processes)")
        self._started = True

    async def stop(self) -> None:
        self._started = False
        if self._socket is not None:
            await self._socket.close_async()
        try:
            await asyncio.wait_for(self.drain(), _DRAIN_SECONDS)
        except TimeoutError:
            pending = set(self._tasks)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        session, self._client.session = self._client.session, None
        if session is not None:
            await session.close()

    async def drain(self) -> None:
        """Wait until the work of every acknowledged request is done (also used by tests)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    def healthy(self) -> bool:
        if not self._started:
            return False
        if self._socket is None:
            return True
        client = self._socket.client
        session = client.current_session
        return not client.closed and session is not None and not session.closed

    # ------------------------------------------------------------------ listeners

    def _register(self) -> None:
        bolt, listeners = self.bolt, self._listeners
        # Bolt tries listeners in this order, on every request: the most frequent goes first.
        bolt.event("message")(listeners.on_message)
        for word in self._texts.command_words():  # the words the language files define
            bolt.command(f"/{word}")(listeners.on_command)
        bolt.action(re.compile("^" + re.escape(translate.ACTION_PREFIX)))(listeners.on_action)
        bolt.view(translate.REASON_CALLBACK)(listeners.on_reason)
        bolt.view(translate.DRAFT_CALLBACK)(listeners.on_reason)  # the edited draft takes the same path
        bolt.event("app_home_opened")(listeners.on_home)
        bolt.event("member_joined_channel")(listeners.on_member_change)
        bolt.event("member_left_channel")(listeners.on_member_change)

    # ------------------------------------------------------------------ work (after ack)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._guarded(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, None]) -> None:
        """Background work has no caller to raise to: log the failure (type and trace, no payload)."""
        try:
            await work
        except Exception:
            log.exception("slack: work after acknowledging a request failed")
