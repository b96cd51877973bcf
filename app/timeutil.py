"""Aware UTC datetimes: every stored time is UTC, and SQLite hands them back naive."""
import datetime as dt


def utcnow():
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def aware(moment):
    """Return `moment` as an aware UTC datetime (SQLite drops the zone); None stays None."""
    return moment.replace(tzinfo=dt.UTC) if moment is not None and moment.tzinfo is None else moment
