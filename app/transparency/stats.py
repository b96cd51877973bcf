"""Aggregates for the public pages. Only counts, durations and categories leave this module: no free text,
no contact details and no references, so nothing personal can be published by accident."""
import dataclasses
import datetime as dt
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from app.complaints.models import Complaint, Deflection
from app.complaints.states import CLOSED_STATUSES, Status
from app.extensions import db
from app.pagination import paginate
from app.timeutil import aware, utcnow

PUBLISHED_OUTCOMES = (Status.RESOLVED, Status.REJECTED)
SUMMARY_CACHE_SECONDS = 60


@dataclass
class Summary:
    received: int = 0
    open: int = 0
    closed: int = 0
    resolved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    deflected: int = 0
    first_response_on_time: float | None = None
    resolved_on_time: float | None = None
    median_first_response_hours: float | None = None
    median_days_to_close: float | None = None
    average_rating: float | None = None
    ratings: int = 0
    by_category: Counter = field(default_factory=Counter)
    has_demo_data: bool = False


def _share(flags):
    flags = list(flags)
    return round(100 * sum(flags) / len(flags), 1) if flags else None


def _median(values):
    values = list(values)
    return round(statistics.median(values), 1) if values else None


def summary(since=None):
    """Summarise complaints filed since `since` (all time when None)."""
    query = sa.select(Complaint)
    if since is not None:
        query = query.where(Complaint.created_at >= since)
    complaints = db.session.scalars(query).all()
    statuses = Counter(c.status for c in complaints)
    responded = [c for c in complaints if c.first_responded_at]
    decided = [c for c in complaints if c.status in PUBLISHED_OUTCOMES and c.closed_at]
    rated = [c.rating for c in complaints if c.rating]
    return Summary(
        received=len(complaints), open=sum(n for s, n in statuses.items() if s not in CLOSED_STATUSES),
        closed=sum(n for s, n in statuses.items() if s in CLOSED_STATUSES), resolved=statuses[Status.RESOLVED],
        rejected=statuses[Status.REJECTED], withdrawn=statuses[Status.WITHDRAWN], deflected=_deflections(since),
        first_response_on_time=_share(aware(c.first_responded_at) <= aware(c.first_response_due) for c in responded),
        resolved_on_time=_share(aware(c.closed_at) <= aware(c.resolution_due) for c in decided),
        median_first_response_hours=_median(_hours(c.created_at, c.first_responded_at) for c in responded),
        median_days_to_close=_median(_hours(c.created_at, c.closed_at) / 24 for c in decided),
        average_rating=round(statistics.mean(rated), 2) if rated else None, ratings=len(rated),
        by_category=Counter(c.category for c in complaints), has_demo_data=any(c.is_demo for c in complaints))


def cached_summary(days=None):
    """The summary of the last `days` days (all time when None), recomputed at most once a minute per process.

    The home page and the public pages show it on every view; it reads every complaint of the period.
    """
    cache = current_app.extensions.setdefault("transparency_summaries", {})
    hit = cache.get(days)
    if hit is None or time.monotonic() - hit[0] > SUMMARY_CACHE_SECONDS:
        since = utcnow() - dt.timedelta(days=days) if days else None
        hit = cache[days] = (time.monotonic(), summary(since))
    return hit[1]


def _hours(start, end):
    return (aware(end) - aware(start)).total_seconds() / 3600


def _deflections(since):
    query = sa.select(sa.func.count()).select_from(Deflection)
    if since is not None:
        query = query.where(Deflection.at >= since)
    return db.session.scalar(query)


def published_outcomes(page, per_page=20):
    """Return one Page of public rows of decided complaints whose owners agreed to publication, newest first."""
    complaints = paginate(_published(), page, per_page)
    return dataclasses.replace(complaints, items=[outcome_row(c) for c in complaints.items])


def _published():
    return (sa.select(Complaint)
            .where(Complaint.consent_publish.is_(True), Complaint.status.in_([s.value for s in PUBLISHED_OUTCOMES]))
            .order_by(Complaint.closed_at.desc(), Complaint.id.desc()))


def outcome_row(complaint):
    """The allow-listed public record of one decided complaint."""
    return {"case": f"C{complaint.id:05d}", "category": complaint.category,
            "filed_month": aware(complaint.created_at).strftime("%Y-%m"), "outcome": complaint.status,
            "days_to_close": round(_hours(complaint.created_at, complaint.closed_at) / 24, 1),
            "first_response_on_time": bool(complaint.first_responded_at and
                                           aware(complaint.first_responded_at) <= aware(complaint.first_response_due)),
            "rating": complaint.rating, "demo": complaint.is_demo}


def all_published_outcomes():
    """Every published outcome, for the CSV download."""
    return [outcome_row(c) for c in db.session.scalars(_published())]
