"""Engine tuning: SQLite needs WAL, a busy timeout, deferred reads, and BEGIN IMMEDIATE after a writer's turn."""
import contextlib
import functools

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from app.extensions import db
from app.metrics import WRITER_WAIT
from app.writer_queue import WriterQueue

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# sqlite3 error names (Python 3.11+) of a deferred transaction that could not take the write lock.
BUSY_ERRORS = frozenset({"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT"})
WRITE_LOCK_FLAG = "database_write_lock"
READ_PHASE_FLAG = "database_read_phase"
WRITER_TURN = "sqlite_writer_turn"


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
    if g.get(READ_PHASE_FLAG, False):
        return False
    return request.method not in SAFE_METHODS or g.get(WRITE_LOCK_FLAG, False)


@contextlib.contextmanager
def reads_before_writes():
    """Run a write request's lookups in a read transaction of their own, ended on leaving the block.

    On SQLite a POST takes the write lock with its first query and holds it to the commit, so lookups that
    decide what to write (triage, an idempotency key) would hold every other writer up. Inside this block they
    read a snapshot instead, and the writes that follow begin a new transaction with the lock. Use it only
    before the use case has added anything to the session: ending the read transaction discards pending
    changes. If a transaction is already open (an earlier query of the request), the block just runs in it.
    Other engines need no split and run the block in the request's transaction.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite" or session.in_transaction() or not has_request_context():
        yield
        return
    setattr(g, READ_PHASE_FLAG, True)
    try:
        yield
    finally:
        setattr(g, READ_PHASE_FLAG, False)
        session.rollback()


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

    queue = _writer_queue(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred transaction that later writes fails with "database is locked" under contention;
        # taking the write lock up front makes writers queue on the busy timeout. Reads need no lock.
        timeout = lock_timeout_seconds(busy_timeout_seconds)
        writes = takes_write_lock()
        if writes and queue is not None:
            timeout = _take_turn(queue, connection.connection.record_info, timeout)
        _set_busy_timeout(connection, int(timeout * 10) * 100)  # in 0.1 s steps, so the setting seldom changes
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        # After the pool's reset (a rollback), so SQLite's lock is free before the next writer's turn.
        if record.record_info.pop(WRITER_TURN, False):
            queue.release()


def _writer_queue(engine):
    """The writer queue of a file database (None in memory)."""
    path = engine.url.database
    if not path or path == ":memory:" or "mode=memory" in str(engine.url):
        return None
    return WriterQueue(path)


def _take_turn(queue, record_info, timeout):
    """Wait for this connection's turn to write (kept until it goes back to the pool); return the time left."""
    if record_info.get(WRITER_TURN):
        return timeout
    left = queue.acquire(timeout)
    WRITER_WAIT.observe(timeout - (left or 0.0))
    if left is None:
        return 0.0
    record_info[WRITER_TURN] = True
    return left


def _set_busy_timeout(connection, timeout_ms):
    if connection.info.get("busy_timeout_ms") != timeout_ms:  # a pooled connection keeps its last setting
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {timeout_ms}")
        connection.info["busy_timeout_ms"] = timeout_ms
