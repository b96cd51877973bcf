"""`flask notifications ...`: deliver the outbox now or in a loop, and show its state."""
import signal
import threading

import click
from flask import current_app
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


@notifications_cli.command("worker")
@click.option("--interval", type=float, help="Seconds between polls when nothing is due [NOTIFY_INTERVAL_SECONDS].")
@click.option("--limit", default=50, show_default=True, help="Messages per batch.")
@click.option("--once", is_flag=True, help="Deliver one batch and exit (for tests and cron).")
def worker(interval, limit, once):
    """Deliver the outbox until SIGTERM or Ctrl-C (a systemd service; see docs/deploy.md)."""
    stopping = threading.Event()
    # Stop between messages, never in the middle of one: the message in hand is sent and recorded first.
    previous = {signum: signal.signal(signum, lambda *_: stopping.set()) for signum in (signal.SIGTERM, signal.SIGINT)}
    interval = interval or current_app.config["NOTIFY_INTERVAL_SECONDS"]
    click.echo(f"outbox worker started (every {interval:g} s, {limit} per batch)", err=True)
    try:
        outbox.work(stopping, interval, limit, once=once)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo("outbox worker stopped", err=True)
