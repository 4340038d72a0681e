"""Working days: weekends and the team's public holidays (python-holidays), China's make-up
working Saturdays included. Quarters for re-grading and reactivation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=32)
def _calendar(country: str | None) -> holidays.HolidayBase | None:
    return holidays.country_holidays(country) if country else None


def is_working_day(day: date, country: str | None) -> bool:
    calendar = _calendar(country)
    if calendar is None:
        return day.weekday() < 5
    return bool(calendar.is_working_day(day))


def add_working_days(start: date, count: int, country: str | None) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, country):
            remaining -= 1
    return day


def next_working_day(day: date, country: str | None) -> date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_working_day(day, country):
        day += timedelta(days=1)
    return day


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def local_date(at: datetime, tz: str) -> date:
    return at.astimezone(ZoneInfo(tz)).date()


def working_hours_between(start: datetime, end: datetime, *, tz: str, country: str | None) -> float:
    """Hours from ``start`` to ``end`` that fall on working days (local days of ``tz``): a 24-hour
    grace that starts on Friday 09:00 ends on Monday 09:00, not on Saturday."""
    if end <= start:
        return 0.0
    zone = ZoneInfo(tz)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if is_working_day(day, country):
            day_start = datetime.combine(day, datetime.min.time(), zone)
            day_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
            overlap = min(day_end, local_end) - max(day_start, local_start)
            total += max(overlap.total_seconds(), 0.0) / 3600
        day += timedelta(days=1)
    return total


def working_time(at: datetime, *, tz: str, country: str | None, hour: int = 9) -> datetime | None:
    """None when ``at`` falls on a working day of ``tz``; else ``hour`` o'clock of the next working day
    (a scheduled message held over a weekend or holiday)."""
    zone = ZoneInfo(tz)
    local = at.astimezone(zone).date()
    if is_working_day(local, country):
        return None
    return datetime.combine(next_working_day(local, country), datetime.min.time().replace(hour=hour), zone)
