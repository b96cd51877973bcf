"""`flask notifications ...`: deliver the outbox now and show its state."""
import click
from flask.cli import AppGroup

from app.notifications import outbox

notifications_cli = AppGroup("notifications", help="The notification outbox.")


@notifications_cli.command("send")
@click.option("--limit", default=50, show_default=True, help="Deliver at most this many messages.")
def send(limit):
    """Deliver the messages that are due now (run from cron or a systemd timer)."""
    report = outbox.deliver_pending(limit=limit)
    click.echo(f"sent {report.sent}, retrying {report.retried}, failed {report.failed}")


@notifications_cli.command("status")
def status():
    """Count the outbox messages by status."""
    for name, count in outbox.status_counts().items():
        click.echo(f"{name}: {count}")
