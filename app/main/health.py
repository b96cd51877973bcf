"""Readiness checks for /readyz: each returns None when healthy, else a reason."""
import logging

from sqlalchemy import text

from app.extensions import db

logger = logging.getLogger("portal.health")


def check_database():
    """Check that the database answers and takes writes: a read-only one cannot store a single complaint."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        db.session.rollback()
        logger.warning("database not ready: %s", exc)
        return "database unreachable"
    try:
        read_only = _read_only()
    except Exception as exc:
        logger.warning("database does not take writes: %s", exc)
        read_only = True
    finally:
        db.session.rollback()
    return "database read-only" if read_only else None


def _read_only():
    """PostgreSQL says so itself (a standby, default_transaction_read_only); on SQLite, try a write and undo it."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(text("SHOW transaction_read_only")) == "on"
    db.session.execute(text("UPDATE alembic_version SET version_num = version_num"))
    return False


def readiness_report(checks):
    """Run `checks` (name -> callable) and return (ready, {name: "ok" | reason})."""
    results = {name: (check() or "ok") for name, check in checks.items()}
    return all(result == "ok" for result in results.values()), results
