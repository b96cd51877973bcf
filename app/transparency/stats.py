"""Aggregates for the public pages, computed in SQL. Only counts, durations and categories leave this module:
no free text, no contact details and no references, so nothing personal can be published by accident.

The definitions (docs/transparency.md) never flatter: a complaint still open past its deadline counts as late
from the moment it is late, and so does one answered after it.
"""
import dataclasses
import datetime as dt
import hashlib
import hmac
import time
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.complaints.models import Complaint, Deflection
from app.complaints.states import CLOSED_STATUSES, OPEN_STATUSES, Status
from app.extensions import db
from app.pagination import paginate
from app.timeutil import aware, utcnow
from app.transparency import privacy

PUBLISHED_OUTCOMES = (Status.RESOLVED, Status.REJECTED)
# Closed by the user (or merged) before anyone had to answer: no deadline was missed or met.
ENDED_BY_USER = (Status.WITHDRAWN, Status.MERGED)
AGE_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 30), (30, None))  # days since filing, as on the staff dashboard
SUMMARY_CACHE_SECONDS = 60


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
    median_first_response_hours: float | None = None
    p90_first_response_hours: float | None = None
    median_days_to_close: float | None = None
    p90_days_to_close: float | None = None
    average_rating: float | None = None
    ratings: int = 0
    satisfaction: dict = field(default_factory=dict)  # score 1–5 -> count
    by_category: Counter = field(default_factory=Counter)
    by_outcome: Counter = field(default_factory=Counter)
    has_demo_data: bool = False


def summary(since=None, until=None, now=None):
    """Summarise complaints filed in [since, until) (all time when both are None), as of `now`."""
    now = now or utcnow()
    period = _period(since, until)
    statuses = dict(db.session.execute(sa.select(Complaint.status, sa.func.count()).where(*period)
                                       .group_by(Complaint.status)).all())
    result = Summary(
        received=sum(statuses.values()), resolved=statuses.get(Status.RESOLVED, 0),
        rejected=statuses.get(Status.REJECTED, 0), withdrawn=statuses.get(Status.WITHDRAWN, 0),
        merged=statuses.get(Status.MERGED, 0), open=sum(n for s, n in statuses.items() if s in OPEN_STATUSES),
        closed=sum(n for s, n in statuses.items() if s in CLOSED_STATUSES),
        replied=_count(*period, Complaint.first_responded_at.is_not(None)),
        confirmed_resolved=_confirmed_resolved(period, now), deflected=_deflections(since, until),
        by_category=_grouped(Complaint.category, period), has_demo_data=_count(*period, Complaint.is_demo) > 0,
        by_outcome=_grouped(Complaint.outcome, [*period, Complaint.status == Status.RESOLVED]))
    _deadlines(result, period, now)
    _timings(result, period)
    _satisfaction(result, period)
    return result


def _period(since, until):
    conditions = []
    if since is not None:
        conditions.append(Complaint.created_at >= since)
    if until is not None:
        conditions.append(Complaint.created_at < until)
    return conditions


def _count(*conditions):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(*conditions))


def _grouped(column, conditions):
    rows = db.session.execute(sa.select(column, sa.func.count()).where(*conditions, column.is_not(None))
                              .group_by(column)).all()
    return Counter(dict(rows))


def _confirmed_resolved(period, now):
    """Resolved and confirmed: rated 4 or 5, or not reopened once the reopening window closed."""
    window_closed = now - dt.timedelta(days=current_app.config["COMPLAINT_REOPEN_WINDOW_DAYS"])
    return _count(*period, Complaint.status == Status.RESOLVED,
                  sa.or_(Complaint.rating >= 4, sa.and_(Complaint.reopen_count == 0, Complaint.rating.is_(None),
                                                        Complaint.closed_at <= window_closed)))


def _deadlines(result, period, now):
    """On time = met ÷ every complaint whose deadline has passed, answered or not."""
    counted = sa.not_(sa.and_(Complaint.status.in_(ENDED_BY_USER), Complaint.first_responded_at.is_(None)))
    due = [*period, counted, Complaint.first_response_due <= now]
    met = Complaint.first_responded_at <= Complaint.first_response_due
    result.first_response_due, on_time = _due_and_met(due, met)
    result.first_response_late = result.first_response_due - on_time
    result.first_response_on_time = _share(on_time, result.first_response_due)
    # A case waiting for the user since before its deadline has its clock paused, so it is not late (yet).
    paused_in_time = sa.and_(Complaint.status == Status.AWAITING_USER, Complaint.paused_at < Complaint.resolution_due)
    due = [*period, Complaint.status.not_in(ENDED_BY_USER), Complaint.resolution_due <= now, sa.not_(paused_in_time)]
    met = sa.and_(Complaint.status.in_(PUBLISHED_OUTCOMES), Complaint.closed_at <= Complaint.resolution_due)
    result.resolution_due, on_time = _due_and_met(due, met)
    result.resolution_late = result.resolution_due - on_time
    result.resolved_on_time = _share(on_time, result.resolution_due)


def _due_and_met(due, met):
    row = db.session.execute(sa.select(sa.func.count(), sa.func.count(sa.case((met, 1)))).where(*due)).one()
    return row[0], row[1]


def _share(part, whole):
    return round(100 * part / whole, 1) if whole else None


def _timings(result, period):
    first = _hours(Complaint.created_at, Complaint.first_responded_at)
    answered = [*period, Complaint.first_responded_at.is_not(None)]
    result.median_first_response_hours = _percentile(first, answered, 0.5)
    result.p90_first_response_hours = _percentile(first, answered, 0.9)
    close = _hours(Complaint.created_at, Complaint.closed_at) / 24
    decided = [*period, Complaint.status.in_(PUBLISHED_OUTCOMES), Complaint.closed_at.is_not(None)]
    result.median_days_to_close = _percentile(close, decided, 0.5)
    result.p90_days_to_close = _percentile(close, decided, 0.9)


def _hours(start, end):
    """Calendar hours between two timestamp columns, in this database's dialect."""
    if db.engine.dialect.name == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 24
    return sa.extract("epoch", end - start) / 3600


def _percentile(expression, conditions, fraction):
    """The nearest-rank percentile of `expression` over the rows, with two small queries on any engine."""
    total = _count(*conditions)
    if not total:
        return None
    rank = max(0, -(-int(total * fraction * 1000) // 1000) - 1)  # ceil(total × fraction) − 1, without float drift
    value = db.session.scalar(sa.select(expression).where(*conditions).order_by(expression).offset(rank).limit(1))
    return round(float(value), 1)


def _satisfaction(result, period):
    rows = dict(db.session.execute(sa.select(Complaint.rating, sa.func.count())
                                   .where(*period, Complaint.rating.is_not(None)).group_by(Complaint.rating)).all())
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

    One grouped query: months are calendar months in the portal's time zone.
    """
    now = now or utcnow()
    ranges = _month_ranges(months, now)
    month = _local_month(Complaint.created_at, now)
    counted = sa.not_(sa.and_(Complaint.status.in_(ENDED_BY_USER), Complaint.first_responded_at.is_(None)))
    due = sa.and_(counted, Complaint.first_response_due <= now)
    met = sa.and_(due, Complaint.first_responded_at <= Complaint.first_response_due)
    rows = db.session.execute(
        sa.select(month, sa.func.count(), sa.func.count(sa.case((Complaint.status == Status.RESOLVED, 1))),
                  sa.func.count(sa.case((due, 1))), sa.func.count(sa.case((met, 1))))
        .where(Complaint.created_at >= ranges[0][1], Complaint.created_at < ranges[-1][2]).group_by(month)).all()
    found = {label: (received, resolved, _share(on_time, due_count))
             for label, received, resolved, due_count, on_time in rows}
    return [{"month": label, "received": found.get(label, (0,))[0], "resolved": found.get(label, (0, 0))[1],
             "first_response_on_time": found.get(label, (0, 0, None))[2]} for label, _, _ in ranges]


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
    at_fault = sa.func.count(sa.case((Complaint.outcome == "seller_penalised", 1)))
    resolved = sa.func.count(sa.case((Complaint.status == Status.RESOLVED, 1)))
    rows = db.session.execute(
        sa.select(Complaint.seller_id, at_fault, sa.func.count(), resolved)
        .where(Complaint.seller_id.is_not(None)).group_by(Complaint.seller_id)
        .having(at_fault >= minimum).order_by(at_fault.desc(), Complaint.seller_id)).all()
    return [{"seller": seller, "at_fault": fault, "complaints": total, "resolved": done,
             "resolved_percent": _share(done, total)}
            for seller, fault, total, done in rows if not privacy.find(seller)]


# ------------------------------------------------------------------ caching

def cached_summary(days=None):
    """The summary of the last `days` days (all time when None), recomputed when any complaint changed."""
    return cached(("summary", days), lambda: summary(utcnow() - dt.timedelta(days=days) if days else None))


def cached(key, compute):
    """Return compute()'s value, computed again only when a complaint or deflection changed (or after a minute).

    The fingerprint (how many complaints, the latest change, deflections) is one cheap query, so a state
    change anywhere shows at once in every worker, and an unchanged database costs no recompute.
    """
    cache = current_app.extensions.setdefault("transparency_cache", {})
    fingerprint = _fingerprint()
    hit = cache.get(key)
    if hit is None or hit[1] != fingerprint or time.monotonic() - hit[0] > SUMMARY_CACHE_SECONDS:
        hit = cache[key] = (time.monotonic(), fingerprint, compute())
    return hit[2]


def _fingerprint():
    complaints = db.session.execute(sa.select(sa.func.count(), sa.func.max(Complaint.updated_at))).one()
    return tuple(complaints), db.session.scalar(sa.select(sa.func.count()).select_from(Deflection))


# ------------------------------------------------------------------ published outcomes

def published_outcomes(page, per_page=20, category=None, outcome=None):
    """Return one Page of public rows of decided complaints whose owners agreed to publication, newest first."""
    query = _published()
    if category:
        query = query.where(Complaint.category == category)
    if outcome:
        query = query.where(Complaint.status == outcome)
    complaints = paginate(query, page, per_page)
    return dataclasses.replace(complaints, items=[outcome_row(c) for c in complaints.items])


def _published():
    return (sa.select(Complaint)
            .where(Complaint.consent_publish.is_(True), Complaint.status.in_([s.value for s in PUBLISHED_OUTCOMES]))
            .order_by(Complaint.closed_at.desc(), Complaint.id.desc()))


def case_id(complaint_id):
    """The public case number: keyed and stable, never the internal sequence (which would reveal volumes)."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"case:{complaint_id}".encode(), hashlib.sha256)
    return "C" + digest.hexdigest()[:10].upper()


def outcome_row(complaint):
    """The allow-listed public record of one decided complaint."""
    return {"case": case_id(complaint.id), "category": complaint.category,
            "filed_month": aware(complaint.created_at).strftime("%Y-%m"), "outcome": complaint.status,
            "days_to_close": round((aware(complaint.closed_at) - aware(complaint.created_at)).total_seconds() / 86400, 1),
            "first_response_on_time": bool(complaint.first_responded_at and
                                           aware(complaint.first_responded_at) <= aware(complaint.first_response_due)),
            "rating": complaint.rating, "demo": complaint.is_demo}


def all_published_outcomes():
    """Every published outcome, for the CSV download."""
    return [outcome_row(c) for c in db.session.scalars(_published())]
