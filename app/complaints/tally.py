"""The statistics tally: running counts per filing day, changed in the same flush as the complaint itself.

Every complaint knows the cells it is counted in (`tally_keys`); whenever the ORM writes a complaint, the
cells it left lose one and the cells it entered gain one. Deadlines and the reopening window depend on the
clock, so those cells carry the day the moment falls on: the statistics add up the days before today from
the tally and count today's slice live (see transparency.stats). `flask complaints rebuild-stats` recomputes it all.
"""
import bisect
import datetime as dt
import functools
from collections import Counter
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.complaints import lifecycle, sla
from app.complaints.models import Complaint, ComplaintTally
from app.complaints.states import Status
from app.timeutil import aware, utcnow

ENDED_BY_USER = (Status.WITHDRAWN, Status.MERGED)
ALL_TIME = ""  # the day of cells that are never filtered by period (the seller table)
GENERATION = "generation"  # an all-time cell bumped by every change: the statistics caches' fingerprint
SELLER_FAULT = "seller_penalised"
PENDING_DELTA = "complaint_tally_delta"  # a flush's cell changes, from before the flush to after it
# Stored durations are counted per band (upper edges in hours), so a percentile reads the band it falls in from
# the tally and then walks only that band of the duration's index, not half a million entries.
BAND_EDGES_HOURS = (1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 720)
DURATIONS = {"fr_calendar": "first_response_seconds", "fr_working": "first_response_working_seconds",
             "rs_calendar": "resolution_seconds", "rs_working": "resolution_working_seconds"}


def local_day(moment, zone):
    """The "YYYY-MM-DD" date of an aware moment in the portal's zone."""
    return aware(moment).astimezone(zone).date().isoformat()


def keys_for(complaint, zone):
    """The [day, name, value] cells this complaint is counted in, as of its current fields."""
    day = local_day(complaint.created_at, zone)
    cells = [("status", complaint.status), ("category", complaint.category), ("channel", complaint.intake_channel)]
    if complaint.status == Status.RESOLVED and complaint.outcome:
        cells.append(("outcome", complaint.outcome))
    if complaint.rating is not None:
        cells.append(("rating", str(complaint.rating)))
    if complaint.first_responded_at is not None:
        cells.append(("replied", ""))
    if complaint.status in lifecycle.DECIDED and complaint.closed_at is not None:
        cells.append(("decided", ""))
    if complaint.is_demo:
        cells.append(("demo", ""))
    if complaint.consent_publish and complaint.status in lifecycle.DECIDED:
        cells.append(("published", ""))  # so withdrawing consent also refreshes the page's outcome list
    cells += _deadline_cells(complaint, zone) + _confirmation_cells(complaint, zone) + _duration_cells(complaint)
    keys = [[day, name, value] for name, value in cells]
    return keys + _seller_keys(complaint)


def _deadline_cells(complaint, zone):
    """Each deadline as "day it falls on|met": it counts as due once that moment has passed."""
    cells = []
    answered = complaint.first_responded_at is not None
    if not (complaint.status in ENDED_BY_USER and not answered):
        met = answered and aware(complaint.first_responded_at) <= aware(complaint.first_response_due)
        cells.append(("fr_due", f"{local_day(complaint.first_response_due, zone)}|{int(bool(met))}"))
    paused_in_time = (complaint.status == Status.AWAITING_USER and complaint.paused_at is not None
                      and aware(complaint.paused_at) < aware(complaint.resolution_due))
    if complaint.status not in ENDED_BY_USER and not paused_in_time:
        met = (complaint.status in lifecycle.DECIDED and complaint.closed_at is not None
               and aware(complaint.closed_at) <= aware(complaint.resolution_due))
        cells.append(("rs_due", f"{local_day(complaint.resolution_due, zone)}|{int(bool(met))}"))
    return cells


def _confirmation_cells(complaint, zone):
    """Resolved and rated 4–5, or resolved, unrated and never reopened: confirmed once the window closes."""
    if complaint.status != Status.RESOLVED:
        return []
    if complaint.rating is not None and complaint.rating >= 4:
        return [("confirmed", "rated")]
    if complaint.rating is None and complaint.reopen_count == 0 and complaint.closed_at is not None:
        return [("confirmed_closed", local_day(complaint.closed_at, zone))]
    return []


def _duration_cells(complaint):
    return [(name, f"{band(seconds):02d}") for name, column in DURATIONS.items()
            if (seconds := getattr(complaint, column)) is not None]


def band(seconds):
    """The index of the duration band holding `seconds`."""
    return bisect.bisect_right(BAND_EDGES_HOURS, seconds / 3600)


def band_bounds(index):
    """(low, high) seconds of a band; high is None for the last, open-ended one."""
    low = BAND_EDGES_HOURS[index - 1] * 3600 if index else 0
    return low, BAND_EDGES_HOURS[index] * 3600 if index < len(BAND_EDGES_HOURS) else None


def _seller_keys(complaint):
    if not complaint.seller_id:
        return []
    keys = [[ALL_TIME, "seller", complaint.seller_id]]
    if complaint.outcome == SELLER_FAULT:
        keys.append([ALL_TIME, "seller_fault", complaint.seller_id])
    if complaint.status == Status.RESOLVED:
        keys.append([ALL_TIME, "seller_resolved", complaint.seller_id])
    return keys


def portal_zone():
    """The portal's time zone, in which days and months are counted."""
    return ZoneInfo(current_app.config["PORTAL_TIMEZONE"])


@event.listens_for(Session, "before_flush")
def _count_changes(session, flush_context, _instances):
    """Move every written complaint between its old and new cells, in the flush that writes it.

    The cells are worked out here, before the complaints are written (their `tally_keys` go with them), and added
    to the tally after (`_write_counts`): on PostgreSQL the day's shared cells then stay locked only from the
    end of the flush to the commit, not while the rows are inserted.
    """
    changed = [c for c in (*session.new, *session.dirty) if isinstance(c, Complaint)]
    gone = [c for c in session.deleted if isinstance(c, Complaint)]
    if not changed and not gone:
        return
    zone, delta = portal_zone(), Counter()
    for complaint in changed:
        _fill_defaults(complaint)
        lifecycle.stamp_durations(complaint)
        keys = keys_for(complaint, zone)
        if keys != complaint.tally_keys:
            delta.update(tuple(k) for k in keys)
            delta.subtract(tuple(k) for k in complaint.tally_keys or ())
            complaint.tally_keys = keys
    for complaint in gone:
        delta.subtract(tuple(k) for k in complaint.tally_keys or ())
    if any(delta.values()):
        delta[(ALL_TIME, GENERATION, "")] += 1
    flush_context.attributes[PENDING_DELTA] = delta


@event.listens_for(Session, "after_flush")
def _write_counts(session, flush_context):
    """Add the cells `_count_changes` worked out to the tally, in the same transaction (a failed flush adds none)."""
    delta = flush_context.attributes.pop(PENDING_DELTA, None)
    if delta:
        add(session.connection(), delta)


def _fill_defaults(complaint):
    """Column defaults apply only at INSERT, after this hook: set the ones the cells depend on now."""
    complaint.created_at = complaint.created_at or utcnow()
    complaint.status = complaint.status or Status.RECEIVED
    complaint.intake_channel = complaint.intake_channel or "web"
    complaint.reopen_count = complaint.reopen_count or 0


def add(connection, delta):
    """Add `delta` ({(day, name, value): n}) to the tally; sorted, so concurrent writers lock rows in one order."""
    rows = [{"day": d, "name": n, "value": v, "count": c} for (d, n, v), c in sorted(delta.items()) if c]
    if rows:
        connection.execute(_upsert(connection.dialect.name), rows)


@functools.cache
def _upsert(dialect_name):
    """INSERT … ON CONFLICT DO UPDATE adding to the count, built once per dialect."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = ComplaintTally.__table__
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(index_elements=["day", "name", "value"],
                                           set_={"count": table.c.count + statement.excluded.count})


def stale(session):
    """Tell whether some complaint was never counted (a database upgraded from before the tally existed)."""
    return session.scalar(sa.select(sa.exists().where(Complaint.tally_keys.is_(None))))


def rebuild(session, batch=5000):
    """Recompute every complaint's stored durations and cells, and the tally from them; return how many."""
    zone, total, last_id = portal_zone(), Counter(), 0
    clock = _clock(session)
    session.execute(sa.delete(ComplaintTally).where(ComplaintTally.name != GENERATION))
    while True:
        complaints = session.scalars(sa.select(Complaint).where(Complaint.id > last_id).order_by(Complaint.id)
                                     .limit(batch)).all()
        if not complaints:
            break
        for complaint in complaints:
            lifecycle.stamp_durations(complaint, clock.between)
            complaint.tally_keys = keys_for(complaint, zone)
            total.update(tuple(k) for k in complaint.tally_keys)
        last_id = complaints[-1].id
        _write_back(session, complaints)
    total[(ALL_TIME, GENERATION, "")] += 1
    add(session.connection(), total)
    session.commit()
    return sum(total[k] for k in total if k[1] == "status")


def _clock(session):
    """A WorkingClock spanning every stored moment, for fast working-time sums over many complaints."""
    first, last = session.execute(sa.select(sa.func.min(Complaint.created_at),
                                            sa.func.max(sa.func.coalesce(Complaint.closed_at, Complaint.created_at)))
                                  ).one()
    today = utcnow().date()
    first = aware(first).date() if first else today
    last = max(aware(last).date(), today) if last else today
    return sla.WorkingClock(first - dt.timedelta(days=1), last + dt.timedelta(days=2))


def _write_back(session, complaints):
    """Store the recomputed derived columns with one executemany, bypassing the tally hook and the version."""
    columns = ("first_response_seconds", "first_response_working_seconds", "resolution_seconds",
               "resolution_working_seconds", "tally_keys")
    table = Complaint.__table__
    session.connection().execute(
        table.update().where(table.c.id == sa.bindparam("cid")).values({c: sa.bindparam(c) for c in columns}),
        [{"cid": c.id, **{name: getattr(c, name) for name in columns}} for c in complaints])
    session.expunge_all()


def day_start(day, zone):
    """The aware UTC moment a "YYYY-MM-DD" local day starts."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), zone).astimezone(dt.UTC)
