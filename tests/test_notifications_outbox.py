"""The outbox: enqueue in the caller's transaction, deliver, retry with backoff, never lose a message."""
import datetime as dt
import email
import email.policy
import smtplib
import socket
import socketserver
import threading
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.notifications import outbox
from app.notifications.backends import FileBackend
from app.notifications.models import OutboxMessage, OutboxStatus
from app.timeutil import aware, utcnow

SUBJECT = "您的投诉 KM-2026-0001 状态已更新"
BODY = "您好，您的投诉已进入处理阶段。\n投诉编号：KM-2026-0001"


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: accept everything and keep each message's DATA."""

    def handle(self):
        self._reply("220 test ESMTP")
        data = None
        while line := self.rfile.readline():
            if data is not None:
                data = self._collect(data, line)
                continue
            verb = line.decode().strip().upper()[:4]
            if verb == "QUIT":
                return self._reply("221 bye")
            if verb == "DATA":
                data = []
            self._reply("354 end with ." if verb == "DATA" else "250 ok")

    def _collect(self, data, line):
        if line.rstrip(b"\r\n") == b".":
            self.server.messages.append(b"".join(data))
            self._reply("250 queued")
            return None
        data.append(line[1:] if line.startswith(b"..") else line)
        return data

    def _reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.messages = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _use_smtp(app, port):
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)


def _queue(recipient="user@example.com", subject=SUBJECT, body=BODY, **kwargs):
    kwargs.setdefault("kind", "status_changed")
    message = outbox.enqueue(recipient, subject, body, **kwargs)
    db.session.commit()
    return message.id


def _message(message_id):
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_enqueue_joins_the_callers_unit_of_work_so_its_rollback_discards_it(app_context):
    message = outbox.enqueue("user@example.com", SUBJECT, BODY, kind="status_changed", reference="KM-2026-0001")
    db.session.flush()
    assert message.id is not None and message.status == OutboxStatus.PENDING
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_enqueue_rejects_an_unknown_channel(app_context):
    with pytest.raises(ValueError):
        outbox.enqueue("user@example.com", SUBJECT, BODY, kind="status_changed", channel="fax")


def test_file_backend_writes_an_eml_with_a_utf8_chinese_subject(app_context):
    message_id = _queue(language="zh", reference="KM-2026-0001")

    assert outbox.deliver_pending() == outbox.DeliveryReport(sent=1, retried=0, failed=0)

    eml = app_context.config["OUTBOX_DIR"] / "sent" / f"{message_id:08d}.eml"
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == SUBJECT
    assert parsed["To"] == "user@example.com"
    assert parsed["Content-Language"] == "zh"
    assert parsed.get_content().rstrip("\n") == BODY
    message = _message(message_id)
    assert message.status == OutboxStatus.SENT and message.sent_at is not None and message.attempts == 1


def test_file_backend_records_sms_as_a_text_file(app_context):
    message_id = _queue(recipient="13800138000", body="投诉 KM-2026-0001 已受理", channel="sms")

    outbox.deliver_pending()

    text = (app_context.config["OUTBOX_DIR"] / "sent" / f"{message_id:08d}.sms.txt").read_text()
    assert text == "To: 13800138000\n\n投诉 KM-2026-0001 已受理\n"


def test_smtp_outage_keeps_the_message_pending_with_backoff(app_context, closed_port):
    _use_smtp(app_context, closed_port)
    message_id = _queue()
    now = utcnow()

    assert outbox.deliver_pending(now=now) == outbox.DeliveryReport(sent=0, retried=1, failed=0)

    message = _message(message_id)
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert aware(message.next_attempt_at) == now + dt.timedelta(minutes=1)


def test_a_message_is_not_retried_before_next_attempt_at(app_context, closed_port):
    _use_smtp(app_context, closed_port)
    message_id = _queue()
    now = utcnow()
    outbox.deliver_pending(now=now)

    assert outbox.deliver_pending(now=now + dt.timedelta(seconds=59)) == (0, 0, 0)
    assert outbox.deliver_pending(now=now + dt.timedelta(minutes=1)) == (0, 1, 0)
    message = _message(message_id)
    assert message.attempts == 2
    assert aware(message.next_attempt_at) == now + dt.timedelta(minutes=3)


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (4, 8), (9, 256), (10, 360), (50, 360)])
def test_retry_delay_doubles_and_is_capped_at_six_hours(attempts, minutes):
    assert outbox.retry_delay(attempts) == dt.timedelta(minutes=minutes)


def test_a_waiting_message_is_delivered_once_the_server_comes_back(app_context, closed_port, smtp_server):
    _use_smtp(app_context, closed_port)
    message_id = _queue()
    now = utcnow()
    outbox.deliver_pending(now=now)

    _use_smtp(app_context, smtp_server.server_address[1])
    assert outbox.deliver_pending(now=now + dt.timedelta(minutes=1)) == (1, 0, 0)

    assert _message(message_id).status == OutboxStatus.SENT
    [raw] = smtp_server.messages
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == SUBJECT
    assert received.get_content().rstrip("\n") == BODY


def test_smtp_round_trip_uses_the_configured_sender(app_context, smtp_server):
    _use_smtp(app_context, smtp_server.server_address[1])
    _queue(subject="Your complaint KM-2026-0001 was updated", body="Hello", language="en")

    outbox.deliver_pending()

    received = email.message_from_bytes(smtp_server.messages[0], policy=email.policy.default)
    assert received["From"].addresses[0].addr_spec == "noreply@kameng.example"
    assert received["Content-Language"] == "en"
    assert received.get_content().strip() == "Hello"


def test_a_message_fails_after_max_attempts_but_stays_stored(app_context, monkeypatch):
    def server_down(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "try later")

    monkeypatch.setattr(smtplib, "SMTP", server_down)
    app_context.config.update(MAIL_BACKEND="smtp", MAIL_MAX_ATTEMPTS=3)
    message_id = _queue()
    now = utcnow()

    reports = [outbox.deliver_pending(now=now + dt.timedelta(hours=hour)) for hour in range(4)]

    assert reports == [(0, 1, 0), (0, 1, 0), (0, 0, 1), (0, 0, 0)]
    message = _message(message_id)
    assert message.status == OutboxStatus.FAILED and message.attempts == 3
    assert "try later" in message.last_error


def test_sms_over_smtp_fails_at_once_without_blocking_the_email_behind_it(app_context, smtp_server):
    _use_smtp(app_context, smtp_server.server_address[1])
    sms_id = _queue(recipient="13800138000", channel="sms")
    email_id = _queue()

    assert outbox.deliver_pending() == (1, 0, 1)

    sms = _message(sms_id)
    assert sms.status == OutboxStatus.FAILED and "SMTP delivers e-mail only" in sms.last_error
    assert _message(email_id).status == OutboxStatus.SENT


def test_two_concurrent_deliverers_send_each_message_once(app, monkeypatch):
    sent_ids, send_file = [], FileBackend.send

    def slow_send(backend, envelope):
        time.sleep(0.01)
        sent_ids.append(envelope.id)
        send_file(backend, envelope)

    monkeypatch.setattr(FileBackend, "send", slow_send)
    with app.app_context():
        for n in range(20):
            _queue(subject=f"通知 {n}")
    reports = []

    def deliver():
        with app.app_context():
            reports.append(outbox.deliver_pending())

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(sent_ids) == sorted(set(sent_ids)) and len(sent_ids) == 20
    assert sum(report.sent for report in reports) == 20


def test_cli_send_delivers_and_status_counts(app, runner, closed_port):
    with app.app_context():
        _queue()
        _queue(recipient="13800138000", channel="sms")

    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 2, retrying 0, failed 0"

    _use_smtp(app, closed_port)
    with app.app_context():
        _queue()
    assert runner.invoke(args=["notifications", "send"]).output.strip() == "sent 0, retrying 1, failed 0"

    result = runner.invoke(args=["notifications", "status"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["pending: 1", "sent: 2", "failed: 0"]


def test_background_delivery_is_off_in_testing(app, client):
    client.get("/healthz")
    assert not any(thread.name == "outbox-delivery" for thread in threading.enumerate())


def test_first_request_starts_background_delivery(app, client):
    app.config["NOTIFY_BACKGROUND"] = True
    delivery = app.extensions["notification_delivery"]
    delivery.interval = 0.05
    with app.app_context():
        message_id = _queue()
    try:
        client.get("/healthz")
        assert _wait_for(lambda: _status(app, message_id) == OutboxStatus.SENT)
    finally:
        delivery.stop(timeout=5)


def _status(app, message_id):
    # A context per poll, so no open transaction holds SQLite's write lock against the sender.
    with app.app_context():
        return db.session.get(OutboxMessage, message_id).status


def _wait_for(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
