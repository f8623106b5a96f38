"""The Slack platform: a slack-bolt ``AsyncApp`` wired to the channel service.

Slack wants an answer within 3 s. Message events, slash commands, button presses and vote
reasons are answered once they are stored (the service's inbox), so a replica that dies
after answering loses nothing; they are processed right after (the engine may ask for a
reason: the transport then opens the reason modal). What changes no state
(a refusal, App Home) is acknowledged first and done after, in
background tasks kept in ``self._tasks`` so ``stop`` can let them finish.
De-duplication of retried deliveries is the service's (its database table, keyed by
the event ids ``translate`` builds), never an in-memory set here.

Only members of a channel take part in its session: every interaction (button, reason
modal) is checked against the channel's member list first (``adapters.slack.members``).

HTTP mode verifies every request's signature at the edge, before Bolt sees it: Bolt's
own check would log the rejected request body, and we log only the fact.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Coroutine
from typing import Any

import aiohttp
from aiohttp import web
from cachetools import TTLCache
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import translate
from adapters.slack.config import SlackConfig
from adapters.slack.home import home
from adapters.slack.installations import OAuthStores
from adapters.slack.members import ChannelMembers, MembersUnavailable
from adapters.slack.transport import FixedToken, SlackTransport, TokenSource, error_code
from bot.core.model import ButtonPressed, CommandIssued, InboundEvent
from bot.core.ports import ChannelPort, Transport
from bot.core.script import Script

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's own payloads are a few KB; anything near this is not from Slack.
MAX_BODY = 256 * 1024
SLACK_RETRY_STATUS = 503  # answered when an event could not be stored, so Slack delivers it again
SCOPES = ("commands", "chat:write", "channels:history", "groups:history", "channels:read", "groups:read",
          "users:read")
_DRAIN_SECONDS = 10.0
# Workspace admins may steer a session like its facilitator; looked up with users.info and
# kept this long, so a changed role counts within minutes without a call per click.
ADMIN_CACHE_SECONDS = 600.0
MAX_ADMINS = 10_000  # (workspace, user) answers kept
# A reason modal must be answered within 3 s of its submission, membership check included.
MEMBERS_WAIT_SECONDS = 2.0
# A slash command is acknowledged once checked and stored, if the checks (Slack API calls)
# take less than this; Slack wants its answer within 3 s.
COMMAND_CHECK_SECONDS = 1.5
JOINED_CACHE_SECONDS = 60.0
MAX_JOINED = 10_000


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
                 stores: OAuthStores | None = None) -> None:
        if bool(config.client_id) != (stores is not None):
            raise ValueError("OAuth installs (SLACK_CLIENT_ID) need their stores, and only they do")
        self._port = port
        self._texts = texts
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = False
        self._receiving = False  # HTTP mode: our events route is mounted (not in a worker)
        self._socket: AsyncSocketModeHandler | None = None
        self._admins: TTLCache[tuple[str, str], bool] = TTLCache(MAX_ADMINS, ttl=ADMIN_CACHE_SECONDS)
        self._members = ChannelMembers()
        # Channels where conversations.info said the bot is in: Slack allows ~50 calls a
        # minute (Tier 3), a command each would not do. Only this answer is kept (a channel
        # that invites the bot works at once); the bot leaving drops it (member events).
        self._joined: TTLCache[str, bool] = TTLCache(MAX_JOINED, ttl=JOINED_CACHE_SECONDS)
        self._app_token = config.app_token
        self._verifier = SignatureVerifier(config.signing_secret) if config.signing_secret else None
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
            # Verified at the edge in _events (see the module docstring); Socket Mode needs none.
            request_verification_enabled=False,
            logger=_BOLT_LOG,
        )
        self.transport: Transport = SlackTransport(self._client, tokens, texts)
        self._register()

    # ------------------------------------------------------------------ Platform

    def mount(self, web_app: web.Application) -> None:
        if self._app_token is None:
            web_app.router.add_post(EVENTS_PATH, self._events)
            self._receiving = True
        flow = self.bolt.oauth_flow
        if flow is not None:
            web_app.router.add_get(flow.install_path, self._install)
            web_app.router.add_get(flow.redirect_uri_path, self._oauth_redirect)

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

    # ------------------------------------------------------------------ HTTP

    async def _events(self, request: web.Request) -> web.Response:
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
        response = await self.bolt.async_dispatch(bolt_request)
        if response.status == SLACK_RETRY_STATUS:
            return web.Response(status=SLACK_RETRY_STATUS)  # our own "not stored": Slack retries
        if response.status >= 500:
            # Our listeners do not raise (their failures are answered above or logged), so a 5xx
            # here is Bolt's own middleware tripping over a malformed payload: not worth a retry.
            log.warning("slack: a signed request could not be dispatched (malformed payload)")
            return web.Response(status=400)
        return await to_aiohttp_response(response)

    async def _install(self, request: web.Request) -> web.Response:
        assert self.bolt.oauth_flow is not None
        response = await self.bolt.oauth_flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _oauth_redirect(self, request: web.Request) -> web.Response:
        assert self.bolt.oauth_flow is not None
        response = await self.bolt.oauth_flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    # ------------------------------------------------------------------ listeners

    def _register(self) -> None:
        bolt = self.bolt
        # Bolt tries listeners in this order, on every request: the most frequent goes first.
        bolt.event("message")(self._on_message)
        for word in self._texts.command_words():  # the words the language files define
            bolt.command(f"/{word}")(self._on_command)
        bolt.action(re.compile("^" + re.escape(translate.ACTION_PREFIX)))(self._on_action)
        bolt.view(translate.REASON_CALLBACK)(self._on_reason)
        bolt.event("app_home_opened")(self._on_home)
        bolt.event("member_joined_channel")(self._on_member_change)
        bolt.event("member_left_channel")(self._on_member_change)

    async def _on_command(
        self, ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> BoltResponse | None:
        """Check, store (the inbox), then acknowledge: a command Slack saw answered is never lost.

        Slack does not retry a command; a non-200 shows the person an error, so they try again.
        When Slack is slow to answer our checks, acknowledge in time and do the rest after.
        """
        parsed = translate.command(body)
        if parsed is None:
            await ack()
            return None
        try:
            admitted = await asyncio.wait_for(self._admit(parsed, client), COMMAND_CHECK_SECONDS)
        except TimeoutError:
            await ack()
            self._spawn(self._command(parsed, respond, client))
            return None
        if isinstance(admitted, CommandIssued):
            return await self._store_then_ack(ack, admitted)
        await ack()
        self._spawn(self._explain(parsed, admitted, respond))
        return None

    async def _store_then_ack(self, ack: Any, event: CommandIssued | ButtonPressed) -> BoltResponse | None:
        """Acknowledge once ``event`` is stored; when it cannot be, a 503 makes Slack show an error."""
        try:
            await self._port.accept(event)
        except Exception:
            log.exception("slack: could not store a %s; the person is asked to try again", type(event).__name__)
            return BoltResponse(status=SLACK_RETRY_STATUS, body="")
        await ack()
        return None

    async def _on_action(
        self, ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> BoltResponse | None:
        """A member's press is stored, then acknowledged (see ``_on_command``); the engine decides
        what it means, a reason modal included (opened by the transport with the press's trigger)."""
        pressed = translate.block_action(body)
        if pressed is None:
            await ack()
            return None
        try:
            admitted = await asyncio.wait_for(self._admit_press(pressed, client), COMMAND_CHECK_SECONDS)
        except TimeoutError:  # Slack answers our checks slowly: acknowledge in time, check and go after
            await ack()
            self._spawn(self._act(pressed, respond, client))
            return None
        if isinstance(admitted, str):  # refused: nothing reaches the engine, the person is told why
            await ack()
            self._spawn(self._tell_privately(pressed.channel, pressed.sender.id, admitted, respond, client))
            return None
        return await self._store_then_ack(ack, admitted)

    async def _admit_press(self, event: ButtonPressed, client: AsyncWebClient) -> ButtonPressed | str:
        """The press for the engine, or the text key to refuse it with."""
        refusal = await self._refusal(event.channel, event.sender.id, client)
        if refusal is not None:
            return refusal
        team, _ = translate.split_key(event.channel)
        admitted = await self._with_role(event, team, client)
        assert isinstance(admitted, ButtonPressed)
        return admitted

    async def _on_reason(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> BoltResponse | None:
        """A vote's reason from the modal: stored, then acknowledged (which closes the modal)."""
        submitted = translate.reason_submission(body)
        if submitted is None:
            await ack()
            return None
        deadline = asyncio.get_running_loop().time() + COMMAND_CHECK_SECONDS + MEMBERS_WAIT_SECONDS / 2
        refusal = await self._refusal(submitted.channel, submitted.user, client, wait=MEMBERS_WAIT_SECONDS)
        if refusal is not None:
            # A modal has no response_url, and chat.postEphemeral cannot reach a non-member:
            # the note goes on the modal itself, which stays open.
            text = self._texts.text(await self._port.language(submitted.channel), refusal)
            await ack(response_action="errors", errors={translate.REASON_BLOCK: text})
            return None
        if submitted.event is None:
            language = await self._port.language(submitted.channel)
            text = self._texts.text(language, "slack_reason_required")
            await ack(response_action="errors", errors={translate.REASON_BLOCK: text})
            return None
        team, _ = translate.split_key(submitted.event.channel)
        left = max(deadline - asyncio.get_running_loop().time(), 0.1)  # Slack wants its answer within 3 s
        try:
            admitted = await asyncio.wait_for(self._with_role(submitted.event, team, client), left)
        except TimeoutError:
            await ack()
            self._spawn(self._press(submitted.event, client))
            return None
        return await self._store_then_ack(ack, admitted)

    async def _on_message(self, body: dict[str, Any]) -> BoltResponse | None:
        """Store the message (the inbox) before Slack gets its 200; it is processed right after."""
        event = translate.message_event(body)
        if event is None:
            return None
        try:
            await self._port.accept(event)
        except Exception:
            log.exception("slack: could not store a message event; asking Slack to retry")
            return BoltResponse(status=SLACK_RETRY_STATUS, body="")
        return None

    async def _on_member_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Someone joined or left a channel: its cached member list is stale."""
        team = body.get("team_id") or event.get("team")
        channel = event.get("channel")
        if isinstance(team, str) and isinstance(channel, str):
            key = translate.channel_key(team, channel)
            self._members.forget(key)
            self._joined.pop(key, None)

    async def _on_home(self, event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        user, team = event.get("user"), context.team_id
        if event.get("tab") == "home" and isinstance(user, str) and isinstance(team, str):
            self._spawn(self._publish_home(team, user, client))

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

    async def _handle(self, event: InboundEvent) -> None:
        await self._port.handle(event)

    async def _act(self, event: ButtonPressed, respond: Any, client: AsyncWebClient) -> None:
        """A button press: only a member of the channel gets past here (to the engine)."""
        refusal = await self._refusal(event.channel, event.sender.id, client)
        if refusal is not None:
            await self._tell_privately(event.channel, event.sender.id, refusal, respond, client)
        else:
            await self._press(event, client)

    async def _refusal(self, channel: str, user: str, client: AsyncWebClient,
                       wait: float | None = None) -> str | None:
        """The text key to refuse ``user`` with in ``channel``, or ``None`` for a member.

        Fails closed: when Slack cannot say who is in the channel (rate limited, missing
        scope, too slow for a modal), the interaction is refused with a "try again" note,
        since letting it through could let an outsider vote.
        """
        try:
            _, channel_id = translate.split_key(channel)
            member = await asyncio.wait_for(self._members.is_member(client, channel, channel_id, user), wait)
        except MembersUnavailable as exc:
            log.info("slack: conversations.members failed (%s); refusing the interaction", exc.code)
            return "slack_members_unknown"
        except TimeoutError:
            log.info("slack: conversations.members took too long; refusing the interaction")
            return "slack_members_unknown"
        return None if member else "slack_members_only"

    async def _tell_privately(self, channel: str, user: str, key: str, respond: Any,
                              client: AsyncWebClient) -> None:
        """An ephemeral note through the interaction's response_url (which reaches non-members)."""
        text = self._texts.text(await self._port.language(channel), key)
        try:
            if respond is not None:
                await respond(text=text, response_type="ephemeral", replace_original=False)
            else:
                _, channel_id = translate.split_key(channel)
                await client.chat_postEphemeral(channel=channel_id, user=user, text=text)
        except Exception as exc:
            code = error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("slack: could not tell a user why their interaction was refused (%s)", code)

    async def _press(self, event: ButtonPressed, client: AsyncWebClient) -> None:
        team, _ = translate.split_key(event.channel)
        await self._handle(await self._with_role(event, team, client))

    async def _with_role(self, event: CommandIssued | ButtonPressed, team: str,
                         client: AsyncWebClient) -> CommandIssued | ButtonPressed:
        """Mark workspace admins and owners, who may act as facilitator (Sender.is_admin)."""
        if await self._is_admin(team, event.sender.id, client):
            return dataclasses.replace(event, sender=dataclasses.replace(event.sender, is_admin=True))
        return event

    async def _is_admin(self, team: str, user: str, client: AsyncWebClient) -> bool:
        cached = self._admins.get((team, user))
        if cached is not None:
            return cached
        try:
            info = (await client.users_info(user=user)).get("user") or {}
            admin = bool(info.get("is_admin") or info.get("is_owner"))
        except SlackApiError as exc:
            log.info("slack: users.info failed (%s); treating the user as a member", error_code(exc))
            admin = False
        self._admins[(team, user)] = admin
        return admin

    async def _command(self, parsed: translate.SlashCommand, respond: Any, client: AsyncWebClient) -> None:
        """The checks and the work of a command already acknowledged (Slack answered slowly)."""
        admitted = await self._admit(parsed, client)
        if isinstance(admitted, CommandIssued):
            await self._handle(admitted)
        else:
            await self._explain(parsed, admitted, respond)

    async def _admit(
        self, parsed: translate.SlashCommand, client: AsyncWebClient
    ) -> CommandIssued | tuple[str, dict[str, str]]:
        """The command for the engine, or why the bot cannot act in that channel (a text key)."""
        problem = await self._membership_problem(parsed.team_id, parsed.channel_id, client)
        if problem is not None:
            return problem
        event = await self._with_role(parsed.event, parsed.team_id, client)
        assert isinstance(event, CommandIssued)
        return event

    async def _explain(self, parsed: translate.SlashCommand, problem: tuple[str, dict[str, str]], respond: Any) -> None:
        key, params = problem
        language = (self._texts.command_language(parsed.event.command_word)
                    or await self._port.language(parsed.event.channel))
        if respond is not None:
            try:
                note = self._texts.text(language, key, **params)
                await respond(text=note, response_type="ephemeral")
            except Exception:
                log.warning("slack: could not answer a slash command through its response_url")

    async def _membership_problem(self, team: str, channel_id: str,
                                  client: AsyncWebClient) -> tuple[str, dict[str, str]] | None:
        key = translate.channel_key(team, channel_id)
        if self._joined.get(key):
            return None
        try:
            info = await client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            error = error_code(exc)
            if error in ("channel_not_found", "not_in_channel"):
                return "slack_not_in_channel", {}
            if error == "missing_scope":
                needed = exc.response.data.get("needed") if isinstance(exc.response.data, dict) else None
                return "slack_missing_scope", {"scope": str(needed or "channels:read, groups:read")}
            log.info("slack: membership check failed (%s); going ahead", error or exc.response.status_code)
            return None  # a hiccup: delivery will report a real problem
        channel = info.get("channel") or {}
        if channel.get("is_im") or channel.get("is_mpim"):
            return "slack_use_in_channel", {}
        if not channel.get("is_member", False):
            return "slack_not_in_channel", {}
        self._joined[key] = True
        return None

    async def _publish_home(self, team: str, user: str, client: AsyncWebClient) -> None:
        # Heads only: the view needs phase, participants and the open round, not the answers.
        states = await self._port.overviews(translate.channel_key(team, ""))
        view = home(states, team, user, self._texts, self._texts.default_language)
        try:
            await client.views_publish(user_id=user, view=view)
        except SlackApiError as exc:
            log.warning("slack: could not publish App Home (%s)", error_code(exc))

