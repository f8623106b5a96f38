"""Events per second through the pure engine (``bot.core.engine.decide``), no I/O at all.

Replays the bundled ``prompts/demo/en.txt`` conversation (start, answers, task talk that
the guard holds, drafts, a consent round, tasks) in many channels, then keeps the
channels busy with more answers and task-talk messages. Prints figures; asserts nothing.
Run: ``python -m benchmarks.bench_engine``.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adapters.console import to_event  # noqa: E402
from bot.core.engine import decide, new_state  # noqa: E402
from bot.core.model import ChannelState, InboundEvent  # noqa: E402
from bot.shell.prompts import load_script  # noqa: E402

CHANNELS = 200
EXTRA = (
    "bob: We should look at the numbers from last year before we decide anything.",
    "carol: I'll call the landlord association tomorrow and report back.",
    "dave: Rent arrears are the first signal; the youth team hears it much later.",
    "alice: Who takes the school part? Bob, can you handle that?",
)
ROUNDS = 5  # extra messages per channel = ROUNDS * len(EXTRA), after the demo


def conversation(channel: str, lines: list[str], command_words: dict[str, str]) -> list[InboundEvent]:
    events = [to_event(line, channel, "you", command_words) for line in lines]
    return [event for event in events if event is not None]


def main() -> None:
    script = load_script()
    demo = (ROOT / "prompts" / "demo" / "en.txt").read_text(encoding="utf-8").splitlines()
    # Build every event first: the figure is decide() alone.
    words = script.command_words()
    per_channel = {
        f"console:bench{i}": conversation(f"console:bench{i}", demo + list(EXTRA) * ROUNDS, words)
        for i in range(CHANNELS)
    }
    states: dict[str, ChannelState] = {channel: new_state(channel) for channel in per_channel}
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    step = timedelta(seconds=1)
    latencies: list[float] = []
    count = 0
    started = time.perf_counter()
    longest = max(len(events) for events in per_channel.values())
    for index in range(longest):  # interleave channels, as a busy workspace would
        for channel, events in per_channel.items():
            if index >= len(events):
                continue
            t0 = time.perf_counter()
            decision = decide(states[channel], events[index], script, now)
            latencies.append(time.perf_counter() - t0)
            states[channel] = decision.state
            count += 1
        now += step
    elapsed = time.perf_counter() - started
    latencies.sort()
    held = sum(len(state.parked) for state in states.values())
    print(f"engine decide: {count} events in {CHANNELS} channels ({len(demo)} demo lines + "
          f"{ROUNDS * len(EXTRA)} more per channel), {held} messages parked by the guard")
    print(f"  {count / elapsed:,.0f} events/s; latency p50 {statistics.median(latencies) * 1e3:.3f} ms, "
          f"p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.3f} ms, max {latencies[-1] * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
