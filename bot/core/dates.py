"""Dates as people read them: "Mon 7 Dec 2026, 14:00" / "ma 7 dec 2026, 14:00".

Pure: the names and the order come from the channel's language (``prompts/<lang>.yaml``:
``day_names``, ``month_names``, ``moment_format``, ``date_format``), the zone is the
channel's; no locale module, whose output depends on the machine. Data (the JSON export)
keeps ISO 8601; texts people read use these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.schedule import zone
from bot.core.script import Script


@dataclass(frozen=True, slots=True)
class Calendar:
    """One language's way of writing a date: its day and month names and the two templates."""

    day_names: tuple[str, ...]  # Monday first
    month_names: tuple[str, ...]  # January first
    moment_format: str = "{weekday} {day} {month} {year}, {time}"
    date_format: str = "{weekday} {day} {month} {year}"

    @classmethod
    def of(cls, day_names: str, month_names: str, moment_format: str, date_format: str) -> Calendar:
        """From the language's texts (names separated by spaces)."""
        days, months = tuple(day_names.split()), tuple(month_names.split())
        if len(days) != 7 or len(months) != 12:
            raise ValueError(f"need 7 day names and 12 month names, got {len(days)} and {len(months)}")
        return cls(days, months, moment_format, date_format)

    def day(self, value: date) -> str:
        """A calendar date: ``Mon 7 Dec 2026``."""
        return self.date_format.format(weekday=self.day_names[value.weekday()], day=value.day,
                                       month=self.month_names[value.month - 1], year=value.year)

    def moment(self, instant: datetime, timezone: str) -> str:
        """An instant in ``timezone``: ``Mon 7 Dec 2026, 14:00``."""
        local = instant.astimezone(zone(timezone))
        return self.moment_format.format(weekday=self.day_names[local.weekday()], day=local.day,
                                         month=self.month_names[local.month - 1], year=local.year,
                                         time=local.strftime("%H:%M"))


def calendar(script: Script, language: str) -> Calendar:
    """The calendar of ``language`` (its templates are read raw: they are not texts to fill)."""
    texts = script.pack(language).texts
    return Calendar.of(texts["day_names"], texts["month_names"], texts["moment_format"], texts["date_format"])
