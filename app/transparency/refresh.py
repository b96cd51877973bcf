"""Cached statistics that no request waits for: shared, checked on every read, computed once at a time.

Entries live in `app.extensions.cache` (Redis when REDIS_URL is set, so every worker and machine agrees) with
the fingerprint they were computed at: the tally's generation, which every complaint change bumps in its own
transaction, and the number of deflections. A read whose fingerprint moved on, or whose entry is older than
TRANSPARENCY_MAX_AGE_SECONDS (deadlines pass without any write), is answered from the entry while a single
background thread recomputes it. Only a read that finds no entry at all computes, and then only one thread
(one process, through a lock in the cache) does; the others wait for its result.
"""
import threading
import time

import sqlalchemy as sa
from flask import current_app

from app.complaints import tally
from app.complaints.models import ComplaintTally, Deflection
from app.extensions import cache, db

LOCK_SECONDS = 120  # a computing process that died frees the lock after this
WAIT_SECONDS = 10  # how long a request waits for another process's first computation
_locks, _guard, _running, _local = {}, threading.Lock(), set(), threading.local()


def cached(key, compute):
    """Return compute()'s value for `key`, recomputing it as described above."""
    fingerprint, name = current_fingerprint(), f"transparency:{key}"
    entry = cache.get(name)
    if _fresh(entry, fingerprint):
        return entry[2]
    # Inside a computation (the page uses the payload) a stale part would be stored as fresh: compute it.
    serve_stale = current_app.config["TRANSPARENCY_BACKGROUND_REFRESH"] and not getattr(_local, "computing", False)
    if entry is not None and serve_stale:
        _refresh_in_background(name, compute)
        return entry[2]
    return _compute_once(name, compute, fingerprint)


def _fresh(entry, fingerprint):
    return (entry is not None and entry[1] == fingerprint
            and time.time() - entry[0] < current_app.config["TRANSPARENCY_MAX_AGE_SECONDS"])


def current_fingerprint():
    """(tally generation, deflections): one cheap query that changes whenever a published figure may."""
    generation = (sa.select(ComplaintTally.count)
                  .where(ComplaintTally.day == tally.ALL_TIME, ComplaintTally.name == tally.GENERATION)
                  .scalar_subquery())
    deflections = sa.select(sa.func.count()).select_from(Deflection).scalar_subquery()
    return tuple(db.session.execute(sa.select(generation, deflections)).one())


def _lock(name):
    with _guard:
        return _locks.setdefault(name, threading.Lock())


def _compute_once(name, compute, fingerprint):
    """Compute and store, unless another thread or process does it first; then use its result."""
    with _lock(name):
        entry = cache.get(name)
        if _fresh(entry, fingerprint):
            return entry[2]
        if not cache.add(f"{name}:lock", 1, timeout=LOCK_SECONDS):
            found = _wait_for(name, fingerprint)
            if found is not None:
                return found[2]
        try:
            return _store(name, compute)
        finally:
            cache.delete(f"{name}:lock")


def _store(name, compute):
    fingerprint = current_fingerprint()  # read first: a change during the computation marks it stale
    outer, _local.computing = getattr(_local, "computing", False), True
    try:
        value = compute()
    finally:
        _local.computing = outer
    cache.set(name, (time.time(), fingerprint, value), timeout=0)
    return value


def _wait_for(name, fingerprint):
    """Another process is computing `name`: poll for its entry (briefly), else compute here after all."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        entry = cache.get(name)
        if _fresh(entry, fingerprint):
            return entry
        time.sleep(0.05)
    return None


def _refresh_in_background(name, compute):
    """Start one thread (per process, and one process through the cache lock) to recompute `name`."""
    lock = _lock(name)
    if not lock.acquire(blocking=False):
        return
    app = current_app._get_current_object()

    def run():
        try:
            # As a GET does: on SQLite a read begins deferred on a WAL snapshot and never holds writers up.
            with app.test_request_context(method="GET"):
                if cache.add(f"{name}:lock", 1, timeout=LOCK_SECONDS):
                    try:
                        _store(name, compute)
                    finally:
                        cache.delete(f"{name}:lock")
        except Exception:  # a failed refresh keeps serving the previous figures; the next read retries
            app.logger.exception("statistics refresh failed")
        finally:
            with _guard:
                _running.discard(thread)
            lock.release()

    thread = threading.Thread(target=run, name=f"refresh {name}", daemon=True)
    with _guard:
        _running.add(thread)
    thread.start()


def wait_for_refreshes(timeout=30):
    """Join the background refreshes running in this process (for shutdown and tests)."""
    with _guard:
        threads = list(_running)
    for thread in threads:
        thread.join(timeout)
