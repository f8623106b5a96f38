"""Outbound rate limits, checked on a fake clock: no sleeping, no exceeding."""

from __future__ import annotations

from datetime import timedelta

from bot.shell.ratelimit import RateLimiter
from tests.checkins.conftest import WEDNESDAY, Channel, MakeChannel
from tests.service.fakes import FakeClock


def sends_in(limiter: RateLimiter, clock: FakeClock, channels: list[str], seconds: float,
             step: float = 0.05) -> list[tuple[float, str]]:
    """Send to ``channels`` round-robin as fast as allowed for ``seconds``; returns (t, channel)."""
    sent: list[tuple[float, str]] = []
    start = clock.now()
    elapsed = 0.0
    while elapsed < seconds:
        for channel in channels:
            if limiter.try_acquire(channel) == 0.0:
                sent.append((elapsed, channel))
        clock.advance(step)
        elapsed = (clock.now() - start).total_seconds()
    return sent


def most_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, low = 0, 0
    for high, t in enumerate(times):
        while times[low] <= t - window:
            low += 1
        best = max(best, high - low + 1)
    return best


def test_telegram_never_exceeds_30_messages_a_second_per_bot() -> None:
    clock = FakeClock(WEDNESDAY)
    limiter = RateLimiter(clock)
    chats = [f"telegram:{n}" for n in range(1, 200)]
    sent = sends_in(limiter, clock, chats, seconds=5)
    assert most_in_window([t for t, _ in sent], 1.0) == 30
    assert 145 <= len(sent) <= 180  # about 30/s over five seconds


def test_a_telegram_group_gets_at_most_20_messages_a_minute() -> None:
    clock = FakeClock(WEDNESDAY)
    limiter = RateLimiter(clock)
    sent = sends_in(limiter, clock, ["telegram:-1001"], seconds=180, step=0.25)
    assert most_in_window([t for t, _ in sent], 60.0) == 20
    assert most_in_window([t for t, _ in sent], 1.0) <= 5  # short bursts only


def test_a_slack_channel_gets_about_one_message_a_second_after_a_short_burst() -> None:
    clock = FakeClock(WEDNESDAY)
    limiter = RateLimiter(clock)
    sent = sends_in(limiter, clock, ["slack:T1:C1", "slack:T1:C2"], seconds=20)
    per_channel = [t for t, channel in sent if channel == "slack:T1:C1"]
    assert len(per_channel) <= 5 + 20  # the burst, then 1/s
    assert most_in_window(per_channel[5:], 1.0) == 1
    assert len([c for _, c in sent if c == "slack:T1:C2"]) == len(per_channel)  # channels are independent


def test_the_console_is_not_limited_and_a_refund_gives_the_slot_back() -> None:
    clock = FakeClock(WEDNESDAY)
    limiter = RateLimiter(clock)
    assert all(limiter.try_acquire("console:x") == 0.0 for _ in range(1000))
    for _ in range(30):
        assert limiter.try_acquire("telegram:1" if _ == 0 else f"telegram:{_ + 1}") == 0.0
    assert limiter.try_acquire("telegram:99") > 0
    limiter.refund("telegram:30")
    assert limiter.try_acquire("telegram:99") == 0.0


def test_a_reply_to_a_persons_own_action_waives_chat_limits_but_still_counts() -> None:
    clock = FakeClock(WEDNESDAY)
    limiter = RateLimiter(clock)
    for _ in range(8):
        assert limiter.try_acquire("slack:T1:C1", chat_limits=False) == 0.0
    assert limiter.try_acquire("slack:T1:C1") > 0  # a check-in now waits its turn


async def test_a_fan_out_of_check_ins_goes_out_at_the_allowed_rate(make_channel: MakeChannel) -> None:
    """60 Telegram groups due at the same minute: 30 in the first second, the rest after."""
    first = await make_channel(key="telegram:-100")
    app, clock, transport = first.app, first.clock, first.transport
    for number in range(60):
        channel = Channel(app, transport, clock, key=f"telegram:-{1000 + number}")
        await channel.say("alice", "/problem start")
        await channel.say("alice", "/problem checkin daily 09:00")
    while await app.service.deliver_pending() or len(transport.delivered) < 180:  # the setup's own replies
        clock.advance(1.0)
    transport.delivered.clear()
    clock._now = WEDNESDAY.replace(hour=8) + timedelta(days=1)  # Thursday 09:00 in Amsterdam
    assert await app.scheduler.fire_due() == 60
    assert len(transport.delivered) == 30  # the per-bot second is full; the rest stays pending
    assert await app.service.deliver_pending() == 0  # still the same second
    clock.advance(1.0)
    assert await app.service.deliver_pending() == 30
    assert len({d.channel for d in transport.delivered}) == 60
