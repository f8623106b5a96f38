"""Webhook mode: the aiohttp route Telegram posts updates to, and its registration.

Anyone can post to a public URL, so a request counts only with the secret token Telegram was
given at ``setWebhook``, and only up to :data:`MAX_BODY`. What the status code says matters:
Telegram redelivers an update on a 5xx (for hours), so an update that was not processed (the
database is down) is answered 500, while one that can never be processed is answered 400.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from adapters.telegram.polling import Process

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


def webhook_url(url: str | None) -> str | None:
    """The public webhook URL; a bare origin gets ``/telegram/webhook`` appended."""
    if not url:
        return None
    if urlsplit(url).path in ("", "/"):
        return url.rstrip("/") + WEBHOOK_PATH
    return url


class Webhook:
    """``url`` and ``secret`` as registered with Telegram; updates refused until ``accepting``."""

    def __init__(self, url: str, secret: str, bot: Bot, process: Process) -> None:
        self.url = url
        self.secret = secret
        self._expected = secret.encode("utf-8")
        self._bot = bot
        self._process = process
        self.accepting = False  # set once getMe is done: updates can be processed

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_post(WEBHOOK_PATH, self.receive)

    async def register(self, allowed_updates: Sequence[str]) -> None:
        await self._bot.set_webhook(url=self.url, secret_token=self.secret, allowed_updates=allowed_updates)

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, self._expected):
            log.warning("telegram webhook: refused a request without the right secret token")
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        if len(body) > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            data = json.loads(body)
        except ValueError:
            return web.Response(status=400, text="invalid json")
        except RecursionError:  # nested deeper than any update is: junk, not a reason for a 500
            log.info("telegram webhook: refused a body nested too deeply")
            return web.Response(status=400, text="invalid json")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        if not self.accepting:
            return web.Response(status=503, text="starting")  # Telegram retries
        try:
            update = Update.de_json(data, self._bot)
            message = update.effective_message
        except Exception:
            return web.Response(status=400, text="not an update")
        if message is not None and getattr(message, "chat", None) is None:
            # Telegram always says which chat; without one the update can never be processed,
            # and a 500 would have it redelivered for hours.
            return web.Response(status=400, text="not an update")
        if await self._process(update) is not None:
            # Not processed (e.g. the database is down): Telegram redelivers on a 5xx, and the
            # database's event de-duplication makes a redelivery of a half-done update safe.
            return web.Response(status=500, text="not processed; please retry")
        return web.Response(text="ok")
