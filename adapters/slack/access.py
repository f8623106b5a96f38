"""Who may act: the checks an interaction passes before it reaches the engine.

Three questions, each a Slack API call whose answer is cached, so a vote round does not
cost a call per click:

- is the person a member of the channel (``adapters.slack.members``)? Only members take
  part in its session: every interaction (button, reason modal) is checked first; when
  Slack cannot say, it is refused (fail closed), since letting it through could let an
  outsider vote;
- is the bot in the channel a slash command was typed in (``conversations.info``)? If not
  (or it is a direct message, or a scope is missing), the person is told why;
- is the person a workspace admin or owner (``users.info``)? They may steer a session like
  its facilitator (``Sender.is_admin``).

When Slack cannot be reached for the last two (a dropped connection, a timeout), the
command goes ahead as an ordinary member's: it is never dropped for a lookup. (Names need
no lookup: Slack renders ``<@U…>`` itself.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from aiohttp import ClientError
from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import translate
from adapters.slack.members import ChannelMembers, MembersUnavailable
from adapters.slack.transport import error_code
from bot.core.model import ButtonPressed, CommandIssued

log = logging.getLogger(__name__)

# Workspace admins may steer a session like its facilitator; looked up with users.info and
# kept this long, so a changed role counts within minutes without a call per click.
ADMIN_CACHE_SECONDS = 600.0
MAX_ADMINS = 10_000  # (workspace, user) answers kept
JOINED_CACHE_SECONDS = 60.0
MAX_JOINED = 10_000

# A Web API call that never got an answer: the network, not Slack, said no.
NETWORK_ERRORS = (ClientError, OSError, TimeoutError)

# Why the bot cannot act on a command: a text key and its parameters.
Problem = tuple[str, dict[str, str]]


class SlackAccess:
    """The membership, bot-in-channel and admin checks, with their caches."""

    def __init__(self) -> None:
        self._admins: TTLCache[tuple[str, str], tuple[bool, str]] = TTLCache(MAX_ADMINS, ttl=ADMIN_CACHE_SECONDS)
        self._members = ChannelMembers()
        # Channels where conversations.info said the bot is in: Slack allows ~50 calls a
        # minute (Tier 3), a command each would not do. Only this answer is kept (a channel
        # that invites the bot works at once); the bot leaving drops it (member events).
        self._joined: TTLCache[str, bool] = TTLCache(MAX_JOINED, ttl=JOINED_CACHE_SECONDS)

    def forget(self, key: str) -> None:
        """Someone (the bot included) joined or left channel ``key``: what we knew of it is stale."""
        self._members.forget(key)
        self._joined.pop(key, None)

    async def admit(self, parsed: translate.SlashCommand, client: AsyncWebClient) -> CommandIssued | Problem:
        """The command for the engine, or why the bot cannot act in that channel (a text key)."""
        problem = await self._membership_problem(parsed.team_id, parsed.channel_id, client)
        if problem is not None:
            return problem
        event = await self.with_role(parsed.event, parsed.team_id, client)
        assert isinstance(event, CommandIssued)
        return event

    async def admit_press(self, event: ButtonPressed, client: AsyncWebClient) -> ButtonPressed | str:
        """The press for the engine, or the text key to refuse it with."""
        refusal = await self.refusal(event.channel, event.sender.id, client)
        if refusal is not None:
            return refusal
        team, _ = translate.split_key(event.channel)
        admitted = await self.with_role(event, team, client)
        assert isinstance(admitted, ButtonPressed)
        return admitted

    async def refusal(self, channel: str, user: str, client: AsyncWebClient,
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

    async def with_role(self, event: CommandIssued | ButtonPressed, team: str,
                        client: AsyncWebClient) -> CommandIssued | ButtonPressed:
        """Mark workspace admins and owners, who may act as facilitator (Sender.is_admin), and give
        the profile's title (``/problem iam`` alone takes it as the person's discipline)."""
        admin, title = await self._profile(team, event.sender.id, client)
        if admin or title:
            return dataclasses.replace(event, sender=dataclasses.replace(event.sender, is_admin=admin, title=title))
        return event

    async def _profile(self, team: str, user: str, client: AsyncWebClient) -> tuple[bool, str]:
        cached = self._admins.get((team, user))
        if cached is not None:
            return cached
        try:
            info = (await client.users_info(user=user)).get("user") or {}
            admin = bool(info.get("is_admin") or info.get("is_owner"))
            title = str((info.get("profile") or {}).get("title") or "")
        except SlackApiError as exc:
            log.info("slack: users.info failed (%s); treating the user as a member", error_code(exc))
            admin, title = False, ""
        except NETWORK_ERRORS as exc:
            # Not cached: the next command asks again, so an admin is not demoted for 10 minutes.
            log.info("slack: users.info unreachable (%s); treating the user as a member", type(exc).__name__)
            return False, ""
        self._admins[(team, user)] = (admin, title)
        return admin, title

    async def _membership_problem(self, team: str, channel_id: str, client: AsyncWebClient) -> Problem | None:
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
        except NETWORK_ERRORS as exc:
            log.info("slack: membership check unreachable (%s); going ahead", type(exc).__name__)
            return None
        channel = info.get("channel") or {}
        if channel.get("is_im") or channel.get("is_mpim"):
            return "slack_use_in_channel", {}
        if not channel.get("is_member", False):
            return "slack_not_in_channel", {}
        self._joined[key] = True
        return None
