"""What each Bolt listener does with a request, and when it answers Slack.

Slack wants an answer within 3 s. Message events, slash commands, button presses and vote
reasons are answered once they are stored (the service's inbox), so a replica that dies
after answering loses nothing; they are processed right after (the engine may ask for a
reason: the transport then opens the reason modal). What changes no state
(a refusal, App Home) is acknowledged first and done after, in background tasks handed to
``spawn`` (the platform's, so its ``stop`` can let them finish); so is the rest of a check
Slack answers too slowly to finish within the 3 s.
De-duplication of retried deliveries is the service's (its database table, keyed by
the event ids ``translate`` builds), never an in-memory set here.

Who may act is ``adapters.slack.access``'s to say; the listeners act on its answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import translate
from adapters.slack.access import Problem, SlackAccess
from adapters.slack.home import home
from adapters.slack.transport import error_code
from bot.core.model import ButtonAction, ButtonPressed, CommandIssued
from bot.core.ports import ChannelPort
from bot.core.script import Script

log = logging.getLogger(__name__)

SLACK_RETRY_STATUS = 503  # answered when an event could not be stored, so Slack delivers it again
# A reason modal must be answered within 3 s of its submission, membership check included.
MEMBERS_WAIT_SECONDS = 2.0
# A slash command is acknowledged once checked and stored, if the checks (Slack API calls)
# take less than this; Slack wants its answer within 3 s.
COMMAND_CHECK_SECONDS = 1.5

Spawn = Callable[[Coroutine[Any, Any, None]], None]


class SlackListeners:
    """The Bolt listeners (``on_*``) and the work they leave for after the acknowledgement."""

    def __init__(self, port: ChannelPort, texts: Script, access: SlackAccess, spawn: Spawn) -> None:
        self._port = port
        self._texts = texts
        self._access = access
        self._spawn = spawn

    async def on_command(
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
            admitted = await asyncio.wait_for(self._access.admit(parsed, client), COMMAND_CHECK_SECONDS)
        except TimeoutError:
            await ack()
            self._spawn(self._command(parsed, respond, client))
            return None
        if isinstance(admitted, CommandIssued):
            return await self._store_then_ack(ack, admitted)
        await ack()
        self._spawn(self._explain(parsed, admitted, respond))
        return None

    async def on_action(
        self, ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> BoltResponse | None:
        """A member's press is stored, then acknowledged (see ``on_command``); the engine decides
        what it means, a reason modal included (opened by the transport with the press's trigger)."""
        pressed = translate.block_action(body)
        if pressed is None:
            await ack()
            return None
        try:
            admitted = await asyncio.wait_for(self._access.admit_press(pressed, client), COMMAND_CHECK_SECONDS)
        except TimeoutError:  # Slack answers our checks slowly: acknowledge in time, check and go after
            await ack()
            self._spawn(self._act(pressed, respond, client))
            return None
        if isinstance(admitted, str):  # refused: nothing reaches the engine, the person is told why
            await ack()
            self._spawn(self._tell_privately(pressed.channel, pressed.sender.id, admitted, respond, client))
            return None
        return await self._store_then_ack(ack, admitted)

    async def on_reason(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> BoltResponse | None:
        """A vote's reason, or an edited draft, from its modal: stored, then acknowledged (which
        closes the modal)."""
        submitted = translate.reason_submission(body)
        if submitted is None:
            await ack()
            return None
        deadline = asyncio.get_running_loop().time() + COMMAND_CHECK_SECONDS + MEMBERS_WAIT_SECONDS / 2
        refusal = await self._access.refusal(submitted.channel, submitted.user, client, wait=MEMBERS_WAIT_SECONDS)
        if refusal is not None:
            # A modal has no response_url, and chat.postEphemeral cannot reach a non-member:
            # the note goes on the modal itself, which stays open.
            text = self._texts.text(await self._port.language(submitted.channel), refusal)
            await ack(response_action="errors", errors={translate.REASON_BLOCK: text})
            return None
        if submitted.event is None:
            language = await self._port.language(submitted.channel)
            required = "slack_draft_required" if submitted.action is ButtonAction.DRAFT else "slack_reason_required"
            text = self._texts.text(language, required)
            await ack(response_action="errors", errors={translate.REASON_BLOCK: text})
            return None
        team, _ = translate.split_key(submitted.event.channel)
        left = max(deadline - asyncio.get_running_loop().time(), 0.1)  # Slack wants its answer within 3 s
        try:
            admitted = await asyncio.wait_for(self._access.with_role(submitted.event, team, client), left)
        except TimeoutError:
            await ack()
            self._spawn(self._press(submitted.event, client))
            return None
        return await self._store_then_ack(ack, admitted)

    async def on_message(self, body: dict[str, Any]) -> BoltResponse | None:
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

    async def on_member_change(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Someone joined or left a channel: its cached member list is stale."""
        team = body.get("team_id") or event.get("team")
        channel = event.get("channel")
        if isinstance(team, str) and isinstance(channel, str):
            self._access.forget(translate.channel_key(team, channel))

    async def on_home(self, event: dict[str, Any], context: Any, client: AsyncWebClient) -> None:
        user, team = event.get("user"), context.team_id
        if event.get("tab") == "home" and isinstance(user, str) and isinstance(team, str):
            self._spawn(self._publish_home(team, user, client))

    async def _store_then_ack(self, ack: Any, event: CommandIssued | ButtonPressed) -> BoltResponse | None:
        """Acknowledge once ``event`` is stored; when it cannot be, a 503 makes Slack show an error."""
        try:
            await self._port.accept(event)
        except Exception:
            log.exception("slack: could not store a %s; the person is asked to try again", type(event).__name__)
            return BoltResponse(status=SLACK_RETRY_STATUS, body="")
        await ack()
        return None

    # ------------------------------------------------------------------ work (after ack)

    async def _act(self, event: ButtonPressed, respond: Any, client: AsyncWebClient) -> None:
        """A button press: only a member of the channel gets past here (to the engine)."""
        refusal = await self._access.refusal(event.channel, event.sender.id, client)
        if refusal is not None:
            await self._tell_privately(event.channel, event.sender.id, refusal, respond, client)
        else:
            await self._press(event, client)

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
        await self._port.handle(await self._access.with_role(event, team, client))

    async def _command(self, parsed: translate.SlashCommand, respond: Any, client: AsyncWebClient) -> None:
        """The checks and the work of a command already acknowledged (Slack answered slowly)."""
        admitted = await self._access.admit(parsed, client)
        if isinstance(admitted, CommandIssued):
            await self._port.handle(admitted)
        else:
            await self._explain(parsed, admitted, respond)

    async def _explain(self, parsed: translate.SlashCommand, problem: Problem, respond: Any) -> None:
        key, params = problem
        language = (self._texts.command_language(parsed.event.command_word)
                    or await self._port.language(parsed.event.channel))
        if respond is not None:
            try:
                note = self._texts.text(language, key, **params)
                await respond(text=note, response_type="ephemeral")
            except Exception:
                log.warning("slack: could not answer a slash command through its response_url")

    async def _publish_home(self, team: str, user: str, client: AsyncWebClient) -> None:
        # Heads only: the view needs phase, participants and the open round, not the answers.
        states = await self._port.overviews(translate.channel_key(team, ""))
        view = home(states, team, user, self._texts, self._texts.default_language)
        try:
            await client.views_publish(user_id=user, view=view)
        except SlackApiError as exc:
            log.warning("slack: could not publish App Home (%s)", error_code(exc))
