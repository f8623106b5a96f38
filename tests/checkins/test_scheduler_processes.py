"""Two scheduler OS processes on one PostgreSQL database: each check-in slot is posted once.

The test process seeds a fresh database through the real app (fake clock): many console
channels, each with a running session and a daily check-in due at the same minute. Then
two separate processes (``tests.checkins.scheduler_process``) each bootstrap the app on
that database with a clock just past the due minute, are released together, fire the due
wakeups and deliver. Across both delivery files every channel heard its check-in exactly
once, and ``processed_events`` holds each tick slot exactly once.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.shell.storage.tables import OUTBOX_SENT, outbox, processed_events
from tests.checkins.conftest import WEDNESDAY, Channel, make_app
from tests.service.fakes import FakeClock, FakeTransport
from tests.storage.pg import postgres_url_or_skip

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
CHANNELS = [f"console:team{number}" for number in range(100)]
TIMEOUT = 20.0  # seconds for any one step of a child process


class SchedulerProcess:
    def __init__(self, process: asyncio.subprocess.Process, deliveries: Path, stderr: Path) -> None:
        self.process = process
        self.deliveries = deliveries
        self.stderr = stderr
        self.lines: list[str] = []

    @classmethod
    async def start(cls, url: str, now: str, directory: Path, name: str) -> SchedulerProcess:
        deliveries, stderr = directory / f"{name}.jsonl", directory / f"{name}.stderr"
        with stderr.open("wb") as errors:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.checkins.scheduler_process",
                url,
                now,
                str(deliveries),
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=errors,
            )
        return cls(process, deliveries, stderr)

    async def read_until(self, prefix: str) -> str:
        assert self.process.stdout is not None
        while True:
            raw = await asyncio.wait_for(self.process.stdout.readline(), TIMEOUT)
            if not raw:
                tail = self.stderr.read_text()[-2000:] if self.stderr.exists() else ""
                raise AssertionError(f"process exited before {prefix!r}; stdout {self.lines[-3:]}; stderr:\n{tail}")
            line = raw.decode().strip()
            self.lines.append(line)
            if line.startswith(prefix):
                return line

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())

    def delivered(self) -> list[dict[str, str]]:
        if not self.deliveries.exists():
            return []
        return [json.loads(line) for line in self.deliveries.read_text().splitlines()]


async def seed(url: str) -> None:
    """Every channel: a running session and a daily check-in at 09:00 Amsterdam."""
    clock, said = FakeClock(WEDNESDAY), FakeTransport(platform="console")
    app = await make_app(url, clock, said)
    try:

        async def one(key: str) -> None:
            channel = Channel(app, said, clock, key=key)
            await channel.say("alice", "/problem start")
            await channel.say("alice", "/problem checkin daily 09:00")

        await asyncio.gather(*(one(key) for key in CHANNELS))
    finally:
        await app.close()


async def test_two_scheduler_processes_post_each_slot_once(tmp_path: Path) -> None:
    async with postgres_url_or_skip() as url:
        await seed(url)
        reader = await make_app(url, FakeClock(WEDNESDAY))
        try:
            due = await reader.service.repository.all_wakeups()
            assert {w.channel for w in due} == set(CHANNELS) and {w.kind for w in due} == {"checkin"}
            (slot,) = {w.at for w in due}  # all at the same minute: Thursday 09:00 in Amsterdam
            assert slot.astimezone(UTC).isoformat() == "2026-11-26T08:00:00+00:00"
            now = (slot + timedelta(seconds=30)).isoformat()

            processes = [await SchedulerProcess.start(url, now, tmp_path, name) for name in ("a", "b")]
            try:
                for process in processes:
                    await process.read_until("ready")
                for process in processes:
                    process.send("go")
                results = [json.loads((await p.read_until("done ")).removeprefix("done ")) for p in processes]
                for process in processes:
                    assert await asyncio.wait_for(process.process.wait(), TIMEOUT) == 0
            finally:
                for process in processes:
                    if process.process.returncode is None:
                        process.process.kill()
                        await process.process.wait()

            delivered = [line for process in processes for line in process.delivered()]
            checkins = Counter(line["channel"] for line in delivered if line["kind"] == "checkin")
            print("posts per process:", [len(p.delivered()) for p in processes], "results:", results)
            assert sum(result["claimed"] for result in results) == len(CHANNELS)
            assert [result["delivered"] for result in results] == [len(p.delivered()) for p in processes]
            assert set(checkins) == set(CHANNELS), f"missing: {sorted(set(CHANNELS) - set(checkins))}"
            assert {channel: n for channel, n in checkins.items() if n != 1} == {}, "a slot was posted twice"
            assert len(delivered) == len(CHANNELS)  # nothing but the check-ins went out

            async with reader.engine.connect() as connection:
                ticks = [
                    row.event_id
                    for row in await connection.execute(
                        select(processed_events.c.event_id).where(processed_events.c.event_id.like("tick:%"))
                    )
                ]
                statuses = Counter(
                    row.status
                    for row in await connection.execute(
                        select(outbox.c.status).where(outbox.c.payload.like('%"kind":"checkin"%'))
                    )
                )
            expected = {f"tick:{key}:checkin:{slot.astimezone(UTC).isoformat()}" for key in CHANNELS}
            assert sorted(ticks) == sorted(expected)  # each slot once, none missing
            assert statuses == {OUTBOX_SENT: len(CHANNELS)}
            after = await reader.service.repository.all_wakeups()
            assert {w.channel for w in after} == set(CHANNELS)
            assert {w.at.astimezone(UTC).isoformat() for w in after} == {"2026-11-27T08:00:00+00:00"}
        finally:
            await reader.close()
