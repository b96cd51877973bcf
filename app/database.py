"""Engine tuning: SQLite needs WAL, a busy timeout, deferred reads and BEGIN IMMEDIATE for writes."""
import functools

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from app.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# sqlite3 error names (Python 3.11+) of a deferred transaction that could not take the write lock.
BUSY_ERRORS = frozenset({"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT"})
WRITE_LOCK_FLAG = "database_write_lock"


def init_app(app):
    """Tune the app's engine and, on SQLite, retry a GET that had to write once with the write lock."""
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_SECONDS"])
        if db.engine.dialect.name == "sqlite":
            # Flask has no hook that can run a view again, so the app's own dispatch is wrapped.
            app.dispatch_request = _retrying_dispatch(app.dispatch_request)


def takes_write_lock():
    """Tell whether a transaction beginning now should take SQLite's write lock up front.

    Outside requests (commands, timers) and for POST and the like, yes. A GET or HEAD begins deferred and
    reads a WAL snapshot, so it never queues behind a writer nor holds one up while its template renders.
    """
    if not has_request_context():
        return True
    return request.method not in SAFE_METHODS or g.get(WRITE_LOCK_FLAG, False)


def _retrying_dispatch(dispatch):
    @functools.wraps(dispatch)
    def dispatch_request():
        try:
            return dispatch()
        except sa_exc.OperationalError as exc:
            if takes_write_lock() or getattr(exc.orig, "sqlite_errorname", None) not in BUSY_ERRORS:
                raise
        # A GET that writes (presence on a case page, access-code bookkeeping, an evidence view's audit entry)
        # found the lock taken or its snapshot stale. SQLite cannot wait for the lock inside a read transaction,
        # so the view runs again from the start, holding the lock this time.
        db.session.rollback()
        setattr(g, WRITE_LOCK_FLAG, True)
        return dispatch()
    return dispatch_request


def lock_timeout_seconds(default):
    """How long this transaction may wait for the write lock: briefly in a web request, `default` elsewhere.

    A lock held for seconds is a fault (a stuck writer, a backup), not contention: the request should answer
    503 soon rather than hold the user for half a minute. GET and HEAD wait only on their second run, when
    they turned out to write (reads take no lock), so they wait least.
    """
    if not has_request_context():
        return default
    config = current_app.config
    if request.method in SAFE_METHODS:
        return config["DATABASE_READ_LOCK_TIMEOUT_SECONDS"]
    return config["DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS"]


def configure_engine(engine, busy_timeout_seconds):
    """Apply the SQLite settings to `engine`; other databases are left alone."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred transaction that later writes fails with "database is locked" under contention;
        # taking the write lock up front makes writers queue on the busy timeout. Reads need no lock.
        timeout_ms = int(lock_timeout_seconds(busy_timeout_seconds) * 1000)
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {timeout_ms}")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if takes_write_lock() else "BEGIN")
