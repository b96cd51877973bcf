"""Engine tuning: SQLite needs WAL, a busy timeout and BEGIN IMMEDIATE to survive concurrent writers."""
from flask import current_app, has_request_context, request
from sqlalchemy import event

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def lock_timeout_seconds(default):
    """How long this transaction may wait for the write lock: briefly in a web request, `default` elsewhere.

    A lock held for seconds is a fault (a stuck writer, a backup), not contention: the request should answer
    503 soon rather than hold the user for half a minute. GET and HEAD mostly only read, so they wait least.
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
        # A deferred transaction that later writes fails with "database is locked" under
        # contention; taking the write lock up front makes writers queue on the busy timeout.
        timeout_ms = int(lock_timeout_seconds(busy_timeout_seconds) * 1000)
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {timeout_ms}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
