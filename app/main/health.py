"""Readiness checks for /readyz: each returns None when healthy, else a reason."""
import logging

from sqlalchemy import text

from app.extensions import db

logger = logging.getLogger("portal.health")


def check_database():
    """Run a trivial query against the configured database."""
    try:
        db.session.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # any driver error means "not ready"
        db.session.rollback()
        logger.warning("database not ready: %s", exc)
        return "database unreachable"


def readiness_report(checks):
    """Run `checks` (name -> callable) and return (ready, {name: "ok" | reason})."""
    results = {name: (check() or "ok") for name, check in checks.items()}
    return all(result == "ok" for result in results.values()), results
