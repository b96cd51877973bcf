"""Engine tuning: SQLite needs WAL, a busy timeout and BEGIN IMMEDIATE to survive concurrent writers."""
from sqlalchemy import event


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
        connection.exec_driver_sql("BEGIN IMMEDIATE")
