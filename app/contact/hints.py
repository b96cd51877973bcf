"""Open now, opens at, next good time and the week grid of every channel, from schedules and estimates."""
import datetime as dt
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.contact import queueing
from app.contact.calendar import current_calendar, portal_now
from app.contact.channels import current_directory
from app.contact.demand import NEUTRAL, baseline_by_slot, blend, observed_by_slot
from app.i18n import current_language, join_list

ANSWER_TARGET_SECONDS = 20
QUIET_MAX_WAIT_SECONDS = 30  # average wait up to this: 空闲 (quiet)
NORMAL_MAX_WAIT_SECONDS = 120  # up to this: 一般 (normal); longer: 繁忙 (busy)
DEMAND_CACHE_SECONDS = 300
SNAPSHOT_MAX_ENTRIES = 512  # callers of the API asking for many different hours cannot grow it without bound
SEARCH_DAYS = 21  # how far ahead to look for an opening or a quiet hour (the Spring Festival closes 9 days)
LABELS = {"quiet": _l("空闲"), "normal": _l("一般"), "busy": _l("繁忙"), "very_busy": _l("非常繁忙")}
WEEKDAY_NAMES = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))
DAY_GROUPS = ((_l("工作日"), range(0, 5)), (_l("周末"), range(5, 7)))


@dataclass(frozen=True)
class Slot:
    """One hour of one channel: open or not, agents, expected contacts and the Erlang C estimate."""

    weekday: int
    hour: int
    open: bool
    agents: int | None = None
    contacts_per_hour: float | None = None
    wait_seconds: float | None = None
    answered_within_target: float | None = None
    label: str | None = None  # quiet | normal | busy | very_busy, for open slots of staffed channels
    enough_data: bool = False
    start: dt.datetime | None = None

    @property
    def wait_minutes(self):
        """Return the expected wait in minutes (one decimal), or None."""
        return None if self.wait_seconds is None else round(self.wait_seconds / 60, 1)

    @property
    def css_class(self):
        """Return the heatmap class for this slot."""
        return "slot-" + (self.label or "normal").replace("_", "-") if self.open else "slot-closed"


@dataclass(frozen=True)
class Status:
    """A channel at a moment: open now, when it opens or closes, the estimate now and the next quiet hour."""

    channel: object
    at: dt.datetime
    open_now: bool
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    now: Slot | None
    next_good_time: dt.datetime | None


def label_for(estimate):
    """Turn a queue estimate into quiet, normal, busy or very_busy."""
    if estimate.overloaded:
        return "very_busy"
    if estimate.average_wait_seconds <= QUIET_MAX_WAIT_SECONDS:
        return "quiet"
    return "normal" if estimate.average_wait_seconds <= NORMAL_MAX_WAIT_SECONDS else "busy"


class Snapshot:
    """Answers computed for one (directory, calendar, demand), kept until one of the three is replaced.

    Statuses, week grids and the rendered heatmap are a pure function of the channel, the hour, the holiday
    calendar and the demand blend, so every view within an hour shares them: a new hour is a new key, and a new
    demand blend (every few minutes) or an edited channels.yaml or holidays.yaml is a new snapshot.
    """

    def __init__(self, sources=()):
        self.sources = sources
        self._entries = {}

    def matches(self, sources):
        """Tell whether this snapshot was computed from exactly these objects."""
        return len(sources) == len(self.sources) and all(a is b for a, b in zip(sources, self.sources))

    def get(self, key, compute):
        """Return the value stored under `key`, computing and keeping it on first use."""
        value = self._entries.get(key)
        if value is None:
            if len(self._entries) >= SNAPSHOT_MAX_ENTRIES:
                self._entries.clear()
            value = self._entries[key] = compute()
        return value

    def fragment(self, *key, caller):
        """Render a template's {% call %} body once per snapshot, key and language (a heatmap, the status cards)."""
        return self.get(("fragment", current_language(), *key), lambda: Markup(caller()))


class Estimator:
    """Schedules, holidays and demand together: answers for any channel at any moment."""

    def __init__(self, directory, calendar, demand=NEUTRAL, snapshot=None):
        self.directory = directory
        self.calendar = calendar
        self.demand = demand
        self.snapshot = snapshot or Snapshot()

    def slot(self, channel, start):
        """Return the Slot of `channel` for the hour beginning at `start` (portal local time)."""
        schedule, profile = self._schedule(channel, start)
        return self._estimate(channel, schedule, profile, start.hour, start)

    def week(self, channel):
        """Return the 7×24 grid (Monday first) of a regular week without holidays (shared: do not modify)."""
        return self.snapshot.get(("week", channel.id), lambda: [
            [self._estimate(channel, channel.week[weekday], weekday, hour) for hour in range(24)]
            for weekday in range(7)])

    def status(self, channel, at, hints=True):
        """Return the Status of `channel` at `at`; hints=False skips the waiting-time estimates."""
        first = at.replace(minute=0, second=0, microsecond=0)
        found, current = self.snapshot.get(("status", channel.id, first.isoformat(), hints),
                                           lambda: self._search(channel, first, hints))
        good = at if found["good"] == first else found["good"]  # a quiet hour now is good from this minute
        want_good = hints and channel.staffed
        return Status(channel, at, current.open, found["opens"], found["closes"],
                      current if want_good else None, good)

    def _search(self, channel, first, hints):
        """Walk the hours from `first` for the next opening or closing and the next quiet hour."""
        found = {"opens": None, "closes": None, "good": None}
        want_good = hints and channel.staffed
        current = self.slot(channel, first) if want_good else self._open_only(channel, first)
        if want_good and _is_good(current):
            found["good"] = first
        for k in range(1, SEARCH_DAYS * 24):
            start = first + dt.timedelta(hours=k)
            slot = self.slot(channel, start) if want_good else self._open_only(channel, start)
            key = "closes" if current.open else "opens"
            if found[key] is None and slot.open != current.open:
                found[key] = start
            if want_good and found["good"] is None and _is_good(slot):
                found["good"] = start
            if found[key] is not None and (found["good"] is not None or not want_good):
                break
        return found, current

    def statuses(self, at, hints=True):
        """Return the Status of every channel at `at`."""
        return [self.status(channel, at, hints) for channel in self.directory.channels]

    def schedule_confirmed(self, at):
        """Tell whether the official holiday schedule is known from `at` through the search window."""
        return self.snapshot.get(("confirmed", at.date()), lambda: all(
            self.calendar.day(at.date() + dt.timedelta(days=d)).confirmed for d in range(SEARCH_DAYS)))

    def _open_only(self, channel, start):
        schedule, _profile = self._schedule(channel, start)
        return Slot(start.weekday(), start.hour, schedule.open[start.hour], start=start)

    def _schedule(self, channel, start):
        """Pick the day's schedule and the weekday whose demand profile applies （调休 days follow a workday）."""
        day = self.calendar.day(start.date())
        if day.is_holiday and channel.holiday is not None:
            return channel.holiday, start.weekday()
        weekday = channel.adjusted_workday_as if day.kind == "adjusted_workday" else start.weekday()
        return channel.week[weekday], weekday

    def _estimate(self, channel, schedule, profile, hour, start=None):
        weekday = start.weekday() if start else profile
        is_open = schedule.open[hour]
        if not channel.staffed or not is_open:
            return Slot(weekday, hour, is_open, agents=schedule.roster[hour] if channel.staffed else None,
                        start=start)
        contacts = schedule.demand[hour] * self.demand.multiplier(profile, hour)
        estimate = queueing.estimate(contacts, channel.handling_minutes * 60, schedule.roster[hour],
                                     ANSWER_TARGET_SECONDS)
        return Slot(weekday, hour, True, schedule.roster[hour], contacts, estimate.average_wait_seconds,
                    estimate.answered_within_target, label_for(estimate), self.demand.enough_data(profile, hour),
                    start)


def _is_good(slot):
    return slot.open and slot.label == "quiet"


def current_estimator(now, with_demand=True):
    """Build the Estimator for the current app; with_demand blends in the observed demand up to `now`."""
    directory, calendar = current_directory(), current_calendar()
    demand = _cached_demand(directory, now) if with_demand else NEUTRAL
    return Estimator(directory, calendar, demand, _snapshot((directory, calendar, demand)))


def _snapshot(sources):
    """Return this process's Snapshot for `sources`, replacing the old one when any of them changed."""
    snapshots = current_app.extensions.setdefault("contact_snapshots", {})
    key = sources[2] is NEUTRAL  # the home page (no demand) and the contact pages keep one snapshot each
    snapshot = snapshots.get(key)
    if snapshot is None or not snapshot.matches(sources):
        snapshot = snapshots[key] = Snapshot(sources)
    return snapshot


def _cached_demand(directory, now):
    """Blend baseline and observed demand, recomputed at most every few minutes per process.

    Observed demand reads weeks of complaints and visits; it moves slowly, so page views share one result.
    """
    cache = current_app.extensions.setdefault("contact_demand", {})
    key = (id(directory), now.replace(minute=0, second=0, microsecond=0))
    cached = cache.get(key)
    if cached is None or time.monotonic() - cached[0] > DEMAND_CACHE_SECONDS:
        weeks = current_app.config["CONTACT_DEMAND_WEEKS"]
        cache.clear()
        cached = cache[key] = (time.monotonic(), blend(baseline_by_slot(directory.channels),
                                                       observed_by_slot(now, weeks)))
    return cached[1]


def home_channel_statuses():
    """Return every channel's open/closed status now for the home page (no estimates, no DB query)."""
    now = portal_now(current_app.config["PORTAL_TIMEZONE"])
    return current_estimator(now, with_demand=False).statuses(now, hints=False)


def status_key(statuses):
    """Return what a list of open/closed statuses renders from: each channel's state and the day they are seen on."""
    return (statuses[0].at.date() if statuses else None,
            *((s.channel.id, s.open_now, s.opens_at, s.closes_at) for s in statuses))


def describe_moment(moment, now, end=False):
    """Say when `moment` is, relative to `now`: 现在， 今天 18:00, 明天 09:00 or 2月24日（周二）09:00.

    With end=True (a closing time) midnight is the end of the day before: 今天 24:00, not 明天 00:00.
    """
    if moment <= now:
        return _("现在")
    time = moment.strftime("%H:%M")
    if end and time == "00:00":
        moment, time = moment - dt.timedelta(minutes=1), "24:00"
    days = (moment.date() - now.date()).days
    if days == 0:
        return _("今天 %(time)s", time=time)
    if days == 1:
        return _("明天 %(time)s", time=time)
    return _("%(month)d月%(day)d日（%(weekday)s）%(time)s", month=moment.month, day=moment.day,
             weekday=WEEKDAY_NAMES[moment.weekday()], time=time)


def describe_wait(slot):
    """Say how long the expected wait of an open staffed slot is, in words."""
    if slot.label == "very_busy":
        return _("排队可能很长，无法估计")
    if slot.wait_seconds < 60:
        return _("不到 1 分钟")
    return _("约 %(minutes)d 分钟", minutes=round(slot.wait_seconds / 60))


def opening_hours(is_open):
    """Turn 24 open/closed flags into text such as "09:00–21:00", or 休息 when closed all day."""
    ranges = _hour_ranges(is_open)
    return join_list(ranges) if ranges else _("休息")


def best_times(week):
    """Return [(day group, hour ranges)]: the hours that are quiet on every working day, and on both weekend days."""
    found = []
    for group, days in DAY_GROUPS:
        quiet = [all(_is_good(week[day][hour]) for day in days) for hour in range(24)]
        if any(quiet):
            found.append((group, _hour_ranges(quiet)))
    return found


def describe_best_times(channel, week):
    """One plain line per channel, e.g. 最好打的时段：工作日 09:00–10:00、14:00–19:00；周末 09:00–19:00."""
    found = best_times(week)
    if not found:
        return _("常规一周里没有预计空闲的时段，什么时候联系都可能要排队。")
    times = ("; " if current_language() == "en" else "；").join(
        f"{group} {join_list(ranges)}" for group, ranges in found)
    if channel.kind == "phone":
        return _("最好打的时段：%(times)s", times=times)
    return _("最快有人接入的时段：%(times)s", times=times)


def _hour_ranges(flags):
    """Turn 24 hourly flags into ["09:00–12:00", "14:00–18:00"]."""
    ranges, start = [], None
    for hour, flag in enumerate((*flags, False)):
        if flag and start is None:
            start = hour
        elif not flag and start is not None:
            ranges.append(f"{start:02d}:00–{hour:02d}:00")
            start = None
    return ranges

