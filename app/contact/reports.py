"""Visitors report fake customer-service contacts from the verifier; a supervisor confirms or dismisses each value.

A confirmed value is a known fake from then on: `verify.current_fakes()` reads the confirmed rows next to
content/known_fakes.yaml, so the next person who checks it sees the warning. Reports are stored one row per
report (see app/contact/models.py); staff decide per value, for every open report of it at once.
"""
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.accounts import audit
from app.complaints import sensitive
from app.contact.models import NOTE_MAX, VALUE_MAX, FakeReport, ReportStatus
from app.contact.verify import normalize
from app.extensions import db
from app.pagination import Page, paginate
from app.timeutil import aware, utcnow

REPEAT_WINDOW = dt.timedelta(days=1)  # the same visitor reporting the same value again within it counts once
PAGE_SIZE = 20
TRANSITIONS = {ReportStatus.OPEN: {ReportStatus.CONFIRMED, ReportStatus.DISMISSED}}


class ReportError(Exception):
    """A decision on a report that cannot be made."""


class ReportNotFound(ReportError):
    pass


class AlreadyDecided(ReportError):
    """Someone decided this value first."""


class InvalidDecision(ReportError):
    """The decision is incomplete; `reason` is note_required or note_too_long."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReportGroup:
    """The open reports of one value, for the staff inbox."""

    report_id: int  # the first open report: deciding it decides the value
    kind: str
    key: str
    value: str
    people: int  # distinct visitors
    reports: list  # FakeReport rows, oldest first

    @property
    def first_at(self):
        return aware(self.reports[0].created_at)

    @property
    def last_at(self):
        return aware(self.reports[-1].created_at)

    @property
    def notes(self):
        return [r for r in self.reports if r.note]


def report(value, note, reporter_key, now=None):
    """Store a visitor's report of `value`; `reporter_key` (the client address) is kept only as a keyed hash."""
    now = now or utcnow()
    kind, key = normalize(value)
    key = key[:VALUE_MAX]  # NFKC can lengthen exotic text; grouping on the first 200 characters is enough
    reporter = _reporter_hash(reporter_key, kind, key)
    earlier = db.session.scalar(sa.select(FakeReport).where(
        FakeReport.reporter == reporter, FakeReport.kind == kind, FakeReport.key == key,
        FakeReport.created_at >= now - REPEAT_WINDOW).limit(1))
    if earlier is not None:
        return earlier
    found = FakeReport(kind=kind, key=key, value=value.strip()[:VALUE_MAX], note=_clean_note(note),
                       reporter=reporter, status=ReportStatus.OPEN, created_at=now)
    db.session.add(found)
    db.session.commit()
    return found


def open_reports(page=1, per_page=PAGE_SIZE):
    """Return a Page of ReportGroup: open reports per value, the most people first, then the latest."""
    first_ids = (sa.select(sa.func.min(FakeReport.id)).where(FakeReport.status == ReportStatus.OPEN)
                 .group_by(FakeReport.kind, FakeReport.key)
                 .order_by(sa.func.count(sa.distinct(FakeReport.reporter)).desc(),
                           sa.func.max(FakeReport.created_at).desc(), sa.func.min(FakeReport.id)))
    listed = paginate(first_ids, page, per_page)
    firsts = db.session.scalars(sa.select(FakeReport).where(FakeReport.id.in_(listed.items))).all()
    rows = db.session.scalars(sa.select(FakeReport).where(
        FakeReport.status == ReportStatus.OPEN, FakeReport.key.in_({r.key for r in firsts}))
        .order_by(FakeReport.created_at, FakeReport.id)).all()
    by_id = {first.id: _group(first, [r for r in rows if (r.kind, r.key) == (first.kind, first.key)])
             for first in firsts}
    return Page(items=[by_id[i] for i in listed.items], page=listed.page, per_page=per_page, total=listed.total)


def open_report_count():
    """Count the values waiting for a decision (a value reported by many people counts once)."""
    values = (sa.select(FakeReport.kind, FakeReport.key).where(FakeReport.status == ReportStatus.OPEN)
              .group_by(FakeReport.kind, FakeReport.key).subquery())
    return db.session.scalar(sa.select(sa.func.count()).select_from(values))


def confirm(report_id, staff, note, client=None):
    """Confirm the reported value as a fake: the verifier warns about it from now on; `note` is shown publicly."""
    return _decide(report_id, staff, ReportStatus.CONFIRMED, note, client)


def dismiss(report_id, staff, note, client=None):
    """Dismiss every open report of the value; the verifier's answer does not change."""
    return _decide(report_id, staff, ReportStatus.DISMISSED, note, client)


def _decide(report_id, staff, status, note, client, now=None):
    """The one place a report's status changes: check the transition, decide the whole value, audit, commit."""
    found = db.session.get(FakeReport, report_id)
    if found is None:
        raise ReportNotFound(report_id)
    if status not in TRANSITIONS.get(ReportStatus(found.status), ()):
        raise AlreadyDecided(found.status)
    note = _decision_note(status, note)
    now = now or utcnow()
    # A conditional update: of two supervisors deciding at once, the second changes nothing and is told so.
    decided = db.session.execute(
        sa.update(FakeReport).where(FakeReport.kind == found.kind, FakeReport.key == found.key,
                                    FakeReport.status == ReportStatus.OPEN)
        .values(status=status, decided_at=now, decided_by_id=staff.id, decision_note=note)
        .execution_options(synchronize_session=False)).rowcount
    if not decided:
        db.session.rollback()
        raise AlreadyDecided(found.status)
    action = "confirm" if status == ReportStatus.CONFIRMED else "dismiss"
    audit.record(f"fake_report_{action}", staff=staff, subject=found.value, before={"status": ReportStatus.OPEN.value},
                 after={"status": status.value, "kind": found.kind, "key": found.key, "reports": decided, "note": note},
                 client=client, now=now)
    db.session.commit()
    return decided


def _decision_note(status, note):
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidDecision("note_too_long")
    if status == ReportStatus.CONFIRMED and not note:
        raise InvalidDecision("note_required")  # it becomes the public warning's description of the scam
    return note or None


def _group(first, rows):
    return ReportGroup(report_id=first.id, kind=first.kind, key=first.key, value=first.value,
                       people=len({r.reporter for r in rows}), reports=rows)


def _clean_note(note):
    # The visitor may have pasted their own card code or bank-card number despite the reminder: never keep those.
    return sensitive.mask((note or "").strip())[:NOTE_MAX] or None


def _reporter_hash(reporter_key, kind, key):
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"fake-report\n{reporter_key}\n{kind}:{key}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
