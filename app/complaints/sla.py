"""SLA clocks in working time: weekends and public holidays (the contact calendar) do not count."""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from app.contact.calendar import current_calendar

WORKING_KINDS = {"workday", "adjusted_workday"}


def sla_for(category, priority):
    """Look up the SLA row for (category, priority), falling back to any category."""
    table = current_app.config["COMPLAINT_SLA"]
    return table.get((category, priority)) or table[("*", priority)]


def add_working_time(start, delta, calendar=None):
    """Advance `start` by `delta`, counting only the hours of working days (in portal local time)."""
    calendar = calendar or current_calendar()
    zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    moment, remaining = start.astimezone(zone), delta
    while remaining > dt.timedelta(0):
        next_midnight = dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(), zone)
        if calendar.day(moment.date()).kind in WORKING_KINDS:
            step = min(remaining, next_midnight - moment)
            moment, remaining = moment + step, remaining - step
        else:
            moment = next_midnight
    return moment.astimezone(dt.UTC)


def due_dates(category, priority, start):
    """Return (first_response_due, resolution_due) for a complaint received at `start`."""
    row = sla_for(category, priority)
    first_response = dt.timedelta(hours=row["first_response_hours"])
    first_due = (start + first_response if row.get("first_response_every_day")
                 else add_working_time(start, first_response))
    return first_due.astimezone(dt.UTC), add_working_time(start, dt.timedelta(days=row["resolution_days"]))


def working_time_between(start, end, calendar=None):
    """Return how much working time lies between `start` and `end`."""
    calendar = calendar or current_calendar()
    zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    moment, end, total = start.astimezone(zone), end.astimezone(zone), dt.timedelta(0)
    while moment < end:
        next_midnight = dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(), zone)
        step_end = min(end, next_midnight)
        if calendar.day(moment.date()).kind in WORKING_KINDS:
            total += step_end - moment
        moment = step_end
    return total


class WorkingClock:
    """Working seconds elapsed since a first day, for many timestamps at once (a running total per day).

    `between(a, b)` equals working_time_between(a, b) for moments within [first_day, last_day], at the cost
    of one lookup, so a rebuild of a million stored durations takes seconds, not hours.
    """

    def __init__(self, first_day, last_day, calendar=None):
        calendar = calendar or current_calendar()
        self.zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
        self.first_day, self.totals, self.working, total = first_day, [], [], 0.0
        day = first_day
        while day <= last_day:
            midnight = dt.datetime.combine(day, dt.time(), self.zone)
            length = (dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.zone) - midnight)
            works = calendar.day(day).kind in WORKING_KINDS
            self.totals.append(total)
            self.working.append(works)
            total += length.total_seconds() if works else 0
            day += dt.timedelta(days=1)

    def at(self, moment):
        """Working seconds from the first day's midnight to `moment` (an aware datetime)."""
        local = moment.astimezone(self.zone)
        index = (local.date() - self.first_day).days
        midnight = dt.datetime.combine(local.date(), dt.time(), self.zone)
        return self.totals[index] + ((local - midnight).total_seconds() if self.working[index] else 0)

    def between(self, start, end):
        """Working time from `start` to `end`, as a timedelta."""
        return dt.timedelta(seconds=max(0.0, self.at(end) - self.at(start)))
