"""SQLite writers take turns in a queue; a submission reads before it writes and writes in one short transaction."""
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.database import reads_before_writes
from app.extensions import db
from app.metrics import REQUEST_REGISTRY
from app.writer_queue import WriterQueue
from tests.test_complaints_api import PAYLOAD


@pytest.fixture
def statements(app):
    """Every SQL statement the app's engine sends, in order."""
    sent = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def test_a_second_writer_waits_for_the_turn_and_gets_it_once_it_is_released(tmp_path):
    first, second = WriterQueue(tmp_path / "db"), WriterQueue(tmp_path / "db")  # two processes' queues
    assert first.acquire(1.0) is not None
    assert second.acquire(0.05) is None  # still the first writer's turn

    released_at, started, waited = [], [], []

    def wait_for_turn():
        started.append(time.monotonic())
        if second.acquire(5.0) is not None:
            waited.append(time.monotonic())
            second.release()

    waiter = threading.Thread(target=wait_for_turn)
    waiter.start()
    time.sleep(0.05)
    released_at.append(time.monotonic())
    first.release()
    waiter.join(5)
    assert started[0] < released_at[0] < waited[0]  # it waited for the release…
    assert waited[0] - released_at[0] < 0.5  # …and was woken within a poll or two, not a busy-handler sleep


def test_without_a_lock_file_the_threads_of_a_process_still_take_turns_and_sqlite_gets_the_time(tmp_path):
    queue = WriterQueue(tmp_path / "missing-folder" / "db")  # the lock file cannot be created
    left = queue.acquire(1.0)
    assert left is not None and left > 0.9  # all of it left for SQLite's own busy handler
    assert queue.acquire(0.05) is None  # a second writer of this process waits for the turn
    queue.release()
    assert queue.acquire(0.05) is not None
    queue.release()


def test_the_threads_of_one_process_take_turns(tmp_path):
    queue, inside, overlaps = WriterQueue(tmp_path / "db"), [], []

    def write():
        assert queue.acquire(5.0) is not None
        inside.append(1)
        overlaps.append(len(inside))
        time.sleep(0.005)
        inside.pop()
        queue.release()

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert overlaps == [1] * 6


def test_a_turn_held_by_a_process_that_died_is_dropped(tmp_path):
    path = tmp_path / "db"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from app.writer_queue import WriterQueue\n"
        f"queue = WriterQueue({str(path)!r})\n"
        "assert queue.acquire(5) is not None\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        queue = WriterQueue(path)
        assert queue.acquire(0.05) is None
        holder.kill()
        holder.wait(5)
        assert queue.acquire(2.0) is not None
        queue.release()
    finally:
        holder.kill()


def test_a_write_request_holds_the_turn_until_its_connection_returns_to_the_pool(app, client, sqlite_path):
    other_process = WriterQueue(sqlite_path)
    seen = {"n": 0}

    @app.post("/_test/write")
    def write():
        seen["n"] += 1
        db.session.execute(sa.text("INSERT INTO counter_bucket (name, bucket, count) VALUES ('t', :n, 1)"),
                           {"n": str(seen["n"])})
        seen["during"] = other_process.acquire(0.02)
        db.session.commit()
        return "ok"

    for _ in range(3):  # a turn that leaked would block the next request's writer
        assert client.post("/_test/write").status_code == 200
        assert seen["during"] is None
    assert other_process.acquire(0.5) is not None
    other_process.release()


def test_the_queue_only_orders_writers_sqlite_still_decides(app, client, sqlite_path):
    app.config["DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS"] = 0.2
    stuck = WriterQueue(sqlite_path)  # a writer that took its turn and never gave it back
    assert stuck.acquire(1.0) is not None

    @app.post("/_test/write")
    def write():
        db.session.execute(sa.text("INSERT INTO counter_bucket (name, bucket, count) VALUES ('t', 'c', 1)"))
        db.session.commit()
        return "ok"

    try:
        started = time.monotonic()
        assert client.post("/_test/write").status_code == 200  # SQLite's lock was free: the write went ahead
        assert time.monotonic() - started < 2
        holder = sqlite3.connect(sqlite_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            assert client.post("/_test/write").status_code == 503  # both taken: a 503 within the one timeout
            assert time.monotonic() - started < 1
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    finally:
        stuck.release()


def test_reads_before_writes_do_not_wait_for_another_writer(app, client, sqlite_path):
    app.config["DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS"] = 0.2
    holder = sqlite3.connect(sqlite_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    counted = {}

    @app.post("/_test/lookup")
    def lookup():
        with reads_before_writes():
            counted["rows"] = db.session.execute(sa.text("SELECT count(*) FROM counter_bucket")).scalar()
        assert not db.session().in_transaction()  # the read transaction ended with the block
        return "ok"

    try:
        assert client.post("/_test/lookup").status_code == 200
        assert counted["rows"] == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_submission_reads_then_writes_in_one_transaction_and_never_reads_the_complaint_back(client, sqlite_path,
                                                                                             statements):
    assert client.post("/api/v1/complaints", json=PAYLOAD).status_code == 201

    begins = [i for i, s in enumerate(statements) if s.startswith("BEGIN")]
    assert [statements[i] for i in begins] == ["BEGIN", "BEGIN IMMEDIATE"]  # lookups, then the writes
    writes = statements[begins[1]:]
    assert not [s for s in writes if s.startswith("SELECT") or s.startswith("UPDATE")]
    assert sum(s.startswith("INSERT INTO complaint_tally") for s in writes) == 1  # counted once
    assert {s.split()[2] for s in writes if s.startswith("INSERT")} == {
        "complaint_tally", "complaint", "complaint_event", "outbox_message"}


@pytest.mark.parametrize("column", ["order_number", "contact_email", "contact_phone"])
def test_triage_lookups_read_the_newest_rows_from_an_index_without_sorting(app_context, sqlite_path, column):
    plan = " ".join(str(row) for row in db.session.execute(sa.text(
        f"EXPLAIN QUERY PLAN SELECT id, description FROM complaint WHERE {column} = 'x' "
        "AND created_at >= '2026-01-01' ORDER BY created_at DESC LIMIT 50")))
    assert f"ix_complaint_{column}_created" in plan and "TEMP B-TREE" not in plan


def test_each_turn_is_measured_for_the_metrics(app, client, sqlite_path):
    def turns():
        return REQUEST_REGISTRY.get_sample_value("portal_sqlite_writer_wait_seconds_count") or 0

    before = turns()
    assert client.post("/api/v1/complaints", json=PAYLOAD).status_code == 201
    assert turns() == before + 1  # one write transaction; the lookups before it took no turn
    scraped = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert "portal_sqlite_writer_wait_seconds_bucket" in scraped
