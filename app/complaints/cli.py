"""`flask complaints purge-drafts`, `purge-lockouts`, `oversee` and `rebuild-stats`: housekeeping, the overdue
sweep and the derived statistics."""
import datetime as dt
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.complaints import casework, drafts, services, tally
from app.extensions import db
from app.timeutil import utcnow

complaints_cli = AppGroup("complaints", help="Complaint housekeeping.")


@complaints_cli.command("purge-drafts")
@click.option("--older-than-days", default=7, show_default=True, help="Age of the last change, in days.")
def purge_drafts(older_than_days):
    """Delete drafts nobody submitted, and their evidence files (run daily from cron or a timer)."""
    removed = drafts.purge_abandoned_drafts(utcnow() - dt.timedelta(days=older_than_days))
    click.echo(f"Removed {removed} abandoned drafts.")


@complaints_cli.command("purge-lockouts")
@click.option("--older-than-hours", default=24, show_default=True, help="Age of the last wrong code, in hours.")
def purge_lockouts(older_than_hours):
    """Delete wrong-access-code counts nobody added to lately, e.g. guesses at references that do not exist (daily)."""
    removed = services.purge_stale_lockouts(utcnow() - dt.timedelta(hours=older_than_hours))
    click.echo(f"Removed {removed} stale access-code lockouts.")


@complaints_cli.command("oversee")
def oversee():
    """Escalate overdue cases and warn holders of cases nearly due (each web process also runs this every few minutes)."""
    escalated, warned = casework.sweep(current_app.config["STAFF_DUE_SOON_HOURS"])
    click.echo(f"Escalated {escalated} overdue cases; warned about {warned} cases due soon.")


@complaints_cli.command("rebuild-stats")
@click.option("--if-stale", is_flag=True, help="Only when some complaint was never counted (`make run` uses it).")
def rebuild_stats(if_stale):
    """Recompute stored durations and the statistics tally from the complaints (after an upgrade or bulk SQL)."""
    if if_stale and not tally.stale(db.session):
        click.echo("The statistics tally counts every complaint.")
        return
    started = time.perf_counter()
    counted = tally.rebuild(db.session)
    click.echo(f"Counted {counted} complaints into the statistics tally in {time.perf_counter() - started:.1f} s.")
