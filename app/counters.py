"""Batched counters: page views are counted in memory and written in one transaction now and then.

A database write on every page view would cost a large share of the request budget, so each
process accumulates increments and a background timer (or an explicit flush) adds them to the
`counter_bucket` table. A crash loses at most one interval of view counts, which is acceptable
for popularity and demand statistics.
"""
import atexit
import logging
import threading
from collections import Counter

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

logger = logging.getLogger("portal.counters")


class CounterBucket(db.Model):
    """A named count per bucket, e.g. ("article_view", "refund-policy") or ("contact_visit", "2026-11-23T14")."""

    __tablename__ = "counter_bucket"
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    bucket: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0, nullable=False)


class BatchedCounters:
    """Process-local increments flushed to CounterBucket every `interval` seconds."""

    def __init__(self, app, interval=30.0):
        self.interval = interval
        self._pending = Counter()
        self._lock = threading.Lock()
        self._timer = None
        self._registered_at_exit = False
        self._app = app

    def record(self, name, bucket, amount=1):
        """Count one event in memory; never touches the database."""
        with self._lock:
            self._pending[(name, bucket)] += amount
            if self._timer is None and not self._app.testing:
                if not self._registered_at_exit:  # once per process that counts anything, not per app built
                    atexit.register(self._flush_quietly)
                    self._registered_at_exit = True
                self._timer = threading.Timer(self.interval, self._flush_quietly)
                self._timer.daemon = True
                self._timer.start()

    def pending(self, name):
        """Return the not-yet-flushed counts for `name` as {bucket: count}."""
        with self._lock:
            return {bucket: n for (counter, bucket), n in self._pending.items() if counter == name}

    def flush(self):
        """Add pending counts to the database in one transaction (call inside an app context)."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._timer = None
        if not pending:
            return 0
        try:
            for (name, bucket), amount in sorted(pending.items()):
                _add(name, bucket, amount)
            db.session.commit()
        except Exception:
            db.session.rollback()
            with self._lock:
                self._pending.update(pending)
            raise
        return sum(pending.values())

    def _flush_quietly(self):
        try:
            with self._app.app_context():
                self.flush()
        except Exception:
            logger.exception("could not flush view counters; they stay pending")


def _add(name, bucket, amount):
    updated = db.session.execute(
        sa.update(CounterBucket).where(CounterBucket.name == name, CounterBucket.bucket == bucket)
        .values(count=CounterBucket.count + amount))
    if updated.rowcount == 0:
        db.session.add(CounterBucket(name=name, bucket=bucket, count=amount))
        db.session.flush()


def totals(name):
    """Return {bucket: count} for `name`, flushed and pending counts together."""
    rows = db.session.execute(sa.select(CounterBucket.bucket, CounterBucket.count).where(CounterBucket.name == name))
    result = Counter(dict(rows.all()))
    result.update(current_counters().pending(name))
    return dict(result)


def current_counters():
    """Return the current app's BatchedCounters."""
    return current_app.extensions["counters"]


def record(name, bucket, amount=1):
    """Count an event for the current app without a database write."""
    current_counters().record(name, bucket, amount)


def init_app(app):
    app.extensions["counters"] = BatchedCounters(app, interval=app.config["COUNTER_FLUSH_SECONDS"])
