"""What the user is told, and when: messages go to the outbox in the user's language."""
from flask import current_app, render_template
from flask_babel import force_locale, gettext as _

from app.complaints.states import STATUS_LABELS, Status
from app.notifications.outbox import enqueue


def _send(complaint, kind, subject, **context):
    recipient = complaint.contact_email if complaint.notify_via == "email" else complaint.contact_phone
    recipient = recipient or complaint.contact_email or complaint.contact_phone
    channel = "email" if recipient == complaint.contact_email else "sms"
    with force_locale(complaint.language):
        body = render_template(f"complaints/email/{kind}.txt", complaint=complaint,
                               track_url=_track_url(complaint.reference),
                               status_label=str(STATUS_LABELS[Status(complaint.status)]), **context)
        enqueue(recipient, str(subject()), body, kind=kind, language=complaint.language,
                reference=complaint.reference, channel=channel)


def _track_url(reference=None):
    # Messages are also written outside requests (CLI, background jobs), so links use the configured base URL.
    url = current_app.config["PORTAL_BASE_URL"].rstrip("/") + "/track"
    return f"{url}?reference={reference}" if reference else url


def complaint_received(complaint):
    """Confirm receipt with the reference and the first-response date (never the access code)."""
    _send(complaint, "received", lambda: _("投诉已受理：%(ref)s", ref=complaint.reference))


def status_changed(complaint, note):
    """Tell the user their complaint moved to a new status."""
    _send(complaint, "status_changed", lambda: _("投诉 %(ref)s 状态更新", ref=complaint.reference), note=note)


def staff_replied(complaint, body):
    """Forward a public staff reply."""
    _send(complaint, "staff_replied", lambda: _("投诉 %(ref)s 有新回复", ref=complaint.reference), body=body)


def receipt(complaint, access_code):
    """Send the full receipt, access code and evidence hashes included, at the user's request."""
    _send(complaint, "receipt", lambda: _("投诉回执：%(ref)s", ref=complaint.reference), access_code=access_code)


def lost_references(contact, complaints):
    """Send the references filed with `contact` back to it."""
    language = complaints[-1].language
    channel = "email" if "@" in contact else "sms"
    with force_locale(language):
        body = render_template("complaints/email/lost_references.txt", complaints=complaints, track_url=_track_url())
        enqueue(contact, _("你的投诉编号"), body, kind="lost_references", language=language, channel=channel)
