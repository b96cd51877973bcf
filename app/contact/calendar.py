"""Mainland China's public holidays and adjusted working days （调休）， in the portal's timezone.

Three sources, first match wins:
1. content/holidays.yaml: days staff copied from the State Council notice (additions and corrections);
2. the `chinesecalendar` package, for the years it knows (2004–2026 in release 1.11);
3. a fallback for any other year: Monday–Friday are working days, plus the holidays with a fixed
   Gregorian date. Lunar holidays and 调休 cannot be guessed, so such days are marked unconfirmed and
   the pages say "节假日安排待官方公布".
"""
import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
from flask import current_app

from app.contact.channels import fail, read_yaml

HOLIDAYS_FILE = "holidays.yaml"
# 《全国年节及纪念日放假办法》(revised 2024, in force 2025): the holidays fixed to a Gregorian date.
FIXED_DATE_HOLIDAYS = {
    (1, 1): ("元旦", "New Year's Day"),
    (5, 1): ("劳动节", "Labour Day"), (5, 2): ("劳动节", "Labour Day"),
    (10, 1): ("国庆节", "National Day"), (10, 2): ("国庆节", "National Day"), (10, 3): ("国庆节", "National Day"),
}
_LIBRARY_NAMES = {holiday.value: (holiday.chinese, holiday.value) for holiday in chinese_calendar.Holiday}


@dataclass(frozen=True)
class Day:
    """One calendar day: workday, weekend, holiday or adjusted_workday （a weekend day worked for 调休）."""

    date: dt.date
    kind: str
    name: str | None = None
    name_en: str | None = None
    confirmed: bool = True

    @property
    def is_holiday(self):
        """Tell whether this is a public holiday (a day off beyond the normal weekend)."""
        return self.kind == "holiday"


class HolidayCalendar:
    """Answer what kind of day a date is, from holidays.yaml, chinesecalendar or the fallback."""

    def __init__(self, overrides, complete_years):
        self.overrides = overrides
        self.complete_years = complete_years

    def day(self, date):
        """Return the Day for `date`."""
        if date in self.overrides:
            off, name, name_en = self.overrides[date]
            return Day(date, _kind(date, off, name), name, name_en)
        return _library_day(date) or _fallback_day(date, confirmed=date.year in self.complete_years)


def portal_time(moment, timezone):
    """Convert `moment` to the portal's timezone; a naive datetime is taken as portal local time."""
    zone = ZoneInfo(timezone)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def portal_now(timezone):
    """Return the current time in the portal's timezone, whatever the server's timezone is."""
    return dt.datetime.now(ZoneInfo(timezone))


def current_calendar():
    """Return the holiday calendar of the current app's content folder."""
    return load_calendar(current_app.config["CONTENT_DIR"])


def load_calendar(content_dir):
    """Load holidays.yaml from `content_dir`, cached until the file changes."""
    path = Path(content_dir) / HOLIDAYS_FILE
    return _load_calendar(str(path), path.stat().st_mtime_ns if path.exists() else 0)


@functools.lru_cache(maxsize=8)
def _load_calendar(path, mtime):
    data = read_yaml(path) if mtime else {}
    years = (data or {}).get("years") or {}
    if not isinstance(years, dict):
        fail(f"{path}: years", "expected a mapping of year to {source, complete, days}")
    overrides, complete = {}, set()
    for year, entry in years.items():
        where = f"{path}: years.{year}"
        if not isinstance(entry, dict) or not isinstance(entry.get("days"), list):
            fail(where, "expected a mapping with a 'days' list (and 'source', 'complete')")
        if entry.get("complete"):
            complete.add(int(year))
        for i, item in enumerate(entry["days"]):
            date, value = _override(item, f"{where}.days[{i}]", int(year))
            overrides[date] = value
    return HolidayCalendar(overrides, frozenset(complete))


def _override(item, where, year):
    if not isinstance(item, dict) or not isinstance(item.get("date"), dt.date) or item["date"].year != year:
        fail(f"{where}.date", f"expected a date (YYYY-MM-DD) in {year}")
    if not isinstance(item.get("day_off"), bool):
        fail(f"{where}.day_off", "expected true (day off) or false (working day)")
    if not isinstance(item.get("name"), str):
        fail(f"{where}.name", "required text is missing")
    return item["date"], (item["day_off"], item["name"], item.get("name_en") or item["name"])


def _kind(date, off, name):
    weekend = date.weekday() >= 5
    if off:
        return "holiday" if name or not weekend else "weekend"
    return "adjusted_workday" if weekend else "workday"


@functools.lru_cache(maxsize=4096)
def _library_day(date):
    try:
        off, name = chinese_calendar.get_holiday_detail(date)
    except NotImplementedError:
        return None
    kind = _kind(date, off, name)
    zh, en = _LIBRARY_NAMES.get(name, (name, name)) if name else (None, None)
    if kind == "adjusted_workday":
        return Day(date, kind, f"{zh}调休上班", f"Working day adjusted for {en}")
    return Day(date, kind, zh, en) if kind == "holiday" else Day(date, kind)


def _fallback_day(date, confirmed):
    name = None if confirmed else FIXED_DATE_HOLIDAYS.get((date.month, date.day))
    if name:
        return Day(date, "holiday", name[0], name[1], confirmed=False)
    return Day(date, "weekend" if date.weekday() >= 5 else "workday", confirmed=confirmed)

