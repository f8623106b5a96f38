"""A deadline for request bodies, in front of every route of the shared HTTP server.

A client that sends headers and then a body slowly (or never) would otherwise hold its
connection and a handler open for as long as it likes: 1,200 such requests were held for
over a minute. Here the body is read completely (Content-Length or chunked, up to the
server's size limit) before any handler runs, within ``timeout`` seconds; a slower body
is answered 408 and its connection closed. Handlers then get the body from
``request.read()`` at once, whole, so none checks a signature over part of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def body_deadline(timeout: float, max_size: int) -> Middleware:
    """An aiohttp middleware: the whole body within ``timeout`` seconds and ``max_size`` bytes, or 408 / 413."""

    @web.middleware
    async def read_body_first(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists:
            return await handler(request)
        if request.content_length is not None and request.content_length > max_size:
            return web.Response(status=413, text="too large")
        try:
            async with asyncio.timeout(timeout):
                await request.read()  # kept by aiohttp: the handler's read() returns it
        except TimeoutError:
            log.info("http: a request body did not arrive within %g s; answered 408", timeout)
            return await _give_up(request)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        return await handler(request)

    return read_body_first


async def _give_up(request: web.Request) -> web.StreamResponse:
    """Answer 408 and close the connection at once: aiohttp would otherwise linger for the
    rest of the body (another 10 s) before letting the connection go."""
    response = web.Response(status=408, text="request body too slow")
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    request.protocol.force_close()  # the answer is flushed first, then the socket closed
    return response
