"""The staff queue and the oversight figures: read-only queries over complaints."""
import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from app.complaints import reference as refs, sla
from app.complaints.casework import next_due, next_due_expression
from app.complaints.models import Complaint
from app.complaints.states import CLOSED_STATUSES, OPEN_STATUSES, Status
from app.extensions import db
from app.timeutil import aware, utcnow

VIEWS = ("open", "mine", "unassigned", "overdue", "awaiting", "closed")
AGE_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 30), (30, None))  # days, as on the public transparency page


@dataclass(frozen=True)
class QueueFilter:
    """What the agent asked the queue for; every field is optional."""

    view: str = "open"
    status: str | None = None
    category: str | None = None
    priority: str | None = None
    assignee_id: int | None = None  # one agent's queue, as supervisors look at it
    q: str = ""


def select_queue(chosen, staff, now=None):
    """Return the select statement for the queue: open cases by next deadline, waiting cases last."""
    query = _filtered(chosen, staff, now or utcnow(), chosen.view)
    if chosen.view == "closed":
        return query.order_by(Complaint.closed_at.desc(), Complaint.id.desc())
    waiting_last = sa.case((Complaint.status == Status.AWAITING_USER, 1), else_=0)
    return query.order_by(waiting_last, next_due_expression(), Complaint.id)


def view_counts(chosen, staff, now=None):
    """Count the cases behind each queue view, under the same category, priority and text filters."""
    now = now or utcnow()
    counts = {}
    for view in VIEWS:
        query = _filtered(chosen, staff, now, view).with_only_columns(sa.func.count()).order_by(None)
        counts[view] = db.session.scalar(query)
    return counts


def _filtered(chosen, staff, now, view):
    query = sa.select(Complaint)
    if view == "closed":
        query = query.where(Complaint.status.in_(CLOSED_STATUSES))
    else:
        query = query.where(Complaint.status.in_(OPEN_STATUSES))
    if view == "mine":
        query = query.where(Complaint.assignee_id == staff.id)
    elif view == "unassigned":
        query = query.where(Complaint.assignee_id.is_(None))
    elif view == "overdue":
        query = query.where(Complaint.status != Status.AWAITING_USER, next_due_expression() < now)
    elif view == "awaiting":
        query = query.where(Complaint.status == Status.AWAITING_USER)
    for column, value in ((Complaint.status, chosen.status), (Complaint.category, chosen.category),
                          (Complaint.priority, chosen.priority), (Complaint.assignee_id, chosen.assignee_id)):
        if value:
            query = query.where(column == value)
    return _text_search(query, chosen.q.strip())


def _text_search(query, text):
    if not text:
        return query
    try:
        return query.where(Complaint.reference == refs.normalize_reference(text))
    except refs.InvalidReference:
        pass
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")[:100] + "%"
    return query.where(sa.or_(Complaint.order_number.ilike(pattern, escape="\\"),
                              Complaint.description.ilike(pattern, escape="\\")))


@dataclass(frozen=True)
class Clock:
    """Time left to the next deadline (or past it), in working time and on the calendar."""

    due: dt.datetime | None
    overdue: bool
    paused: bool
    working: dt.timedelta | None
    calendar: dt.timedelta | None


def clock(complaint, now=None):
    """Return the SLA clock of a complaint as shown on the queue and the case page."""
    now = now or utcnow()
    if complaint.status in CLOSED_STATUSES:
        return Clock(None, False, False, None, None)
    due = aware(next_due(complaint))
    if complaint.status == Status.AWAITING_USER:
        return Clock(due, False, True, None, None)
    if due >= now:
        return Clock(due, False, False, sla.working_time_between(now, due), due - now)
    return Clock(due, True, False, sla.working_time_between(due, now), now - due)


def possible_duplicates(complaint, limit=5):
    """Other complaints with the same order number, or the one triage flagged."""
    conditions = [Complaint.id == complaint.duplicate_of_id] if complaint.duplicate_of_id else []
    if complaint.order_number:
        conditions.append(Complaint.order_number == complaint.order_number)
    if not conditions:
        return []
    return db.session.scalars(sa.select(Complaint).where(sa.or_(*conditions), Complaint.id != complaint.id)
                              .order_by(Complaint.created_at.desc()).limit(limit)).all()


# ------------------------------------------------------------------ oversight figures

def backlog_by_age(now=None):
    """Return {status: [count per age bucket]} for open complaints, by days since filing."""
    now = now or utcnow()
    table = {status: [0] * len(AGE_BUCKETS) for status in sorted(OPEN_STATUSES)}
    rows = db.session.execute(sa.select(Complaint.status, Complaint.created_at)
                              .where(Complaint.status.in_(OPEN_STATUSES)))
    for status, created_at in rows:
        days = (now - aware(created_at)).total_seconds() / 86400
        table[status][_bucket(days)] += 1
    return table


def _bucket(days):
    for index, (low, high) in enumerate(AGE_BUCKETS):
        if high is None or days < high:
            return index
    return len(AGE_BUCKETS) - 1


def overdue_count(now=None):
    """Count open cases past their next deadline (waiting for the user pauses the clock)."""
    now = now or utcnow()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
        Complaint.status.in_(OPEN_STATUSES), Complaint.status != Status.AWAITING_USER, next_due_expression() < now))


def new_since(since):
    """Count complaints filed since `since`."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(Complaint.created_at >= since))


def escalated_open():
    """Return open escalated cases, longest escalated first."""
    return db.session.scalars(sa.select(Complaint).where(Complaint.status.in_(OPEN_STATUSES),
                                                         Complaint.escalated_at.is_not(None))
                              .order_by(Complaint.escalated_at).limit(20)).all()


def agent_load(members, since):
    """Return [(member, open cases held, median hours from filing to closing for cases they closed since)]."""
    held = Counter(dict(db.session.execute(sa.select(Complaint.assignee_id, sa.func.count())
                                           .where(Complaint.status.in_(OPEN_STATUSES))
                                           .group_by(Complaint.assignee_id)).all()))
    durations = {}
    rows = db.session.execute(sa.select(Complaint.assignee_id, Complaint.created_at, Complaint.closed_at).where(
        Complaint.status.in_((Status.RESOLVED, Status.REJECTED)), Complaint.closed_at >= since))
    for assignee_id, created_at, closed_at in rows:
        durations.setdefault(assignee_id, []).append((aware(closed_at) - aware(created_at)).total_seconds() / 3600)
    return [(m, held.get(m.id, 0), round(statistics.median(durations[m.id]), 1) if m.id in durations else None)
            for m in members]


def unassigned_open():
    """Count open cases nobody holds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
        Complaint.status.in_(OPEN_STATUSES), Complaint.assignee_id.is_(None)))
