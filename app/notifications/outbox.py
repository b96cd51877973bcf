"""Write notifications to the outbox, deliver the due ones, and retry with backoff.

Delivery leases one message at a time: a short transaction picks the oldest due row (FOR UPDATE
SKIP LOCKED on PostgreSQL; SQLite's write lock serialises), counts the attempt and pushes
next_attempt_at past CLAIM_LEASE, then commits. The send itself runs outside any transaction, so a
slow mail server never holds a database lock, and a second transaction records the outcome. Two
deliverers therefore never pick the same message; if a process dies mid-send, the message is
retried once the lease expires (delivery is at least once).
"""
import datetime as dt
import logging
from collections import Counter
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.notifications.backends import Envelope, UndeliverableError, backend_from_config
from app.notifications.models import OutboxMessage, OutboxStatus
from app.timeutil import utcnow

logger = logging.getLogger("portal.notifications")

CHANNELS = ("email", "sms")
CLAIM_LEASE = dt.timedelta(minutes=5)
MAX_RETRY_DELAY = dt.timedelta(hours=6)
SUBJECT_LENGTH = OutboxMessage.subject.type.length
ERROR_LENGTH = OutboxMessage.last_error.type.length


class DeliveryReport(NamedTuple):
    """How many messages one delivery run sent, scheduled for a retry, and gave up on."""

    sent: int
    retried: int
    failed: int


def enqueue(recipient, subject, body, *, kind, language="zh", reference=None, channel="email"):
    """Add a message to the outbox in the caller's unit of work: written by its flush, kept only by its commit."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown notification channel {channel!r}")
    # PostgreSQL enforces the column length; an over-long subject must not fail the caller's change.
    message = OutboxMessage(recipient=recipient, subject=subject[:SUBJECT_LENGTH], body=body, kind=kind,
                            language=language, reference=reference, channel=channel,
                            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    db.session.add(message)
    return message


def deliver_pending(now=None, limit=50, stopping=None):
    """Send up to `limit` due messages, oldest first, committing each outcome on its own.

    When the `stopping` event is set (SIGTERM to the worker), the run ends after the message in hand.
    """
    now = now or utcnow()
    backend = backend_from_config(current_app.config)
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    outcomes = Counter()
    for _ in range(limit):
        if stopping is not None and stopping.is_set():
            break
        envelope = _claim_next(now)
        if envelope is None:
            break
        outcomes[_attempt(backend, envelope, now, max_attempts)] += 1
    return DeliveryReport(outcomes["sent"], outcomes["retried"], outcomes["failed"])


def retry_delay(attempts):
    """Return the wait after `attempts` failed tries: 1, 2, 4, 8… minutes, at most six hours."""
    # Capping the exponent keeps timedelta from overflowing on absurd attempt counts.
    return min(dt.timedelta(minutes=2 ** min(max(attempts - 1, 0), 20)), MAX_RETRY_DELAY)


def status_counts():
    """Return {status: number of messages} for every OutboxStatus."""
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
    counts = dict(rows.all())
    return {status: counts.get(status, 0) for status in OutboxStatus}


def _claim_next(now):
    due = (sa.select(OutboxMessage)
           .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
           .order_by(OutboxMessage.id).limit(1).with_for_update(skip_locked=True))
    message = db.session.scalars(due).first()
    if message is None:
        db.session.rollback()  # end the transaction so SQLite's write lock is released at once
        return None
    message.attempts += 1
    message.next_attempt_at = now + CLAIM_LEASE
    envelope = Envelope.from_message(message)
    db.session.commit()
    return envelope


def _attempt(backend, envelope, now, max_attempts):
    try:
        backend.send(envelope)
    except Exception as exc:
        # Only the kind of failure: SMTP errors quote the recipient's address (kept in the outbox row instead).
        logger.warning("notification %s not delivered: %s %s", envelope.id, type(exc).__name__,
                       getattr(exc, "smtp_code", "") or "")
        return _record_failure(envelope.id, exc, now, max_attempts)
    return _record_sent(envelope.id)


def _record_sent(message_id):
    message = db.session.get(OutboxMessage, message_id)
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    db.session.commit()
    return "sent"


def _record_failure(message_id, exc, now, max_attempts):
    message = db.session.get(OutboxMessage, message_id)
    message.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
    if isinstance(exc, UndeliverableError) or message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
        outcome = "failed"
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
        outcome = "retried"
    db.session.commit()
    return outcome


def deliver_and_log(limit=50, stopping=None):
    """Deliver what is due and log the outcome (the background job's body)."""
    report = deliver_pending(limit=limit, stopping=stopping)
    if any(report):
        logger.info("outbox delivery: sent %d, retrying %d, failed %d", *report)
    return report


def work(stopping, interval, limit=50, once=False):
    """Deliver until `stopping` is set: a full batch goes straight on, otherwise wait `interval` seconds."""
    while not stopping.is_set():
        try:
            report = deliver_and_log(limit, stopping)
        except Exception:
            # A database outage must not end the worker: it retries at the next interval, like the web's job.
            logger.exception("outbox delivery failed; retrying in %s s", interval)
            db.session.rollback()
            report = DeliveryReport(0, 0, 0)
        if once:
            return
        if sum(report) < limit:
            stopping.wait(interval)
