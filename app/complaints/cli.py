"""`flask complaints purge-drafts`: remove abandoned drafts and their uploaded files."""
import datetime as dt

import click
from flask.cli import AppGroup

from app.complaints import intake

complaints_cli = AppGroup("complaints", help="Complaint housekeeping.")


@complaints_cli.command("purge-drafts")
@click.option("--older-than-days", default=7, show_default=True, help="Age of the last change, in days.")
def purge_drafts(older_than_days):
    """Delete drafts nobody submitted, and their evidence files (run daily from cron or a timer)."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=older_than_days)
    removed = intake.purge_abandoned_drafts(cutoff)
    click.echo(f"Removed {removed} abandoned drafts.")
