"""Fault: a gunicorn worker killed (SIGKILL) in the middle of a submission with evidence.

A real gunicorn on an SQLite data dir. The worker dies at two moments: while the upload is still arriving, and
after the evidence file is written but before the complaint is committed (the database is held locked, so the
worker waits there). Either way the master starts a new worker by itself, no complaint is stored, and no file is
left in the evidence folder: a file without a row is swept once it is EVIDENCE_ORPHAN_MIN_AGE_SECONDS old.
"""
import http.client
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.factories import VALID_COMPLAINT
from tests.security.helpers import png_bytes

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(18800, 18900)


def _free_port():
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in 18800-18899")


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"gave up after {timeout} s waiting for {what}")


class Gunicorn:
    """One master with one sync worker on a data dir of its own."""

    def __init__(self, data_dir, log_path):
        self.data_dir, self.port = data_dir, _free_port()
        env = dict(os.environ, PORTAL_ENV="development", PORTAL_DATA_DIR=str(data_dir), SECRET_KEY=uuid.uuid4().hex,
                   RATELIMIT_ENABLED="false", MAIL_BACKEND="file", NOTIFY_BACKGROUND="false",
                   OVERSIGHT_BACKGROUND="false", EVIDENCE_ORPHAN_MIN_AGE_SECONDS="1",
                   EVIDENCE_SWEEP_INTERVAL_SECONDS="0.5")
        env.pop("DATABASE_URL", None)
        self._log = open(log_path, "wb")
        # cwd is the data dir, so no gunicorn.conf.py is picked up; --chdir makes wsgi importable.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync", "--timeout", "60",
             "--bind", f"127.0.0.1:{self.port}", "--chdir", str(ROOT), "wsgi:app"],
            cwd=data_dir, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def worker(self):
        """The pid of the live worker, or None while there is none."""
        found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        pids = [int(pid) for pid in found.stdout.split()]
        return pids[0] if len(pids) == 1 else None

    def healthy(self):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._log.close()


@pytest.fixture
def server(tmp_path, sqlite_template, search_index_dir):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    shutil.copy(sqlite_template, data_dir / "portal.sqlite3")
    shutil.copytree(search_index_dir, data_dir / "search-index")
    running = Gunicorn(data_dir, tmp_path / "gunicorn.log")
    try:
        _wait_for(running.healthy, 60, "gunicorn to answer /healthz")
        yield running
    finally:
        running.stop()


def _multipart():
    """A complaint with one PNG of evidence, as /api/v1/complaints takes it: (content type, body)."""
    boundary = uuid.uuid4().hex
    fields = {**VALID_COMPLAINT, "details": json.dumps(VALID_COMPLAINT["details"]), "consent_privacy": "true"}
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="shot.png"\r\n'
               "Content-Type: image/png\r\n\r\n".encode() + png_bytes((400, 300)) + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", body.getvalue()


def _start_submission(port, share):
    """Send the request head and the first `share` of the body; return the open socket."""
    content_type, body = _multipart()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (f"POST /api/v1/complaints HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    sock.sendall(head.encode() + body[:int(len(body) * share)])
    return sock


def _answer(sock):
    """What the client gets back: the bytes of an answer, or b"" when the connection just closes or is reset."""
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def _sockets_of(pid):
    fd_dir = Path(f"/proc/{pid}/fd")
    return sum(1 for fd in fd_dir.iterdir() if os.readlink(fd).startswith("socket:"))


def _complaints(data_dir):
    with sqlite3.connect(data_dir / "portal.sqlite3") as connection:
        return connection.execute("SELECT count(*) FROM complaint").fetchone()[0]


def _files(data_dir):
    upload_dir = data_dir / "evidence"
    return sorted(p.name for p in upload_dir.iterdir()) if upload_dir.is_dir() else []


def _kill_and_wait_for_the_next_worker(server, worker):
    os.kill(worker, signal.SIGKILL)
    _wait_for(lambda: server.worker() not in (None, worker), 30, "the master to start a new worker")
    _wait_for(server.healthy, 30, "the new worker to answer")


def test_a_worker_killed_while_the_upload_arrives_leaves_nothing(server):
    worker = server.worker()
    idle_sockets = _sockets_of(worker)
    sock = _start_submission(server.port, share=0.5)
    try:
        _wait_for(lambda: _sockets_of(worker) > idle_sockets, 10, "the worker to accept the upload")
        _kill_and_wait_for_the_next_worker(server, worker)
        assert _answer(sock) == b""  # the client sees the connection drop, never a success, and may retry
    finally:
        sock.close()
    assert _complaints(server.data_dir) == 0 and _files(server.data_dir) == []


def test_a_worker_killed_after_writing_the_file_leaves_no_orphan_once_swept(server):
    worker = server.worker()
    holder = sqlite3.connect(server.data_dir / "portal.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the worker stores the file, then waits here to insert the complaint
    sock = _start_submission(server.port, share=1)
    try:
        _wait_for(lambda: [name for name in _files(server.data_dir) if name.endswith(".png")], 10,
                  "the worker to write the evidence file")
        _kill_and_wait_for_the_next_worker(server, worker)
        assert _answer(sock) == b""
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        sock.close()
    assert _complaints(server.data_dir) == 0
    _wait_for(lambda: _files(server.data_dir) == [], 20, "the orphan file to be swept")
    # And the service takes the same submission again.
    content_type, body = _multipart()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("POST", "/api/v1/complaints", body=body, headers={"Content-Type": content_type})
    assert connection.getresponse().status == 201
    assert _complaints(server.data_dir) == 1 and len(_files(server.data_dir)) == 1



def _store(app, count):
    """Write `count` evidence files as an upload does, without any row; return their stored names."""
    from werkzeug.datastructures import FileStorage

    from app.complaints import uploads

    with app.test_request_context():
        stored, _ = uploads.store_all([FileStorage(io.BytesIO(png_bytes()), filename=f"{i}.png") for i in range(count)])
    return stored


def test_the_sweep_deletes_only_old_files_without_a_row(app):
    from app.complaints import services, uploads
    from tests.factories import file_complaint

    kept, orphan, fresh_orphan = _store(app, 3)
    reference, _ = file_complaint(app)
    with app.app_context():
        complaint = services.find_by_reference(reference)
        services.add_user_message(complaint, "补充截图", [services.store_user_evidence(kept, "other")])
    upload_dir = app.config["UPLOAD_DIR"]
    (upload_dir / ".upload-killed.part").write_bytes(b"half a file")
    two_hours_ago = time.time() - 7200
    for name in (kept.stored_name, orphan.stored_name, ".upload-killed.part"):
        os.utime(upload_dir / name, (two_hours_ago, two_hours_ago))
    with app.app_context():
        assert uploads.sweep_orphans(3600) == 2
    # The fresh file may belong to a request still running: it stays until it is old enough.
    assert sorted(p.name for p in upload_dir.iterdir()) == sorted([kept.stored_name, fresh_orphan.stored_name])
