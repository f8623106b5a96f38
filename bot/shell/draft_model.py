"""Have a language model write version 1 of the draft (optional; off unless a URL is set).

The engine makes the offline draft and posts it; when the deployment has a model it also asks
for one (:class:`~bot.core.model.WriteDraft`). After that decision is committed, this module
sends the instructions and the material (the answers, with their authors' names and
disciplines; nothing else) to an OpenAI-compatible ``/chat/completions`` endpoint and hands
a usable answer back to the engine as a :class:`~bot.core.model.DraftWritten` event, which
replaces the offline draft if nobody has moved on yet. A failure, a timeout or an answer that
is not a draft changes nothing: the offline draft stands, and one log line (without any of
the text) says why. See docs/drafting.md.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.core.draft_writer import usable
from bot.core.model import DraftWritten, InboundEvent, WriteDraft
from bot.shell.logs import register_secret
from bot.shell.pipe.background import Background

log = logging.getLogger(__name__)

Submit = Callable[[InboundEvent], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class DraftModelConfig:
    url: str  # the endpoint, or the API's base URL (``/chat/completions`` is added)
    model: str = ""
    key: str = ""  # sent as a bearer token; registered with the log redactor
    timeout: float = 20.0

    @property
    def endpoint(self) -> str:
        url = self.url.rstrip("/")
        return url if url.endswith("/chat/completions") else url + "/chat/completions"


class DraftModel:
    """Asks the model for each requested draft, in the background, and submits its answer."""

    def __init__(self, config: DraftModelConfig, submit: Submit) -> None:
        self._config = config
        self._submit = submit
        self._background = Background()
        if config.key:
            register_secret(config.key)

    def request(self, channel: str, ask: WriteDraft) -> None:
        """A :class:`WriteDraft` was committed: write it without holding up the channel."""
        self._background.spawn(self._write(channel, ask))

    async def drain(self) -> None:
        """Wait for the drafts being written (tests)."""
        await self._background.drain()

    async def close(self) -> None:
        """Stop writing: a draft not written yet is not waited for (the offline one stands)."""
        for task in list(self._background.tasks()):
            task.cancel()
        await self._background.drain()

    async def _write(self, channel: str, ask: WriteDraft) -> None:
        text = await self.ask(channel, ask)
        if text is None:
            return
        try:
            await self._submit(DraftWritten(event_id=f"draft-model:{ask.cause}", channel=channel,
                                            version=ask.version, text=text))
        except Exception:
            log.warning("draft model: could not hand the draft for channel %s to the engine", channel, exc_info=True)

    async def ask(self, channel: str, ask: WriteDraft) -> str | None:
        """The model's draft, or None (logged without text) when there is none worth using."""
        body: dict[str, Any] = {
            "messages": [{"role": "system", "content": ask.instructions},
                         {"role": "user", "content": ask.material}],
            "temperature": 0,
        }
        if self._config.model:
            body["model"] = self._config.model
        headers = {"Authorization": f"Bearer {self._config.key}"} if self._config.key else {}
        timeout = aiohttp.ClientTimeout(total=self._config.timeout)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, \
                    session.post(self._config.endpoint, json=body, headers=headers) as response:
                if response.status != 200:
                    return _fallback(channel, f"the endpoint answered HTTP {response.status}")
                reply = await response.json(content_type=None)
        except TimeoutError:
            return _fallback(channel, f"no answer within {self._config.timeout:g} s")
        except ValueError:
            return _fallback(channel, "the answer is not JSON")
        except aiohttp.ClientError as error:  # unreachable, refused, cut off
            return _fallback(channel, f"the endpoint could not be reached ({type(error).__name__})")
        content = _content(reply)
        if content is None:
            return _fallback(channel, "the answer is not a chat completion")
        text = usable(content)
        if text is None:
            return _fallback(channel, "the answer is not a usable draft (empty, too long or code)")
        log.info("draft model: wrote the draft for channel %s (%d words)", channel, len(text.split()))
        return text


def _content(reply: Any) -> str | None:
    """``choices[0].message.content`` of an OpenAI-style chat completion, if it is one."""
    try:
        content = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


def _fallback(channel: str, why: str) -> str | None:
    """Nothing to use: say why (never what was asked or answered); the offline draft stands."""
    log.warning("draft model: %s; channel %s keeps the offline draft", why, channel)
    return None
