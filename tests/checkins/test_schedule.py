"""Schedule math: wall-clock rules in a time zone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.schedule import (
    Rule,
    ScheduleError,
    local_instant,
    next_occurrence,
    parse_deadline,
    parse_pause,
    parse_rule,
)
from bot.shell.prompts import load_script

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 25)  # a Wednesday
WORDS = load_script().lexicon("schedule")  # what people type: the words of every language file


def local(instant: datetime, tz: str = "Europe/Amsterdam") -> str:
    return instant.astimezone(ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M %Z")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("weekly mon 09:00", "weekly mon 09:00"),
        ("Weekly Monday 9:00", "weekly mon 09:00"),
        ("wekelijks ma 09:00", "weekly mon 09:00"),
        ("weekly mon,thu 09:00", "weekly mon,thu 09:00"),
        ("daily 17:00", "daily 17:00"),
        ("dagelijks 17.00", "daily 17:00"),
        ("weekdays 09:30", "weekdays 09:30"),
        ("werkdagen 09:30", "weekdays 09:30"),
        ("every week fri 16:00", "weekly fri 16:00"),
        ("every 1 weeks fri 16:00", "weekly fri 16:00"),
        ("every 2 weeks thu 14:00", "every 2 weeks thu 14:00 from 2026-11-26"),
        ("elke 2 weken do 14:00", "every 2 weeks thu 14:00 from 2026-11-26"),
        ("every 3 weeks mon 09:00", "every 3 weeks mon 09:00 from 2026-11-30"),
    ],
)
def test_rules_are_read_in_english_and_dutch_and_written_canonically(typed: str, canonical: str) -> None:
    rule = parse_rule(typed, TODAY, WORDS)
    assert rule.canonical() == canonical
    assert parse_rule(canonical, date(2030, 1, 1)) == rule  # the stored form reads back, without any language file


@pytest.mark.parametrize("typed", ["", "weekly", "weekly funday 09:00", "daily 25:00", "daily 9", "hourly 09:00",
                                   "every 0 weeks mon 09:00", "every 9 weeks mon 09:00", "weekly mon 09:00 extra"])
def test_bad_rules_raise_a_schedule_error(typed: str) -> None:
    with pytest.raises(ScheduleError) as error:
        parse_rule(typed, TODAY, WORDS)
    assert error.value.code == "rule"


def test_a_weekly_monday_check_in_stays_at_nine_local_across_both_dst_changes() -> None:
    rule = parse_rule("weekly mon 09:00", TODAY)
    seen: list[str] = []
    at = datetime(2026, 3, 20, tzinfo=UTC)
    for _ in range(3):
        at = next_occurrence(rule, at, "Europe/Amsterdam")
        seen.append(local(at))
    assert seen == ["Mon 2026-03-23 09:00 CET", "Mon 2026-03-30 09:00 CEST", "Mon 2026-04-06 09:00 CEST"]
    autumn: list[tuple[str, int]] = []
    at = datetime(2026, 10, 20, tzinfo=UTC)
    for _ in range(2):
        at = next_occurrence(rule, at, "Europe/Amsterdam")
        autumn.append((local(at), at.hour))
    # Same wall-clock time, a different UTC hour on each side of the change.
    assert autumn == [("Mon 2026-10-26 09:00 CET", 8), ("Mon 2026-11-02 09:00 CET", 8)]
    before = next_occurrence(rule, datetime(2026, 10, 15, tzinfo=UTC), "Europe/Amsterdam")
    assert (local(before), before.hour) == ("Mon 2026-10-19 09:00 CEST", 7)


def test_a_time_that_does_not_exist_on_spring_forward_day_becomes_the_end_of_the_gap() -> None:
    rule = parse_rule("daily 02:30", TODAY)
    at = next_occurrence(rule, datetime(2026, 3, 28, 12, 0, tzinfo=UTC), "Europe/Amsterdam")
    assert local(at) == "Sun 2026-03-29 03:00 CEST"
    following = next_occurrence(rule, at, "Europe/Amsterdam")
    assert local(following) == "Mon 2026-03-30 02:30 CEST"


def test_an_ambiguous_autumn_time_is_its_first_occurrence() -> None:
    rule = parse_rule("daily 02:30", TODAY)
    at = next_occurrence(rule, datetime(2026, 10, 24, 12, 0, tzinfo=UTC), "Europe/Amsterdam")
    assert local(at) == "Sun 2026-10-25 02:30 CEST"  # not the second 02:30 (CET)
    assert next_occurrence(rule, at, "Europe/Amsterdam") > at + timedelta(hours=20)  # once that day


def test_every_two_weeks_starts_on_the_next_matching_day_and_then_skips_a_week() -> None:
    rule = parse_rule("every 2 weeks thu 14:00", TODAY)
    at, seen = datetime(2026, 11, 25, 9, 0, tzinfo=UTC), []
    for _ in range(3):
        at = next_occurrence(rule, at, "Europe/Amsterdam")
        seen.append(local(at))
    assert seen == ["Thu 2026-11-26 14:00 CET", "Thu 2026-12-10 14:00 CET", "Thu 2026-12-24 14:00 CET"]


def test_weekdays_skip_the_weekend() -> None:
    rule = parse_rule("weekdays 09:30", TODAY)
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert local(next_occurrence(rule, friday_evening, "Europe/Amsterdam")) == "Mon 2026-11-30 09:30 CET"


def test_a_pause_skips_every_occurrence_before_the_day_it_ends() -> None:
    rule = parse_rule("weekly mon 09:00", TODAY)
    at = next_occurrence(rule, datetime(2026, 12, 18, tzinfo=UTC), "Europe/Amsterdam", date(2027, 1, 4))
    assert local(at) == "Mon 2027-01-04 09:00 CET"


NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday 10:00 in Amsterdam


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("fri 17:00", "Fri 2026-11-27 17:00 CET"),
        ("vr 17:00", "Fri 2026-11-27 17:00 CET"),
        ("wed 09:00", "Wed 2026-12-02 09:00 CET"),  # today's 09:00 has passed: next week
        ("2027-01-04 12:00", "Mon 2027-01-04 12:00 CET"),
        ("17:00", "Wed 2026-11-25 17:00 CET"),
        ("09:00", "Thu 2026-11-26 09:00 CET"),
        ("tomorrow 9:00", "Thu 2026-11-26 09:00 CET"),
        ("in 3 days", "Sat 2026-11-28 10:00 CET"),
        ("in 4 weeks", "Wed 2026-12-23 10:00 CET"),
        ("over 4 weken", "Wed 2026-12-23 10:00 CET"),
        ("in 2 hours", "Wed 2026-11-25 12:00 CET"),
    ],
)
def test_deadlines_as_people_type_them(typed: str, expected: str) -> None:
    assert local(parse_deadline(typed, NOW, "Europe/Amsterdam", WORDS)) == expected


def test_in_four_weeks_keeps_the_wall_clock_time_across_a_dst_change() -> None:
    march = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)  # 10:00 CET
    assert local(parse_deadline("in 4 weeks", march, "Europe/Amsterdam", WORDS)) == "Wed 2026-04-08 10:00 CEST"


@pytest.mark.parametrize(("typed", "code"), [("someday", "deadline"), ("fri 25:00", "deadline"),
                                             ("2026-11-01 12:00", "past"), ("in 0 days", "deadline"),
                                             ("in 400 days", "deadline"), ("2026-02-30 12:00", "deadline")])
def test_bad_deadlines_say_what_was_wrong(typed: str, code: str) -> None:
    with pytest.raises(ScheduleError) as error:
        parse_deadline(typed, NOW, "Europe/Amsterdam", WORDS)
    assert error.value.code == code


def test_pauses_name_the_day_check_ins_resume() -> None:
    assert parse_pause("until 2027-01-04", TODAY, WORDS) == date(2027, 1, 4)
    assert parse_pause("tot 2027-01-04", TODAY, WORDS) == date(2027, 1, 4)
    with pytest.raises(ScheduleError):
        parse_pause("until 2026-11-25", TODAY, WORDS)  # today: nothing to pause
    with pytest.raises(ScheduleError):
        parse_pause("until christmas", TODAY, WORDS)


# --------------------------------------------------------------------------- properties

ZONES = ["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Sao_Paulo",
         "Pacific/Chatham", "UTC"]

rules = st.builds(
    Rule,
    days=st.sets(st.integers(0, 6), min_size=1).map(lambda days: tuple(sorted(days))),
    at=st.builds(time, st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 45, 59])),
    interval=st.integers(1, 4),
    anchor=st.dates(date(2020, 1, 1), date(2040, 12, 31)),
)
instants = st.datetimes(datetime(2020, 1, 1), datetime(2040, 12, 31)).map(lambda d: d.replace(tzinfo=UTC))


def _exists(day: date, at: time, tz: ZoneInfo) -> bool:
    wall = datetime.combine(day, at, tzinfo=tz)
    return wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None)


@settings(max_examples=400, deadline=None)
@given(rule=rules, after=instants, tz=st.sampled_from(ZONES))
def test_next_occurrence_is_later_on_a_rule_day_at_the_rule_time(rule: Rule, after: datetime, tz: str) -> None:
    zone = ZoneInfo(tz)
    at = next_occurrence(rule, after, tz)
    assert at > after
    assert at.tzinfo is not None and at.utcoffset() == timedelta(0)
    local_at = at.astimezone(zone)
    if _exists(local_at.date(), rule.at, zone):
        assert local_at.time() == rule.at
        day = local_at.date()
    else:  # in a DST gap: the first instant after it, on the same day
        day = local_at.date()
        assert at == local_instant(day, rule.at, zone)
    assert day.weekday() in rule.days
    if rule.interval > 1:
        assert rule.anchor is not None
        weeks = ((day - timedelta(days=day.weekday())) - (rule.anchor - timedelta(days=rule.anchor.weekday()))).days
        assert (weeks // 7) % rule.interval == 0


@settings(max_examples=200, deadline=None)
@given(rule=rules, after=instants, tz=st.sampled_from(ZONES))
def test_nothing_is_skipped_between_after_and_the_next_occurrence(rule: Rule, after: datetime, tz: str) -> None:
    """No earlier matching slot exists: one hour before the result, the next one is the result."""
    at = next_occurrence(rule, after, tz)
    probe = max(after, at - timedelta(minutes=61))
    assert next_occurrence(rule, probe, tz) == at
