"""The session page route: ``GET /page/<token>`` on the bot's own HTTP server.

A good link gets the page of its channel as it is now; anything else (forged, expired,
revoked, a purged channel) gets the same bare 404, so a link tells nothing about the
channel it does not open. Nothing is cached, indexed, framed or sent on as a referrer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.app.bootstrap import App
from bot.core.page import render_page

# Sent with every answer of the route, the page or the 404.
_PRIVATE = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_NOT_FOUND_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def session_page(app: App) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def page(request: web.Request) -> web.Response:
        now = app.clock.now()
        state = await app.service.repository.page_state(request.match_info["token"], now)
        if state is None:
            return web.Response(status=404, text="Not found.", content_type="text/plain",
                                headers={**_PRIVATE, "Content-Security-Policy": _NOT_FOUND_CSP})
        rendered = render_page(state, app.script, now)
        return web.Response(text=rendered.html, content_type="text/html", charset="utf-8",
                            headers={**_PRIVATE, "Content-Security-Policy": rendered.content_security_policy})

    return page
