"""One replica for the two-process test: handles a burst of events on a shared database.

Run as ``python -m tests.ops.replica URL EVENTS_JSON DELIVERIES_FILE``. Protocol on
stdio: prints ``ready``; waits for ``go``; prints ``ack <event_id> <0|1 duplicate>``
after each ``handle`` returned; prints ``burst done``; waits for ``deliver <seconds>``
and then delivers everything pending with its clock moved that far ahead (past the
claim lease of a dead replica), prints ``delivered <n>`` and exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from bot.core.model import OutboundMessage, Reply
from bot.shell.pipe.service import ChannelService
from bot.shell.storage.database import Transactor, make_engine
from tests.service.fakes import counting_decide, new_state, text


class ShiftedClock:
    def __init__(self) -> None:
        self.shift = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift


class FileTransport:
    """Appends the event id each reply answers, one line per delivery (O_APPEND: whole lines)."""

    platform = "console"

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    async def deliver(self, channel: str, message: OutboundMessage, target: str | None) -> str | None:
        assert isinstance(message, Reply) and message.message_id is not None
        os.write(self._fd, f"{message.message_id}\n".encode())
        return message.message_id


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(url: str, events_path: str, deliveries_path: str) -> None:
    with open(events_path) as file:
        events: list[tuple[str, str]] = [tuple(pair) for pair in json.load(file)]
    engine = make_engine(url, pool_size=10, max_overflow=10)
    clock = ShiftedClock()
    transport = FileTransport(deliveries_path)
    service = ChannelService(Transactor(engine), counting_decide, new_state, clock, {"console": transport})
    by_channel: dict[str, list[str]] = defaultdict(list)
    for channel, event_id in events:
        by_channel[channel].append(event_id)
    say("ready")
    await asyncio.to_thread(sys.stdin.readline)

    async def burst(channel: str, ids: list[str]) -> None:
        for event_id in ids:
            result = await service.handle(text(channel, event_id, event_id))
            say(f"ack {event_id} {int(result.duplicate)}")

    await asyncio.gather(*(burst(channel, ids) for channel, ids in by_channel.items()))
    say("burst done")
    command = (await asyncio.to_thread(sys.stdin.readline)).split()
    clock.shift = timedelta(seconds=float(command[1]))
    total = 0
    while sent := await service.deliver_pending():
        total += sent
    say(f"delivered {total}")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
