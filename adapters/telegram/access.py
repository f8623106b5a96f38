"""Who may take part in a Telegram chat, and who steers it: asked of Telegram, cached briefly.

Telegram sends no list of members or administrators with an update, and public supergroups
can be read (and their buttons pressed) without joining, a channel's discussion group even
written in, so the adapter asks: getChatMember before a button press, a command or a message
reaches the engine, getChatAdministrators for facilitator powers.
Both answers are kept for a minute (per chat, per person), so a busy vote costs Telegram a
handful of calls, not one per press.
"""

from __future__ import annotations

import logging

from cachetools import TTLCache
from telegram import Bot, ChatMember, ChatMemberRestricted
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, TelegramError

log = logging.getLogger(__name__)

ADMIN_CACHE_SECONDS = 60.0
ADMIN_CACHE_ENTRIES = 20_000  # chats whose administrators are kept
MEMBER_CACHE_SECONDS = 60.0
MEMBER_CACHE_ENTRIES = 20_000
MEMBER_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)
# getChatMember's answers for someone who was never in the chat (a definite "no", unlike a 429).
NOT_A_MEMBER_ERRORS = ("user not found", "member not found", "participant_id_invalid")


class MembershipUnknown(Exception):
    """Telegram could not say whether someone is in a chat; ``passing``: asking later may help."""

    def __init__(self, *, passing: bool) -> None:
        super().__init__("membership unknown" + (" for now" if passing else ""))
        self.passing = passing


class ChatAccess:
    """Membership and administrators of the chats one bot is in, with their TTL caches."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._admins: TTLCache[int, frozenset[int]] = TTLCache(ADMIN_CACHE_ENTRIES, ttl=ADMIN_CACHE_SECONDS)
        self._members: TTLCache[tuple[int, int], bool] = TTLCache(MEMBER_CACHE_ENTRIES, ttl=MEMBER_CACHE_SECONDS)

    async def refusal(self, chat_id: int, chat_type: str, user_id: int) -> str | None:
        """The text key to refuse a button press with, or ``None`` when the presser is a member.

        Every callback is checked with getChatMember. Fails closed: when Telegram cannot say
        (flood control, network), the press is refused with a "try again" note.
        """
        try:
            member = await self.is_member(chat_id, chat_type, user_id)
        except MembershipUnknown:
            return "telegram_members_unknown"
        return None if member else "telegram_members_only"

    async def is_member(self, chat_id: int, chat_type: str, user_id: int) -> bool:
        """Whether ``user_id`` is in the chat (a private chat: its one person), cached a minute.

        Raises :class:`MembershipUnknown` when Telegram cannot say; ``passing`` on it tells
        whether asking again later may help (flood control, network) or not (an answer this
        PTB version cannot read, an unexpected refusal). Failures are not cached.
        """
        if chat_type == ChatType.PRIVATE:
            return chat_id == user_id
        key = (chat_id, user_id)
        member = self._members.get(key)
        if member is not None:
            return member
        try:
            member = _is_member(await self._bot.get_chat_member(chat_id, user_id))
        except BadRequest as error:
            if not any(reason in error.message.lower() for reason in NOT_A_MEMBER_ERRORS):
                log.info("getChatMember failed in %s: %s", chat_id, error.message)
                raise MembershipUnknown(passing=False) from error
            member = False
        except TelegramError as error:  # flood control, network, Telegram's 5xx
            log.info("getChatMember failed in %s: %s", chat_id, type(error).__name__)
            raise MembershipUnknown(passing=True) from error
        except (TypeError, ValueError, KeyError, AttributeError) as error:  # an answer PTB cannot read
            log.warning("getChatMember answered something unreadable in %s (%s)", chat_id, type(error).__name__)
            raise MembershipUnknown(passing=False) from error
        self._members[key] = member
        return member

    def forget(self, chat_id: int, user_id: int) -> None:
        """Someone joined or left: their membership is asked again on their next press."""
        self._members.pop((chat_id, user_id), None)

    async def is_admin(self, chat_id: int, chat_type: str, user_id: int) -> bool:
        return user_id in await self.admin_ids(chat_id, chat_type)

    async def admin_ids(self, chat_id: int, chat_type: str) -> frozenset[int]:
        """Group administrators (facilitator powers), cached for a minute."""
        if chat_type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return frozenset()
        cached = self._admins.get(chat_id)
        if cached is not None:
            return cached
        try:
            members = await self._bot.get_chat_administrators(chat_id)
            ids = frozenset(member.user.id for member in members)
        except TelegramError as error:
            log.info("getChatAdministrators failed in %s: %s", chat_id, type(error).__name__)
            ids = frozenset()
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            # An answer this PTB version cannot read (a new member status, a missing field):
            # fail closed, nobody gets admin powers from it, and the command is still answered.
            log.warning("getChatAdministrators answered something unreadable in %s (%s); "
                        "treating nobody as admin", chat_id, type(error).__name__)
            ids = frozenset()
        self._admins[chat_id] = ids
        return ids


def _is_member(member: ChatMember) -> bool:
    """Owner, administrator, member, or restricted but still in the chat; left/kicked are not."""
    if member.status in MEMBER_STATUSES:
        return True
    return isinstance(member, ChatMemberRestricted) and bool(member.is_member)
