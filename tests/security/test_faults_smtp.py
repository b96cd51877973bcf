"""Fault: the mail server refuses. The user still gets the reference at once (web and API), the outbox keeps the
message with its error and retries it on the background job's schedule, the logs hold no address, and the
message goes out once the server takes mail again."""
import datetime as dt
import email
import email.policy
import re
import socket
import socketserver
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.notifications import outbox
from app.notifications.models import OutboxMessage, OutboxStatus
from app.timeutil import utcnow
from tests.factories import VALID_COMPLAINT
from tests.security.helpers import submit_on_the_web, text

PLANTED_EMAIL = "planted.smtp@example.com"
COMPLAINT = {**VALID_COMPLAINT, "contact_email": PLANTED_EMAIL, "consent_privacy": True}


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib; `server.refuse` maps a stage ("greeting", "MAIL", "RCPT", "DATA") to a reply."""

    def handle(self):
        refuse = self.server.refuse
        self._reply(refuse.get("greeting", "220 test ESMTP"))
        if "greeting" in refuse:
            return
        lines = None
        while line := self.rfile.readline():
            if lines is not None:
                lines = self._data(lines, line)
                continue
            verb = line.decode().strip().upper()[:4]
            if verb == "QUIT":
                return self._reply("221 bye")
            default = "354 go ahead" if verb == "DATA" else "250 ok"
            reply = refuse.get(verb, default)
            lines = [] if verb == "DATA" and reply.startswith("354") else None
            self._reply(reply)

    def _data(self, lines, line):
        if line.rstrip(b"\r\n") != b".":
            return [*lines, line]
        self.server.messages.append(b"".join(lines))
        self._reply("250 queued")
        return None

    def _reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")


@pytest.fixture
def smtp():
    """A local SMTP server whose `refuse` dict says where it refuses; empty: it accepts everything."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads, server.messages, server.refuse = True, [], {}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


REFUSALS = {
    "connection-refused": None,
    "greeting-421": {"greeting": "421 service not available"},
    "sender-451": {"MAIL": "451 try again later"},
    "recipient-450": {"RCPT": "450 mailbox busy"},
    "data-452": {"DATA": "452 insufficient storage"},
}


@pytest.fixture(params=list(REFUSALS))
def refusing(request, app, smtp):
    """The app delivering through a server that refuses at one stage; call the result to make it accept."""
    refusal = REFUSALS[request.param]
    smtp.refuse = dict(refusal or {})
    port = _closed_port() if refusal is None else smtp.server_address[1]
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)

    def accept():
        smtp.refuse = {}
        app.config["MAIL_PORT"] = smtp.server_address[1]

    return accept


def _outbox(app):
    with app.app_context():
        return db.session.execute(sa.select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.last_error,
                                            OutboxMessage.next_attempt_at)).all()


def _run_delivery_job(app, now=None):
    """Run what the background job runs (outbox.deliver_and_log), optionally at a later `now`."""
    with app.app_context():
        return outbox.deliver_pending(now=now) if now else app.extensions["notification_delivery"].job()


def test_the_web_user_gets_the_reference_while_smtp_refuses_and_the_mail_follows(app, client, smtp, refusing):
    code = submit_on_the_web(client)
    page = text(client.get("/complaints/submitted"))
    reference = re.search(r'data-testid="reference">([^<]+)<', page).group(1)
    assert code and reference
    assert client.post("/complaints/submitted/email").status_code == 302  # the receipt with the code, queued
    report = _run_delivery_job(app)
    assert report.sent == 0 and report.retried >= 1 and report.failed == 0
    rows = _outbox(app)
    assert rows and all(row.status == OutboxStatus.PENDING and row.attempts == 1 and row.last_error for row in rows)
    refusing()
    later = utcnow() + dt.timedelta(minutes=2)  # past the first retry delay of one minute
    assert _run_delivery_job(app, now=later).sent == len(rows)
    assert {row.status for row in _outbox(app)} == {OutboxStatus.SENT}
    bodies = [email.message_from_bytes(raw, policy=email.policy.default).get_content() for raw in smtp.messages]
    assert any(reference in body for body in bodies) and any(code in body for body in bodies)


def test_the_api_answers_201_with_the_reference_while_smtp_refuses(app, client, smtp, refusing, logs):
    response = client.post("/api/v1/complaints", json=COMPLAINT)
    assert response.status_code == 201 and response.get_json()["reference"]
    _run_delivery_job(app)
    rows = _outbox(app)
    assert len(rows) == 1 and rows[0].status == OutboxStatus.PENDING and rows[0].last_error
    assert PLANTED_EMAIL not in logs()  # SMTP errors quote the recipient; the log keeps only the error class
    refusing()
    assert _run_delivery_job(app, now=utcnow() + dt.timedelta(minutes=2)).sent == 1
    [raw] = smtp.messages
    assert email.message_from_bytes(raw, policy=email.policy.default)["To"] == PLANTED_EMAIL
