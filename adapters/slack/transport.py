"""Delivers the outbox's messages through the Slack Web API.

Rate limits and permanent failures are reported to the outbox (``RateLimited``,
``PermanentDeliveryError``) instead of being retried here: the outbox owns retries, so
a 429 delays a message (in order) but never drops or doubles it. The client therefore
has no rate-limit retry handler.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import draft_modal, escape, fits_draft_modal, reason_modal, render, split
from adapters.slack.translate import split_key
from bot.core.model import AskDraft, AskReason, Edit, Notify, OutboundMessage, Post, PostCard, React, Reply
from bot.core.ports import DeliveryError, DrawCard, PermanentDeliveryError, RateLimited
from bot.core.script import Script

log = logging.getLogger(__name__)

# API errors that no retry will fix, with what an operator should do about them.
PERMANENT = {
    "not_in_channel": "the bot is not in the channel; invite it with /invite @Voordenken",
    "channel_not_found": "channel not found (private channel without the bot, or deleted)",
    "missing_scope": "the app lacks a scope; reinstall it from deploy/slack-manifest.yaml",
    "is_archived": "the channel is archived",
    "restricted_action": "a workspace setting forbids the bot to post here",
    "invalid_auth": "the bot token is invalid",
    "account_inactive": "the bot token was revoked (app uninstalled?)",
    "token_revoked": "the bot token was revoked (app uninstalled?)",
    "not_authed": "no bot token for this workspace",
    "invalid_blocks": "Slack refused the message layout",
    "msg_too_long": "the message is too long",
    "no_text": "the message was empty",
}
# Errors worth a retry (Slack's side), not a reason to say a reaction in words instead.
TRANSIENT = ("ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout")
# What a React means -> the Slack emoji name.
REACTIONS = {"parked": "parking"}
DEFAULT_REACTION = "eyes"
# chat.update cannot find or change the message: post it anew instead.
GONE = ("message_not_found", "cant_update_message", "edit_window_closed")



class TokenSource(Protocol):
    """Where a workspace's bot token comes from: one fixed token, or the OAuth installations."""

    async def bot_token(self, team: str) -> str | None:
        """The bot token for workspace ``team``; None when the bot is not installed there."""
        ...


@dataclass(frozen=True)
class FixedToken:
    """One workspace's bot token (SLACK_BOT_TOKEN), whatever the team."""

    token: str = field(repr=False)

    async def bot_token(self, team: str) -> str | None:
        return self.token


def _retry_after(headers: Mapping[str, Any] | None) -> float:
    for name, value in (headers or {}).items():
        if str(name).lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                break
    return 1.0


MAX_ALT_TEXT = 1000  # Slack's limit for an image's alt text


class SlackTransport:
    """``bot.core.ports.Transport`` for channels keyed ``slack:{team}:{channel}``."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, tokens: TokenSource, texts: Script,
                 draw: DrawCard | None = None) -> None:
        self._client = client
        self._tokens = tokens
        self._texts = texts  # the reason and draft modals' own words
        self._draw = draw  # the statement card's drawing (without it, the card's text is posted)

    def split(self, message: OutboundMessage) -> list[OutboundMessage]:
        """Long messages (an export) go as several: Slack takes 50 blocks, ~12,000 characters."""
        return split(message)

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        try:
            team, channel_id = split_key(channel)
        except ValueError as exc:
            raise PermanentDeliveryError("not a Slack channel key") from exc
        token = await self._tokens.bot_token(team)
        if token is None:
            raise PermanentDeliveryError(f"no installation for workspace {team}")
        if isinstance(message, PostCard):
            return await self._card(token, channel_id, message)
        rendered = render(message)
        content = {"text": rendered.text, "blocks": rendered.blocks}
        match message:
            case Post():
                return await self._post(token, channel_id, content)
            case React(message_id=message_id, thread_id=thread_id) if message_id:
                if await self._react(token, channel_id, message_id, message.name):
                    return None
                return await self._post(token, channel_id, content, thread_ts=thread_id or message_id)
            case Reply(message_id=message_id, thread_id=thread_id):
                return await self._post(token, channel_id, content, thread_ts=thread_id or message_id)
            case Edit():
                if target is None:
                    return await self._post(token, channel_id, content)
                try:
                    await self._call("chat_update", token=token, channel=channel_id, ts=target, **content)
                except _Gone:
                    return await self._post(token, channel_id, content)
                return target
            case AskReason(trigger=trigger) if trigger is not None:
                try:
                    await self._call("views_open", token=token, trigger_id=trigger,
                                     view=reason_modal(message, channel, self._texts))
                    return None
                except DeliveryError as error:  # the trigger lives ~3 s; the note says the command
                    log.info("slack: could not open the reason dialog (%s); telling the command instead", error)
                return await self._notify(token, channel_id, message, content)
            case AskDraft(trigger=trigger) if trigger is not None and fits_draft_modal(message):
                try:
                    await self._call("views_open", token=token, trigger_id=trigger,
                                     view=draft_modal(message, channel, self._texts))
                    return None
                except DeliveryError as error:  # as above: the note shows the draft and the command
                    log.info("slack: could not open the draft dialog (%s); showing the draft instead", error)
                return await self._notify(token, channel_id, message, content)
            case Notify():  # an AskReason or AskDraft without a trigger (a typed vote) too
                return await self._notify(token, channel_id, message, content)
        raise TypeError(f"cannot deliver {type(message).__name__}")  # pragma: no cover

    async def _react(self, token: str, channel_id: str, ts: str, meaning: str) -> bool:
        """reactions.add on the message; False (say the line instead) when Slack will not have it
        (an install without ``reactions:write``, the message gone, …). Outages and 429s are retried."""
        try:
            await self._client.reactions_add(token=token, channel=channel_id, timestamp=ts,
                                             name=REACTIONS.get(meaning, DEFAULT_REACTION))
        except SlackApiError as exc:
            error = error_code(exc)
            if error == "already_reacted":
                return True
            if not error or error in TRANSIENT or getattr(exc.response, "status_code", None) == 429:
                raise _classify("reactions_add", exc) from None
            log.info("slack: could not react (%s); saying it in a line instead", error)
            return False
        return True

    async def _card(self, token: str, channel_id: str, card: PostCard) -> str | None:
        """The card as an image file shared in the channel, its text as the alt text (what a screen
        reader says) and as the message beside it; needs the ``files:write`` scope."""
        if self._draw is None:
            return await self._post(token, channel_id, {"text": escape(card.text)})
        response = await self._call(
            "files_upload_v2", token=token, channel=channel_id, file=self._draw(card.card),
            filename=f"statement-v{card.card.version}.png", title=card.card.title,
            alt_txt=card.text[:MAX_ALT_TEXT], initial_comment=escape(card.text),
        )
        return _str((response.get("file") or {}).get("id"))

    async def _notify(self, token: str, channel_id: str, note: Notify, content: dict[str, Any]) -> str | None:
        try:
            response = await self._call("chat_postEphemeral", token=token, channel=channel_id,
                                        user=note.user, **content)
        except _UserNotInChannel:
            if note.message_id is None:
                raise PermanentDeliveryError("user_not_in_channel") from None
            # The note answers one of their messages: say it in that message's thread.
            return await self._post(token, channel_id, content, thread_ts=note.message_id)
        return _str(response.get("message_ts"))

    async def _post(self, token: str, channel_id: str, content: dict[str, Any],
                    thread_ts: str | None = None) -> str | None:
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        response = await self._call("chat_postMessage", token=token, channel=channel_id, **content, **extra)
        return _str(response.get("ts"))

    async def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return await getattr(self._client, method)(**kwargs)
        except SlackApiError as exc:
            raise _classify(method, exc) from None


class _Gone(DeliveryError):
    pass


class _UserNotInChannel(DeliveryError):
    pass


def error_code(exc: SlackApiError) -> str:
    """The API error code (``not_in_channel``), or ``""`` when the answer was not Slack JSON."""
    data = getattr(exc.response, "data", None)
    return str(data.get("error") or "") if isinstance(data, Mapping) else ""


def _classify(method: str, exc: SlackApiError) -> DeliveryError:
    """Map a Slack API error to what the outbox should do (never quoting the message)."""
    response = exc.response
    status = getattr(response, "status_code", None)
    error = error_code(exc)
    if status == 429 or error == "ratelimited":
        return RateLimited(_retry_after(getattr(response, "headers", None)), f"{method}: 429")
    if error in PERMANENT:
        return PermanentDeliveryError(f"{method}: {error}: {PERMANENT[error]}")
    if method == "chat_update" and error in GONE:
        return _Gone(error)
    if method == "chat_postEphemeral" and error == "user_not_in_channel":
        return _UserNotInChannel(error)
    return DeliveryError(f"{method}: {error or status}")  # transient: the outbox retries


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
