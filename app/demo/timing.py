"""When things happen in the demo history: filing times over the year, office hours, and the SLA due dates."""
import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from flask import current_app

from app.complaints import sla

# Buyers write from 08:00 to 23:00, staff act 09:00–21:00 Beijing time (any day, fewer on holidays).
FILING_HOURS, OFFICE_HOURS = (8, 23), (9, 21)
HOUR_WEIGHTS = (1.0, .5, .3, .2, .2, .3, .8, 1.5, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5.5, 6.5, 7.5, 7.5, 6, 3.5)
DAY_WEIGHTS = {"workday": 1.0, "adjusted_workday": .9, "weekend": 1.25, "holiday": 1.4}
SHOPPING_DAYS = {(11, 11): 1.8, (11, 12): 1.4, (6, 18): 1.4, (12, 12): 1.3}


def within(moment, hours, rng, zone=None):
    """Move `moment` forward into the daily window `hours` (start, end) of portal time, at a random minute."""
    start, end = hours
    local = moment.astimezone(zone or ZoneInfo(current_app.config["PORTAL_TIMEZONE"]))
    if local.hour >= end:
        local = (local + dt.timedelta(days=1)).replace(hour=start, minute=rng.randrange(60))
    elif local.hour < start:
        local = local.replace(hour=start, minute=rng.randrange(60))
    return local.astimezone(dt.UTC)


def arrival_times(rng, count, now, calendar):
    """`count` sorted filing times over the last year: evenings, weekends, holidays and shopping days busier."""
    zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    first = (now - dt.timedelta(days=365)).replace(minute=0, second=0, microsecond=0)
    hours, weights = [], []
    for index in range(365 * 24 + 1):
        hour = first + dt.timedelta(hours=index)
        local = hour.astimezone(zone)
        trend = 0.8 + 0.3 * index / (365 * 24)  # the portal grew over the year
        weight = HOUR_WEIGHTS[local.hour] * DAY_WEIGHTS[calendar.day(local.date()).kind] * trend
        hours.append(hour.timestamp())
        weights.append(weight * SHOPPING_DAYS.get((local.month, local.day), 1))
    cumulative = list(itertools.accumulate(weights))
    picked = rng.choices(hours, cum_weights=cumulative, k=count)
    latest = now.timestamp() - 60
    return sorted(min(int(start + rng.random() * 3600), int(latest)) for start in picked)


class Deadlines:
    """The real SLA functions, memoised per (local hour, duration): within one working day the result moves
    with the start, so only hours near a day boundary fall back to the full calculation."""

    def __init__(self, calendar):
        self.calendar, self.zone = calendar, ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
        self.memo, self.working, self.rows = {}, {}, {}

    def due_dates(self, category, priority, start):
        """Return (first_response_due, resolution_due) exactly as sla.due_dates would."""
        row = self.rows.get((category, priority)) or self.rows.setdefault((category, priority),
                                                                          sla.sla_for(category, priority))
        first = dt.timedelta(hours=row["first_response_hours"])
        first_due = start + first if row.get("first_response_every_day") else self.add(start, first)
        return first_due.astimezone(dt.UTC), self.add(start, dt.timedelta(days=row["resolution_days"]))

    def add(self, start, delta):
        """sla.add_working_time(start, delta), answered from the memo when the shift cannot cross a day."""
        local = start.astimezone(self.zone)
        hour = local.replace(minute=0, second=0, microsecond=0)
        key = (hour, delta)
        base = self.memo.get(key)
        if base is None:
            base = self.memo[key] = sla.add_working_time(hour, delta, self.calendar).astimezone(self.zone)
        if not self._works(local.date()):
            return base.astimezone(dt.UTC)  # a start on a day off waits for the next working day either way
        shifted = base + (local - hour)
        if shifted.date() == base.date() and self._works(base.date()):
            return shifted.astimezone(dt.UTC)
        return sla.add_working_time(start, delta, self.calendar)

    def _works(self, date):
        works = self.working.get(date)
        if works is None:
            works = self.working[date] = self.calendar.day(date).kind in sla.WORKING_KINDS
        return works


def from_timestamp(seconds):
    """An aware UTC datetime from POSIX seconds."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC)
