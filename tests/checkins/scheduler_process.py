"""One scheduler process for the two-process test: fires the due check-ins on a shared database.

Run as ``python -m tests.checkins.scheduler_process URL NOW_ISO DELIVERIES_FILE``. It
bootstraps the whole app (as the bot does) on a clock fixed at ``NOW_ISO``, with a
transport that appends one JSON line per delivered message to ``DELIVERIES_FILE``.
Protocol on stdio: prints ``ready``; waits for a line (``go``); then calls
``scheduler.fire_due(now)`` and ``service.deliver_pending()`` once, prints
``done {"claimed": n, "sent": m}`` and exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime

from bot.app.bootstrap import bootstrap
from bot.app.settings import Settings
from bot.core.model import OutboundMessage

AMSTERDAM = "Europe/Amsterdam"


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


class RecordingTransport:
    """One JSON line per delivery, written with O_APPEND in one write: whole lines only."""

    platform = "console"

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.count = 0

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        self.count += 1
        line = json.dumps(
            {
                "pid": os.getpid(),
                "channel": channel,
                "kind": getattr(message, "kind", None),
                "type": type(message).__name__,
                "text": message.text,
            }
        )
        os.write(self._fd, (line + "\n").encode())
        return f"{os.getpid()}-{self.count}"


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(url: str, now_iso: str, deliveries_path: str) -> None:
    now = datetime.fromisoformat(now_iso)
    transport = RecordingTransport(deliveries_path)
    settings = Settings(database_url=url, timezone=AMSTERDAM, outbound_pacing=False)
    app = await bootstrap(settings, clock=FixedClock(now), transports=[transport])
    try:
        say("ready")
        await asyncio.to_thread(sys.stdin.readline)  # "go": both processes fire together
        claimed = await app.scheduler.fire_due(now)
        sent = await app.service.deliver_pending()
        say("done " + json.dumps({"claimed": claimed, "sent": sent, "delivered": transport.count}))
    finally:
        await app.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
