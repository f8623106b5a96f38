"""Schedule math for check-ins, deadlines and pauses: pure, zoneinfo only, no clock reads.

Rules are wall-clock times in the channel's time zone ("weekly mon 09:00" stays 09:00
local across daylight-saving changes); every instant going in or out is aware UTC.
Users type the words of any language file (a :data:`Vocabulary`); a rule is stored in
one canonical form (``Rule.canonical``, in the :data:`STORED` words) that
:func:`parse_rule` reads back unchanged whatever the language files say.

DST: a local time that does not exist (02:30 on spring-forward day) becomes the first
valid instant after the gap (03:00); an ambiguous one (02:30 on the autumn day) is its
first occurrence (``fold=0``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_INTERVAL_WEEKS = 8
MAX_DEADLINE_DAYS = 366


class ScheduleError(ValueError):
    """Input that is not a schedule/deadline/date; ``code`` names the example to show."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code  # "rule" | "deadline" | "pause" | "past" | "timezone"


DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The words of schedules, deadlines and pauses: each word typed (lower case) -> what it means.
# The language files give each language's words; a meaning is a day code or one of these.
Vocabulary = Mapping[str, str]
MEANINGS = (*DAY_CODES, "daily", "weekdays", "weekly", "every", "weeks", "from",
            "in", "tomorrow", "until", "minutes", "hours", "days")

# The words :meth:`Rule.canonical` writes: part of the storage format, not of any language.
STORED: Vocabulary = {word: word for word in (*DAY_CODES, "daily", "weekdays", "weekly", "every", "weeks", "from")}

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Rule:
    """A recurring wall-clock time: on ``days`` (0 = Monday) every ``interval`` weeks.

    ``anchor`` (a local date) fixes which weeks count when ``interval`` > 1: the week
    containing the anchor, and every ``interval``-th week from it.
    """

    days: tuple[int, ...]
    at: time
    interval: int = 1
    anchor: date | None = None

    @property
    def kind(self) -> str:
        if self.interval > 1:
            return "every"
        if self.days == tuple(range(7)):
            return "daily"
        if self.days == tuple(range(5)):
            return "weekdays"
        return "weekly"

    def canonical(self) -> str:
        clock = self.at.strftime("%H:%M")
        days = ",".join(DAY_CODES[d] for d in self.days)
        match self.kind:
            case "daily":
                return f"daily {clock}"
            case "weekdays":
                return f"weekdays {clock}"
            case "weekly":
                return f"weekly {days} {clock}"
        assert self.anchor is not None
        return f"every {self.interval} weeks {days} {clock} from {self.anchor.isoformat()}"


def zone(name: str) -> ZoneInfo:
    """The zone called ``name``, or ScheduleError("timezone")."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ScheduleError("timezone", name) from error


def parse_time(word: str) -> time:
    match = _TIME.match(word)
    if match is None:
        raise ScheduleError("rule", f"not a time: {word!r}")
    return time(int(match.group(1)), int(match.group(2)))


def parse_date(word: str) -> date:
    match = _DATE.match(word)
    if match is None:
        raise ScheduleError("pause", f"not a date: {word!r}")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as error:
        raise ScheduleError("pause", f"not a date: {word!r}") from error


def _day(word: str, vocabulary: Vocabulary) -> int | None:
    """0 for a word meaning Monday ... 6 for Sunday; None for any other word."""
    meaning = vocabulary.get(word, "")
    return DAY_CODES.index(meaning) if meaning in DAY_CODES else None


def _parse_days(word: str, vocabulary: Vocabulary) -> tuple[int, ...]:
    days: set[int] = set()
    for part in word.split(","):
        day = _day(part, vocabulary)
        if day is None:
            raise ScheduleError("rule", f"not a day: {part!r}")
        days.add(day)
    return tuple(sorted(days))


def parse_rule(text: str, today: date, vocabulary: Vocabulary = STORED) -> Rule:
    """Read a schedule as users type it (in ``vocabulary``) or as :meth:`Rule.canonical` wrote it.

    ``today`` (local) anchors a new every-N-weeks rule: its first occurrence is the next
    matching day (this week or next), then every N weeks from there.
    """
    words = text.lower().replace(", ", ",").split()
    if not words:
        raise ScheduleError("rule", "empty")
    meaning = [vocabulary.get(word, "") for word in words]
    anchor = today
    if len(words) >= 2 and meaning[-2] == "from":
        anchor = parse_date(words[-1])
        words, meaning = words[:-2], meaning[:-2]
    head, rest = meaning[0], words[1:]
    if head == "daily" and len(rest) == 1:
        return Rule(tuple(range(7)), parse_time(rest[0]))
    if head == "weekdays" and len(rest) == 1:
        return Rule(tuple(range(5)), parse_time(rest[0]))
    if head == "weekly" and len(rest) == 2:
        return Rule(_parse_days(rest[0], vocabulary), parse_time(rest[1]))
    if head == "every" and len(rest) == 4 and rest[0].isdigit() and meaning[2] == "weeks":
        interval = int(rest[0])
        if not 1 <= interval <= MAX_INTERVAL_WEEKS:
            raise ScheduleError("rule", f"interval must be 1 to {MAX_INTERVAL_WEEKS} weeks")
        days, at = _parse_days(rest[2], vocabulary), parse_time(rest[3])
        if interval == 1:
            return Rule(days, at)
        if anchor == today:  # a new rule: its first week is the one of the next matching day
            anchor += timedelta(days=min((d - today.weekday()) % 7 for d in days))
        return Rule(days, at, interval, anchor)
    if head == "every" and len(rest) == 3 and meaning[1] == "weeks":  # "every week mon 09:00"
        return Rule(_parse_days(rest[1], vocabulary), parse_time(rest[2]))
    raise ScheduleError("rule", f"not a schedule: {text!r}")


# --------------------------------------------------------------------------- wall clock -> UTC


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``day at`` in ``tz`` (DST rules in the module docstring)."""
    wall = datetime.combine(day, at, tzinfo=tz)  # fold=0: first occurrence when ambiguous
    instant = wall.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    # In a gap: fold=0 and fold=1 bracket the transition; find its first instant.
    low = wall.replace(fold=1).astimezone(UTC)
    high = instant
    if low > high:
        low, high = high, low
    target_offset = high.astimezone(tz).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == target_offset:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def _week_matches(rule: Rule, day: date) -> bool:
    if rule.interval <= 1 or rule.anchor is None:
        return True
    start = rule.anchor - timedelta(days=rule.anchor.weekday())
    return ((day - timedelta(days=day.weekday()) - start).days // 7) % rule.interval == 0


def next_occurrence(rule: Rule, after: datetime, tz: str, not_before: date | None = None) -> datetime:
    """The first instant of ``rule`` strictly after ``after`` (UTC), in zone ``tz``.

    ``not_before`` (a local date) skips every occurrence before it: a pause.
    """
    zone_info = zone(tz)
    day = local_date(after, zone_info) - timedelta(days=1)
    if not_before is not None and not_before > day:
        day = not_before
    for _ in range(7 * max(rule.interval, 1) + 9):
        if day.weekday() in rule.days and _week_matches(rule, day):
            instant = local_instant(day, rule.at, zone_info)
            if instant > after:
                return instant
        day += timedelta(days=1)
    raise AssertionError(f"no occurrence of {rule} after {after}")  # pragma: no cover - rules are never empty


# --------------------------------------------------------------------------- deadlines and pauses


def parse_deadline(text: str, now: datetime, tz: str, vocabulary: Vocabulary) -> datetime:
    """A moment users type: ``fri 17:00``, ``17:00``, ``2027-01-04 12:00``, ``in 3 days``,
    ``tomorrow 09:00`` (in the words of ``vocabulary``). Returns UTC; it must lie in the
    future (< a year).
    """
    zone_info = zone(tz)
    words = text.lower().split()
    head = vocabulary.get(words[0], "") if words else ""
    weekday = _day(words[0], vocabulary) if words else None
    local_now = now.astimezone(zone_info)
    result: datetime
    if len(words) == 3 and head == "in":
        result = _after_duration(words[1], vocabulary.get(words[2], ""), now, zone_info)
    elif len(words) == 2 and weekday is not None:
        result = next_occurrence(Rule((weekday,), _deadline_time(words[1])), now, tz)
    elif len(words) == 2 and _DATE.match(words[0]):
        try:
            day = parse_date(words[0])
        except ScheduleError as error:
            raise ScheduleError("deadline", text) from error
        result = local_instant(day, _deadline_time(words[1]), zone_info)
    elif len(words) == 1 and _TIME.match(words[0]):
        at = _deadline_time(words[0])
        result = local_instant(local_now.date(), at, zone_info)
        if result <= now:
            result = local_instant(local_now.date() + timedelta(days=1), at, zone_info)
    elif len(words) == 2 and head == "tomorrow":
        result = local_instant(local_now.date() + timedelta(days=1), _deadline_time(words[1]), zone_info)
    else:
        raise ScheduleError("deadline", text)
    if result <= now:
        raise ScheduleError("past", text)
    if result > now + timedelta(days=MAX_DEADLINE_DAYS):
        raise ScheduleError("deadline", "more than a year ahead")
    return result


def _deadline_time(word: str) -> time:
    try:
        return parse_time(word)
    except ScheduleError as error:
        raise ScheduleError("deadline", word) from error


def _after_duration(amount: str, unit: str, now: datetime, zone_info: ZoneInfo) -> datetime:
    """``unit`` is a meaning: minutes, hours, days or weeks (anything else is refused)."""
    if not amount.isdigit() or unit not in ("minutes", "hours", "days", "weeks") or int(amount) == 0:
        raise ScheduleError("deadline", f"{amount} {unit}")
    count = int(amount)
    if unit in ("minutes", "hours"):  # elapsed time
        return now + timedelta(**{unit: count})
    # Calendar units keep the wall-clock time ("in 4 weeks" at the same local hour).
    days = count * (7 if unit == "weeks" else 1)
    if days > MAX_DEADLINE_DAYS:
        raise ScheduleError("deadline", "more than a year ahead")
    local = now.astimezone(zone_info)
    return local_instant(local.date() + timedelta(days=days), local.time().replace(second=0, microsecond=0),
                         zone_info)


def parse_pause(text: str, today: date, vocabulary: Vocabulary) -> date:
    """``until 2027-01-04`` (or just the date): the day check-ins resume."""
    words = text.lower().split()
    if words and vocabulary.get(words[0]) == "until":
        words = words[1:]
    if len(words) != 1:
        raise ScheduleError("pause", text)
    resume = parse_date(words[0])
    if resume <= today:
        raise ScheduleError("past", text)
    if resume > today + timedelta(days=MAX_DEADLINE_DAYS):
        raise ScheduleError("pause", "more than a year ahead")
    return resume
