"""Who is in a Slack channel: only its members may answer, vote or release in its session.

Anyone in a workspace can open a public channel and press its buttons without joining, so
every interaction (block action, reason modal) is checked against ``conversations.members``
before it reaches the engine. The list is read completely (paginated) and kept per channel
for a minute; ``member_joined_channel`` / ``member_left_channel`` events drop it at once.
Concurrent presses in one channel share one fetch, so a vote round costs one read.

A failed read (rate limited, missing scope) raises :class:`MembersUnavailable`: callers
refuse the interaction (fail closed) rather than let a possible outsider vote.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiohttp import ClientError
from cachetools import TTLCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.transport import error_code

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0
MAX_CHANNELS = 2_000
PAGE_LIMIT = 1000  # Slack's maximum page size for conversations.members
MAX_PAGES = 500  # 500k members: beyond that something is wrong with the cursor


class MembersUnavailable(Exception):
    """The member list could not be read; ``code`` is Slack's error code (or a short reason)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ChannelMembers:
    """Member lists per channel key (``slack:T:C``), cached and invalidated by member events."""

    def __init__(self, ttl: float = CACHE_SECONDS, max_channels: int = MAX_CHANNELS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[str, frozenset[str]] = TTLCache(max_channels, ttl=ttl, timer=clock)
        self._inflight: dict[str, asyncio.Task[frozenset[str]]] = {}

    async def is_member(self, client: AsyncWebClient, key: str, channel_id: str, user: str) -> bool:
        """Raises :class:`MembersUnavailable` when Slack cannot say."""
        return user in await self._members(client, key, channel_id)

    def forget(self, key: str) -> None:
        """Someone joined or left: the next interaction reads the list afresh.

        A fetch already under way may have read the old list, so it is dropped too (its
        result is then not stored) and the next caller starts a new one.
        """
        self._cache.pop(key, None)
        self._inflight.pop(key, None)

    async def _members(self, client: AsyncWebClient, key: str, channel_id: str) -> frozenset[str]:
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(_fetch(client, channel_id))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._store(key, done))
        # Shielded: a caller that gives up (a modal's 3 s budget) leaves the read to finish for the next.
        return await asyncio.shield(task)

    def _store(self, key: str, task: asyncio.Task[frozenset[str]]) -> None:
        current = self._inflight.get(key) is task
        if current:
            del self._inflight[key]
        if task.cancelled() or task.exception() is not None:
            return  # failures are not cached: the next press asks again
        if current:
            self._cache[key] = task.result()


async def _fetch(client: AsyncWebClient, channel_id: str) -> frozenset[str]:
    members: set[str] = set()
    cursor = ""
    try:
        for _ in range(MAX_PAGES):
            page = await client.conversations_members(channel=channel_id, limit=PAGE_LIMIT,
                                                      **({"cursor": cursor} if cursor else {}))
            members.update(m for m in page.get("members") or () if isinstance(m, str))
            metadata = page.get("response_metadata") or {}
            cursor = str(metadata.get("next_cursor") or "") if isinstance(metadata, dict) else ""
            if not cursor:
                return frozenset(members)
    except SlackApiError as exc:
        raise MembersUnavailable(error_code(exc) or str(exc.response.status_code)) from None
    except (TimeoutError, OSError, ClientError) as exc:
        raise MembersUnavailable(type(exc).__name__) from None
    raise MembersUnavailable("too_many_pages")
