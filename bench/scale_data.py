"""Bulk complaints for the `scale` bench: a year of plausible history written straight into the tables.

Going through the services would take hours at a million complaints, so rows are generated here (seeded, so
every run and both engines get the same data) with the stored durations computed by the app's WorkingClock,
exactly as lifecycle.stamp_durations would have written them.
"""
import datetime as dt
import random
from collections import Counter
from types import SimpleNamespace

import sqlalchemy as sa

from app.complaints import tally
from app.complaints.casework import OUTCOMES
from app.complaints.categories import CATEGORIES
from app.complaints.models import Complaint
from app.complaints.sla import WorkingClock
from app.extensions import db

DAYS = 365
BATCH = 20_000
CLOSED = ("resolved", "resolved", "resolved", "rejected", "withdrawn", "merged")
OPEN = ("received", "in_review", "awaiting_user", "reopened")


def populate(count, seed=2026, now=None):
    """Insert `count` complaints filed over the last year, with their tally (in the app context)."""
    now = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    rng, clock = random.Random(seed), WorkingClock((now - dt.timedelta(days=DAYS + 2)).date(),
                                                   (now + dt.timedelta(days=60)).date())
    table, categories, zone, cells = Complaint.__table__, list(CATEGORIES), tally.portal_zone(), Counter()
    with db.engine.begin() as connection:
        # Building the indexes once after the load is many times faster than growing them row by row.
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA cache_size = -400000")
        for index in table.indexes:
            index.drop(connection)
        for start in range(0, count, BATCH):
            rows = [_row(start + i, count, rng, clock, now, categories) for i in range(min(BATCH, count - start))]
            for row in rows:
                row["tally_keys"] = tally.keys_for(SimpleNamespace(**row), zone)
                cells.update(tuple(key) for key in row["tally_keys"])
            connection.execute(table.insert(), rows)
        cells[(tally.ALL_TIME, tally.GENERATION, "")] += 1
        tally.add(connection, cells)
        for index in table.indexes:
            index.create(connection)
        connection.exec_driver_sql("ANALYZE")


def _row(index, count, rng, clock, now, categories):
    # Filed in order over the year, as a real table grows: a day's complaints sit together on disk.
    created = now - dt.timedelta(seconds=DAYS * 86400 * (1 - (index + rng.random()) / count))
    age_days = (now - created).total_seconds() / 86400
    status = rng.choice(OPEN) if rng.random() < min(0.9, 2 / (age_days + 1)) + 0.005 else rng.choice(CLOSED)
    first_due, resolution_due = created + dt.timedelta(hours=24), created + dt.timedelta(days=7)
    answered = created + dt.timedelta(hours=rng.expovariate(1 / 18))
    answered = answered if answered < now and (status != "received" and rng.random() < 0.97) else None
    closed = None
    if status in CLOSED:
        closed = min(now, (answered or created) + dt.timedelta(hours=rng.expovariate(1 / 90)))
    decided = closed if status in ("resolved", "rejected") else None
    rating = rng.choice((5, 5, 4, 4, 3, 2, 1)) if decided and rng.random() < 0.6 else None
    return {
        "reference": f"KM-BENCH-{index:09d}", "access_code_hash": "x", "category": rng.choice(categories),
        "description": "【演示数据】bench", "details": {}, "notify_via": "email", "language": "zh",
        "consent_publish": rng.random() < 0.5, "status": status, "priority": "normal", "triage_reasons": [],
        "completeness": 80, "is_demo": True, "created_at": created, "updated_at": closed or answered or created,
        "first_response_due": first_due, "resolution_due": resolution_due, "first_responded_at": answered,
        "closed_at": closed, "paused_at": created + dt.timedelta(hours=30) if status == "awaiting_user" else None,
        "rating": rating, "reopen_count": 1 if status == "reopened" else 0, "version": 1,
        "outcome": rng.choice(OUTCOMES) if status == "resolved" else None,
        "seller_id": f"shop{rng.randrange(400)}" if rng.random() < 0.3 else None,
        "intake_channel": "api" if rng.random() < 0.25 else "web",
        **_durations("first_response", created, answered, clock), **_durations("resolution", created, decided, clock),
    }


def _durations(name, start, end, clock):
    if end is None:
        return {f"{name}_seconds": None, f"{name}_working_seconds": None}
    return {f"{name}_seconds": int((end - start).total_seconds()),
            f"{name}_working_seconds": int(clock.between(start, end).total_seconds())}


def count():
    """How many complaints the database holds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint))
