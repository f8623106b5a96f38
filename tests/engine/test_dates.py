"""The date formatter: names and order from the language file, the channel's zone, no locale module."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.core.dates import calendar
from bot.core.script import Script


def test_an_instant_in_the_channels_zone_and_language(script: Script) -> None:
    winter = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)
    assert calendar(script, "en").moment(winter, "Europe/Amsterdam") == "Mon 7 Dec 2026, 14:00"
    assert calendar(script, "nl").moment(winter, "Europe/Amsterdam") == "ma 7 dec 2026, 14:00"
    assert calendar(script, "en").moment(summer, "Europe/Amsterdam") == "Mon 6 Jul 2026, 14:00"  # CEST
    assert calendar(script, "en").moment(winter, "UTC") == "Mon 7 Dec 2026, 13:00"


def test_a_calendar_date(script: Script) -> None:
    assert calendar(script, "en").day(date(2027, 1, 4)) == "Mon 4 Jan 2027"
    assert calendar(script, "nl").day(date(2027, 3, 3)) == "wo 3 mrt 2027"
