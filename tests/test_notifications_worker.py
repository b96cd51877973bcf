"""The outbox on several machines: claims never overlap, and `flask notifications worker` delivers and stops."""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.notifications import outbox
from app.notifications.models import OutboxMessage, OutboxStatus
from app.timeutil import utcnow

ROOT = Path(__file__).resolve().parent.parent


def _queue(count):
    for i in range(count):
        outbox.enqueue(f"user{i}@example.com", "您的投诉已受理", "投诉编号：KM-2026-0001", kind="status_changed")
    db.session.commit()


class RecordingBackend:
    """Remember which message ids were sent, from any thread."""

    def __init__(self):
        self.sent, self._lock = [], threading.Lock()

    def send(self, envelope):
        with self._lock:
            self.sent.append((threading.current_thread().name, envelope.id))
        time.sleep(0.002)  # a send takes time, so the two claimers overlap


@pytest.fixture
def recording(monkeypatch):
    backend = RecordingBackend()
    monkeypatch.setattr(outbox, "backend_from_config", lambda config: backend)
    return backend


def test_two_concurrent_deliverers_never_send_one_message_twice(app, recording):
    with app.app_context():
        _queue(120)
    start = threading.Barrier(2)

    def deliver():
        with app.app_context():
            start.wait()
            outbox.deliver_pending(limit=200)

    threads = [threading.Thread(target=deliver, name=f"deliverer-{n}") for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = [message_id for _, message_id in recording.sent]
    assert len(ids) == 120 and len(set(ids)) == 120
    with app.app_context():
        assert outbox.status_counts()[OutboxStatus.SENT] == 120


def test_a_claimed_row_is_skipped_not_waited_for_on_postgresql(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite's write lock serialises deliverers")
    with app.app_context():
        _queue(2)
        first_id = db.session.scalar(sa.select(sa.func.min(OutboxMessage.id)))
    holder = sa.create_engine(database_url)
    try:
        with holder.connect() as other_machine:  # another node has claimed the oldest message, not yet committed
            other_machine.execute(sa.text("SELECT id FROM outbox_message WHERE id = :id FOR UPDATE"), {"id": first_id})
            with app.app_context():
                started = time.monotonic()
                envelope = outbox._claim_next(utcnow())
                assert envelope.id == first_id + 1 and time.monotonic() - started < 1
            other_machine.rollback()
    finally:
        holder.dispose()


def test_worker_once_delivers_what_is_due(app, runner):
    with app.app_context():
        _queue(3)
    result = runner.invoke(args=["notifications", "worker", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert outbox.status_counts()[OutboxStatus.SENT] == 3
    assert len(list((app.config["OUTBOX_DIR"] / "sent").iterdir())) == 3


def test_worker_keeps_running_through_a_failed_batch(app, monkeypatch):
    calls = []

    def flaky(limit, stopping):
        calls.append(limit)
        if len(calls) == 1:
            raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))
        stopping.set()
        return outbox.DeliveryReport(0, 0, 0)

    monkeypatch.setattr(outbox, "deliver_and_log", flaky)
    with app.app_context():
        outbox.work(threading.Event(), interval=0.01)
    assert len(calls) == 2


def test_worker_stops_cleanly_on_sigterm(sqlite_template, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "portal.sqlite3")
    env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir), "PORTAL_ENV": "development", "SEARCH_AUTO_REINDEX": "false",
           "NOTIFY_INTERVAL_SECONDS": "0.2"}
    env.pop("DATABASE_URL", None)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "notifications", "worker"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in worker.stderr:  # wait until the loop runs
            if "outbox worker started" in line:
                break
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0 and "outbox worker stopped" in stderr
