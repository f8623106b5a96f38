"""Two OS processes on one PostgreSQL database; one is killed with SIGKILL mid-burst.

Every event a process acknowledged (``handle`` returned) is counted exactly once, no
event id shared by both processes is counted twice, and the survivor delivers every
committed reply. Delivery is exactly once per replica; only a message the dead replica
had claimed (and perhaps sent) when it died can go out a second time, after its claim
lease expires: at-least-once across a crash, as documented in ``bot.shell.pipe.service``.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.shell.storage.database import Transactor, make_engine, upgrade
from bot.shell.storage.tables import OUTBOX_SENDING, OUTBOX_SENT, outbox
from bot.shell.storage.views import Views
from tests.storage.pg import deadlocks

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = [f"console:room{i}" for i in range(8)]
OWN, SHARED, KILL_AFTER = 180, 40, 60
LEASE_PLUS = 125.0  # past the service's 120 s claim lease


def channel_of(event_id: str) -> str:
    return CHANNELS[sum(map(ord, event_id)) % len(CHANNELS)]


def burst(prefix: str, rng: random.Random) -> list[tuple[str, str]]:
    """Own ids, the ids both replicas receive, and a few of its own retried (same id twice)."""
    ids = [f"{prefix}{i}" for i in range(OWN)] + [f"shared{i}" for i in range(SHARED)]
    ids += rng.sample(ids[:OWN], 10)
    rng.shuffle(ids)
    return [(channel_of(event_id), event_id) for event_id in ids]


class Replica:
    def __init__(self, process: asyncio.subprocess.Process, deliveries: Path) -> None:
        self.process = process
        self.deliveries = deliveries
        self.acked: set[str] = set()
        self.lines: list[str] = []

    @classmethod
    async def start(cls, url: str, directory: Path, name: str, events: list[tuple[str, str]]) -> Replica:
        events_path = directory / f"{name}.json"
        events_path.write_text(json.dumps(events))
        deliveries = directory / f"{name}.deliveries"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.ops.replica", url, str(events_path), str(deliveries),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )
        return cls(process, deliveries)

    async def read_until(self, prefix: str, timeout: float = 60) -> str:
        assert self.process.stdout is not None
        while True:
            raw = await asyncio.wait_for(self.process.stdout.readline(), timeout)
            if not raw:
                raise AssertionError(f"replica exited before {prefix!r}; got {self.lines[-3:]}")
            line = raw.decode().strip()
            self.lines.append(line)
            if line.startswith("ack "):
                self.acked.add(line.split()[1])
            if line.startswith(prefix):
                return line

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())

    def delivered(self) -> list[str]:
        if not self.deliveries.exists():
            return []
        text = self.deliveries.read_text()
        complete = text if text.endswith("\n") else text.rsplit("\n", 1)[0]  # a torn last line was not sent
        return complete.split()


@pytest.mark.postgres
async def test_two_processes_count_every_event_once_and_the_survivor_delivers(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    await upgrade(engine)
    rng = random.Random(7)
    victim = await Replica.start(pg_url, tmp_path, "victim", burst("v", rng))
    survivor = await Replica.start(pg_url, tmp_path, "survivor", burst("s", rng))
    try:
        await victim.read_until("ready")
        await survivor.read_until("ready")
        victim.send("go")
        survivor.send("go")
        while len(victim.acked) < KILL_AFTER:
            await victim.read_until("ack ")
        victim.process.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(victim.process.wait(), 30) == -signal.SIGKILL
        await survivor.read_until("burst done")

        async with engine.connect() as connection:  # the dead replica's claims, left mid-delivery
            orphaned = {
                json.loads(row.payload)["data"]["message_id"]
                for row in await connection.execute(select(outbox).where(outbox.c.status == OUTBOX_SENDING))
            }
        survivor.send(f"deliver {LEASE_PLUS}")
        await survivor.read_until("delivered")
        assert await asyncio.wait_for(survivor.process.wait(), 30) == 0

        repository = Views(Transactor(engine))
        counted = [answer.text for state in await repository.all_states() for answer in state.answers]
        rows = await repository.outbox()
        processed = await repository.processed_count()
    finally:
        for replica in (victim, survivor):
            if replica.process.returncode is None:
                replica.process.kill()
                await replica.process.wait()
        await engine.dispose()

    # The victim really died mid-burst.
    assert KILL_AFTER <= len(victim.acked) < OWN + SHARED
    # Exactly once: nothing counted twice, everything acknowledged counted.
    assert len(counted) == len(set(counted)) == processed
    assert victim.acked | survivor.acked <= set(counted)
    assert {f"shared{i}" for i in range(SHARED)} <= set(counted)
    # Every committed event's reply was delivered; each replica delivered a row at most once.
    assert len(rows) == len(counted) and all(row.status == OUTBOX_SENT for row in rows)
    by_victim, by_survivor = victim.delivered(), survivor.delivered()
    assert len(by_victim) == len(set(by_victim)) and len(by_survivor) == len(set(by_survivor))
    assert set(by_victim) | set(by_survivor) == set(counted)
    assert set(by_victim) & set(by_survivor) <= orphaned
    assert len(orphaned) <= len(CHANNELS)  # one in-flight head per channel at most
    # The replicas worked on the same channels at once without deadlocking each other.
    assert await deadlocks(pg_url) == 0
