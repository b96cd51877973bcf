"""Aggregates for the public pages, computed in SQL. Only counts, durations and categories leave this module:
no free text, no contact details and no references, so nothing personal can be published by accident.

The definitions (docs/transparency.md) never flatter: a complaint still open past its deadline counts as late
from the moment it is late, and so does one answered after it.
"""
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, g

from app.complaints import tally
from app.complaints.models import Complaint, ComplaintTally, Deflection
from app.complaints.states import CLOSED_STATUSES, OPEN_STATUSES, Status
from app.extensions import db
from app.timeutil import utcnow
from app.transparency import privacy, refresh

PUBLISHED_OUTCOMES = (Status.RESOLVED, Status.REJECTED)
# Closed by the user (or merged) before anyone had to answer: no deadline was missed or met.
ENDED_BY_USER = (Status.WITHDRAWN, Status.MERGED)
AGE_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 30), (30, None))  # days since filing, as on the staff dashboard


@dataclass
class Summary:
    received: int = 0
    replied: int = 0
    open: int = 0
    closed: int = 0
    resolved: int = 0
    confirmed_resolved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    merged: int = 0
    deflected: int = 0
    first_response_due: int = 0  # complaints whose first-response deadline has passed
    first_response_late: int = 0
    first_response_on_time: float | None = None
    resolution_due: int = 0
    resolution_late: int = 0
    resolved_on_time: float | None = None
    # {"first_response" | "resolution": {"calendar" | "working": {"median_hours", "p90_hours"}}}
    timings: dict = field(default_factory=dict)
    average_rating: float | None = None
    ratings: int = 0
    satisfaction: dict = field(default_factory=dict)  # score 1–5 -> count
    by_category: Counter = field(default_factory=Counter)
    by_outcome: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)
    has_demo_data: bool = False


def summary(since=None, until=None, now=None, timings=True):
    """Summarise complaints filed in [since, until) (local midnights; all time when None), as of `now`.

    Counts come from the tally (a few rows per day), plus a live count of today's slice of each deadline.
    """
    now = now or utcnow()
    period, cells = _period(since, until), _cells(since, until)
    statuses = _named(cells, "status")
    result = Summary(
        received=sum(statuses.values()), resolved=statuses[Status.RESOLVED], rejected=statuses[Status.REJECTED],
        withdrawn=statuses[Status.WITHDRAWN], merged=statuses[Status.MERGED],
        open=sum(n for s, n in statuses.items() if s in OPEN_STATUSES),
        closed=sum(n for s, n in statuses.items() if s in CLOSED_STATUSES), replied=cells[("replied", "")],
        confirmed_resolved=_confirmed_resolved(cells, period, now), deflected=_deflections(since, until),
        by_category=_named(cells, "category"), by_outcome=_named(cells, "outcome"),
        by_channel=_named(cells, "channel"), has_demo_data=cells[("demo", "")] > 0)
    _deadlines(result, cells, period, now)
    if timings:
        result.timings = _timings(cells, period)
    _satisfaction(result, cells)
    return result


def _period(since, until):
    conditions = []
    if since is not None:
        conditions.append(Complaint.created_at >= since)
    if until is not None:
        conditions.append(Complaint.created_at < until)
    return conditions


def _cells(since, until):
    """{(name, value): count} over the filing days of the period (summed once per tally generation and app
    context: the page asks for the all-time cells twice)."""
    memo, key = g.setdefault("transparency_cells", {}), (since, until, refresh.current_fingerprint())
    if key not in memo:
        memo[key] = _sum_cells(since, until)
    return memo[key]


def _sum_cells(since, until):
    zone = tally.portal_zone()
    query = (sa.select(ComplaintTally.name, ComplaintTally.value, sa.func.sum(ComplaintTally.count))
             .where(ComplaintTally.day != tally.ALL_TIME).group_by(ComplaintTally.name, ComplaintTally.value))
    if since is not None:
        query = query.where(ComplaintTally.day >= tally.local_day(since, zone))
    if until is not None:
        query = query.where(ComplaintTally.day < tally.local_day(until, zone))
    return Counter({(name, value): int(n) for name, value, n in db.session.execute(query)})


def _named(cells, name):
    return Counter({value: n for (cell, value), n in cells.items() if cell == name and n})


def _count(*conditions):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(*conditions))


def _passed(cells, name, cutoff):
    """(count, met) of cells "day|met" whose day is before the cutoff's local day."""
    today = tally.local_day(cutoff, tally.portal_zone())
    total = met = 0
    for (cell, value), n in cells.items():
        if cell == name and value[:10] < today:
            total += n
            met += n if value.endswith("|1") else 0
    return total, met


def _today(cutoff):
    """The UTC start of the cutoff's local day: moments from there to the cutoff are counted live."""
    zone = tally.portal_zone()
    return tally.day_start(tally.local_day(cutoff, zone), zone)


def _confirmed_resolved(cells, period, now):
    """Resolved and confirmed: rated 4 or 5, or not reopened once the reopening window closed."""
    window_closed = now - dt.timedelta(days=current_app.config["COMPLAINT_REOPEN_WINDOW_DAYS"])
    today = tally.local_day(window_closed, tally.portal_zone())
    earlier = sum(n for (cell, day), n in cells.items() if cell == "confirmed_closed" and day < today)
    live = _count(*period, Complaint.status == Status.RESOLVED, Complaint.rating.is_(None),
                  Complaint.reopen_count == 0, Complaint.closed_at >= _today(window_closed),
                  Complaint.closed_at <= window_closed)
    return cells[("confirmed", "rated")] + earlier + live


def _deadlines(result, cells, period, now):
    """On time = met ÷ every complaint whose deadline has passed, answered or not."""
    counted = sa.not_(sa.and_(Complaint.status.in_(ENDED_BY_USER), Complaint.first_responded_at.is_(None)))
    due = [*period, counted, Complaint.first_response_due >= _today(now), Complaint.first_response_due <= now]
    met = Complaint.first_responded_at <= Complaint.first_response_due
    result.first_response_due, on_time = map(sum, zip(_passed(cells, "fr_due", now), _due_and_met(due, met)))
    result.first_response_late = result.first_response_due - on_time
    result.first_response_on_time = _share(on_time, result.first_response_due)
    # A case waiting for the user since before its deadline has its clock paused, so it is not late (yet).
    paused_in_time = sa.and_(Complaint.status == Status.AWAITING_USER, Complaint.paused_at < Complaint.resolution_due)
    due = [*period, Complaint.status.not_in(ENDED_BY_USER), Complaint.resolution_due >= _today(now),
           Complaint.resolution_due <= now, sa.not_(paused_in_time)]
    met = sa.and_(Complaint.status.in_(PUBLISHED_OUTCOMES), Complaint.closed_at <= Complaint.resolution_due)
    result.resolution_due, on_time = map(sum, zip(_passed(cells, "rs_due", now), _due_and_met(due, met)))
    result.resolution_late = result.resolution_due - on_time
    result.resolved_on_time = _share(on_time, result.resolution_due)


def _due_and_met(due, met):
    row = db.session.execute(sa.select(sa.func.count(), sa.func.count(sa.case((met, 1)))).where(*due)).one()
    return row[0], row[1]


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else None


TIMED = {"first_response": {"calendar": "fr_calendar", "working": "fr_working"},
         "resolution": {"calendar": "rs_calendar", "working": "rs_working"}}


def _timings(cells, period):
    """Median and 90th percentile hours to first answer and to decision, on the calendar and in working time."""
    return {phase: {clock: {"median_hours": _percentile(name, cells, period, 0.5),
                            "p90_hours": _percentile(name, cells, period, 0.9)}
                    for clock, name in clocks.items()}
            for phase, clocks in TIMED.items()}


def _percentile(name, cells, period, fraction):
    """The exact nearest-rank percentile of a stored duration, in hours.

    The tally's band counts say which band the rank falls in; one walk along that band of the duration's
    index finds the value.
    """
    bands = sorted((int(value), n) for (cell, value), n in cells.items() if cell == name and n)
    total = sum(n for _, n in bands)
    if not total:
        return None
    rank = max(0, -(-int(total * fraction * 1000) // 1000) - 1)  # ceil(total × fraction) − 1, without float drift
    for index, n in bands:
        if rank < n:
            break
        rank -= n
    column = getattr(Complaint, tally.DURATIONS[name])
    low, high = tally.band_bounds(index)
    within = [column >= low] + ([column < high] if high is not None else [])
    value = db.session.scalar(sa.select(column).where(*period, *within).order_by(column).offset(rank).limit(1))
    return None if value is None else round(value / 3600, 1)


def _satisfaction(result, cells):
    rows = {int(score): n for score, n in _named(cells, "rating").items()}
    result.satisfaction = {score: rows.get(score, 0) for score in range(1, 6)}
    result.ratings = sum(rows.values())
    if result.ratings:
        result.average_rating = round(sum(s * n for s, n in rows.items()) / result.ratings, 2)


def _deflections(since, until):
    query = sa.select(sa.func.count()).select_from(Deflection)
    if since is not None:
        query = query.where(Deflection.at >= since)
    if until is not None:
        query = query.where(Deflection.at < until)
    return db.session.scalar(query)


# ------------------------------------------------------------------ now: backlog and what is late

def backlog_by_age(now=None):
    """Open complaints by days since filing, [0–1, 1–3, 3–7, 7–30, >30]."""
    now = now or utcnow()
    counts = []
    for low, high in AGE_BUCKETS:
        conditions = [Complaint.status.in_(OPEN_STATUSES), Complaint.created_at <= now - dt.timedelta(days=low)]
        if high is not None:
            conditions.append(Complaint.created_at > now - dt.timedelta(days=high))
        counts.append(_count(*conditions))
    return counts


def overdue_now(now=None):
    """Open complaints past their next deadline right now (the clock is paused while waiting for the user)."""
    now = now or utcnow()
    next_due = sa.case((Complaint.first_responded_at.is_(None), Complaint.first_response_due),
                       else_=Complaint.resolution_due)
    return _count(Complaint.status.in_(OPEN_STATUSES), Complaint.status != Status.AWAITING_USER, next_due < now)


def monthly(months=12, now=None):
    """[{month, received, resolved, first_response_on_time}] for the last `months` calendar months, oldest first.

    Months are calendar months in the portal's time zone: the tally's filing days, grouped by their month,
    with today's slice of first-response deadlines counted live.
    """
    now = now or utcnow()
    ranges = _month_ranges(months, now)
    zone, today = tally.portal_zone(), _today(now)
    month = sa.func.substr(ComplaintTally.day, 1, 7)
    rows = db.session.execute(
        sa.select(month, ComplaintTally.name, ComplaintTally.value, sa.func.sum(ComplaintTally.count))
        .where(ComplaintTally.day >= tally.local_day(ranges[0][1], zone),
               ComplaintTally.day < tally.local_day(ranges[-1][2], zone), ComplaintTally.name.in_(("status", "fr_due")))
        .group_by(month, ComplaintTally.name, ComplaintTally.value)).all()
    found, today_day = {label: Counter() for label, _, _ in ranges}, tally.local_day(now, zone)
    for label, name, value, n in rows:
        cells = found.setdefault(label, Counter())
        if name == "status":
            cells["received"] += int(n)
            cells["resolved"] += int(n) if value == Status.RESOLVED else 0
        elif value[:10] < today_day:  # a first-response deadline on a day before today has passed
            cells["due"] += int(n)
            cells["met"] += int(n) if value.endswith("|1") else 0
    _monthly_today(found, today, now)
    return [{"month": label, "received": found[label]["received"], "resolved": found[label]["resolved"],
             "first_response_on_time": _share(found[label]["met"], found[label]["due"])} for label, _, _ in ranges]


def _monthly_today(found, today, now):
    """Add the first-response deadlines falling between today's local midnight and `now`, by filing month."""
    month = _local_month(Complaint.created_at, now)
    counted = sa.not_(sa.and_(Complaint.status.in_(ENDED_BY_USER), Complaint.first_responded_at.is_(None)))
    met = Complaint.first_responded_at <= Complaint.first_response_due
    rows = db.session.execute(
        sa.select(month, sa.func.count(), sa.func.count(sa.case((met, 1))))
        .where(counted, Complaint.first_response_due >= today, Complaint.first_response_due <= now)
        .group_by(month)).all()  # no filing-time bound: it would lead the planner to walk a year of filings
    for label, due, on_time in rows:
        if label in found:
            found[label]["due"] += due
            found[label]["met"] += on_time


def _local_month(column, now):
    """SQL for "YYYY-MM" of a timestamp in the portal's zone (its offset now: zones here have no summer time)."""
    zone = current_app.config["PORTAL_TIMEZONE"]
    if db.engine.dialect.name == "sqlite":
        hours = int(now.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 3600)
        return sa.func.strftime("%Y-%m", column, f"{hours:+d} hours")
    return sa.func.to_char(sa.func.timezone(zone, column), "YYYY-MM")


def _month_ranges(months, now):
    """[(label "YYYY-MM", start, end)] of calendar months in the portal's time zone, with aware UTC bounds."""
    zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
    local = now.astimezone(zone)
    year, month = local.year, local.month
    starts = []
    for _ in range(months):
        starts.append(dt.datetime(year, month, 1, tzinfo=zone))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    ends = [*starts[1:], _next_month(starts[-1])]
    return [(s.strftime("%Y-%m"), s.astimezone(dt.UTC), e.astimezone(dt.UTC)) for s, e in zip(starts, ends)]


def _next_month(start):
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])", re.ASCII)  # \d alone also matches ٢٠٢٦ and ２０２６
FIRST_YEAR, LAST_YEAR = 2000, 2100


def is_month(text):
    """Tell whether `text` is a month the public figures and filters accept: "YYYY-MM", 2000 to 2100."""
    match = MONTH.fullmatch(text or "")
    return bool(match) and FIRST_YEAR <= int(match[1]) <= LAST_YEAR


def month_bounds(text, end=False):
    """The UTC start of a "YYYY-MM" month in the portal's zone (the start of the next month when `end`)."""
    year, month = (int(part) for part in text.split("-"))
    start = dt.datetime(year, month, 1, tzinfo=ZoneInfo(current_app.config["PORTAL_TIMEZONE"]))
    return (_next_month(start) if end else start).astimezone(dt.UTC)


# ------------------------------------------------------------------ sellers

SELLER_MINIMUM = 5


def seller_accountability(minimum=SELLER_MINIMUM):
    """Sellers that staff found at fault (outcome seller_penalised) in at least `minimum` complaints:
    [{seller, at_fault, complaints, resolved, resolved_percent}], most at-fault complaints first.

    A seller id the user typed is published only when the scrubber finds no personal data in it.
    """
    rows = db.session.execute(sa.select(ComplaintTally.name, ComplaintTally.value, ComplaintTally.count).where(
        ComplaintTally.day == tally.ALL_TIME, ComplaintTally.name.in_(("seller", "seller_fault", "seller_resolved"))))
    sellers = {}
    for name, seller, n in rows:
        sellers.setdefault(seller, Counter())[name] += int(n)
    ranked = sorted(((-c["seller_fault"], seller, c) for seller, c in sellers.items() if c["seller_fault"] >= minimum))
    return [{"seller": seller, "at_fault": c["seller_fault"], "complaints": c["seller"],
             "resolved": c["seller_resolved"], "resolved_percent": _share(c["seller_resolved"], c["seller"])}
            for _, seller, c in ranked if not privacy.find(seller)]


# ------------------------------------------------------------------ caching

def cached_summary(days=None):
    """The summary (counts only) of complaints filed since local midnight `days` days ago, or of all time."""
    return refresh.cached(f"summary:{days}", lambda: summary(days_ago(days), timings=False))


def days_ago(days, now=None):
    """The UTC moment of local midnight `days` days before today (None for None): periods are whole days."""
    if not days:
        return None
    zone = tally.portal_zone()
    today = (now or utcnow()).astimezone(zone).date()
    return tally.day_start((today - dt.timedelta(days=days)).isoformat(), zone)
