"""Delivers outbound messages through the python-telegram-bot ``Bot``.

Error mapping is the whole point of this module: the outbox retries what is transient,
waits where Telegram asks it to (``RetryAfter`` -> :class:`RateLimited`, per chat, so
nothing is dropped), and gives up on what can never succeed (bot removed or blocked,
chat gone). Error details written into exceptions are Telegram's own error strings,
never message text.
"""

from __future__ import annotations

import html
import logging
import warnings
from datetime import timedelta

from telegram import Bot, ForceReply, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from adapters.telegram.render import USER_MARK, draft_prompt, reason_prompt, render
from adapters.telegram.translate import chat_id_of
from bot.core.model import AskDraft, AskReason, Edit, Notify, OutboundMessage, PostCard, PrivateNote, React, Reply
from bot.core.ports import DrawCard, PermanentDeliveryError, RateLimited
from bot.core.script import Script

log = logging.getLogger(__name__)

def retry_seconds(error: RetryAfter) -> float:
    """``RetryAfter.retry_after`` as seconds (an int or a timedelta, depending on PTB_TIMEDELTA)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


MAX_CAPTION = 1024  # characters of a photo's caption

# What a React means -> the emoji (one of those Telegram allows as a reaction).
REACTIONS = {"parked": "✍"}
DEFAULT_REACTION = "👀"


class TelegramTransport:
    """Implements :class:`bot.core.ports.Transport` for ``telegram:<chat id>`` channels."""

    platform = "telegram"

    def __init__(self, bot: Bot, texts: Script, draw: DrawCard | None = None) -> None:
        self._bot = bot
        self._texts = texts  # the reason and draft prompts' own words
        self._draw = draw  # the statement card's drawing (without it, the card's text is sent)

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        chat_id = chat_id_of(channel)
        try:
            return await self._deliver(channel, chat_id, message, target)
        except RetryAfter as error:
            raise RateLimited(retry_seconds(error), f"telegram flood control: retry after {retry_seconds(error)}s") \
                from None
        except Forbidden as error:
            raise PermanentDeliveryError(f"telegram forbidden: {error.message}") from None
        except ChatMigrated as error:
            # The group became a supergroup; its sessions live under the old key.
            raise PermanentDeliveryError(f"telegram chat migrated to {error.new_chat_id}") from None
        except BadRequest as error:
            if "message is not modified" in error.message.lower():
                return target
            raise PermanentDeliveryError(f"telegram bad request: {error.message}") from None

    async def _deliver(self, channel: str, chat_id: int, message: OutboundMessage, target: str | None) -> str | None:
        if isinstance(message, PostCard):
            return await self._card(chat_id, message)
        if isinstance(message, PrivateNote):
            return await self._private(chat_id, message)
        if isinstance(message, AskReason):
            return await self._ask_reason(chat_id, message)
        if isinstance(message, AskDraft):
            return await self._ask_draft(chat_id, message)
        if isinstance(message, React) and await self._react(chat_id, message):
            return None
        rendered = render(message)
        markup = rendered.keyboard
        if isinstance(message, Edit) and target is not None:
            try:
                await self._bot.edit_message_text(
                    rendered.chunks[0], chat_id=chat_id, message_id=int(target),
                    parse_mode=ParseMode.HTML, reply_markup=markup,
                )
                return target
            except BadRequest as error:
                if "message to edit not found" not in error.message.lower():
                    raise
                log.info("edit target gone in %s; posting the update as a new message", channel)
        reply_to: str | None = None
        if isinstance(message, Reply | Notify):
            reply_to = message.message_id
        last: str | None = None
        for index, chunk in enumerate(rendered.chunks):
            is_last = index == len(rendered.chunks) - 1
            last = await self._send(chat_id, chunk, markup if is_last else None, reply_to if index == 0 else None)
        return last

    async def _card(self, chat_id: int, card: PostCard) -> str:
        """The card as a photo; its text is the caption (plain, cut to Telegram's 1,024 characters:
        the statement itself was posted in full just before)."""
        if self._draw is None:
            return await self._send(chat_id, html.escape(card.text), None, None)
        caption = card.text if len(card.text) <= MAX_CAPTION else card.text[:MAX_CAPTION - 1] + "…"
        sent = await self._bot.send_photo(chat_id, photo=self._draw(card.card), caption=caption,
                                          filename=f"statement-v{card.card.version}.png")
        return str(sent.message_id)

    async def _private(self, chat_id: int, note: PrivateNote) -> str | None:
        """A direct message; a bot may write only to people who started a chat with it, so where
        it may not, the group gets the note's fallback (how to make it possible) instead."""
        try:
            await self._send(int(note.user), html.escape(note.text), None, None)
            return None
        except (Forbidden, BadRequest) as error:
            log.info("telegram: no private chat with the user (%s); telling them in the group", error.message)
        return await self._deliver(str(chat_id), chat_id, Notify(user=note.user, name=note.name, text=note.fallback,
                                                                  message_id=note.message_id), None)

    async def _react(self, chat_id: int, react: React) -> bool:
        """The reaction on the message; False (say the line instead) where the chat does not allow it."""
        if react.message_id is None or not react.message_id.isdigit():
            return False
        try:
            await self._bot.set_message_reaction(chat_id, int(react.message_id),
                                                 reaction=REACTIONS.get(react.name, DEFAULT_REACTION))
        except BadRequest as error:  # reactions limited in this chat, the message gone, …
            log.info("telegram: could not react (%s); saying it in a line instead", error.message)
            return False
        return True

    async def _ask_reason(self, chat_id: int, ask: AskReason) -> str:
        """The ForceReply prompt; the reply to it is the vote (``translate.reason_event`` reads it back)."""
        text = self._texts.text(ask.language, f"telegram_reason_{ask.choice.value}", user=USER_MARK,
                                version=ask.version)
        return await self._send(chat_id, reason_prompt(text, ask.user, ask.name), ForceReply(selective=True),
                                ask.message_id)

    async def _ask_draft(self, chat_id: int, ask: AskDraft) -> str:
        """The current draft as a ForceReply prompt; the reply to it is the next version."""
        line = self._texts.text(ask.language, "telegram_draft_prompt", user=USER_MARK)
        return await self._send(chat_id, draft_prompt(ask.title, ask.draft, line, ask.user, ask.name),
                                ForceReply(selective=True), ask.message_id)

    async def _send(self, chat_id: int, html: str, markup: InlineKeyboardMarkup | ForceReply | None,
                    reply_to: str | None) -> str:
        parameters = None
        if reply_to is not None and reply_to.isdigit():
            parameters = ReplyParameters(message_id=int(reply_to), allow_sending_without_reply=True)
        sent = await self._bot.send_message(
            chat_id, html, parse_mode=ParseMode.HTML, reply_markup=markup, reply_parameters=parameters,
        )
        return str(sent.message_id)


__all__ = ["TelegramTransport", "retry_seconds"]
