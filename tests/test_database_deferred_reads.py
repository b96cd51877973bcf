"""SQLite transactions: GET and HEAD read without the write lock; writes take it up front; a GET that writes retries."""
import sqlite3
import time

import pytest
import sqlalchemy as sa

from app.extensions import db


@pytest.fixture
def writer(sqlite_path):
    """Another process's connection holding SQLite's write lock (BEGIN IMMEDIATE) until the test ends."""
    connection = sqlite3.connect(sqlite_path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO counter_bucket (name, bucket, count) VALUES ('other', 'x', 1)")
    yield connection
    connection.execute("ROLLBACK")
    connection.close()


def _bucket_rows(app):
    with app.app_context():
        return set(db.session.execute(sa.text("SELECT bucket FROM counter_bucket WHERE name = 't'")).scalars())


def test_a_page_that_reads_is_served_while_another_connection_holds_the_write_lock(app, client, writer):
    app.config["DATABASE_READ_LOCK_TIMEOUT_SECONDS"] = 5
    started = time.monotonic()

    response = client.get("/")

    assert response.status_code == 200
    assert time.monotonic() - started < 2  # it never queued on the busy timeout (5 s here)


def test_a_post_takes_the_write_lock_up_front_and_gives_up_with_a_503(app, client, writer):
    app.config["DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS"] = 0.1

    @app.post("/_test/write")
    def write():
        db.session.execute(sa.text("SELECT count(*) FROM counter_bucket"))
        return "unreachable"

    assert client.post("/_test/write").status_code == 503


def test_a_get_that_writes_after_its_snapshot_went_stale_runs_again_holding_the_lock(app, client, sqlite_path):
    attempts = []

    @app.get("/_test/read-then-write")
    def read_then_write():
        attempts.append(db.session.execute(sa.text("SELECT count(*) FROM counter_bucket")).scalar())
        if len(attempts) == 1:  # another process commits between this request's read and its write
            with sqlite3.connect(sqlite_path) as other:
                other.execute("INSERT INTO counter_bucket (name, bucket, count) VALUES ('t', 'other', 1)")
        db.session.execute(sa.text("INSERT INTO counter_bucket (name, bucket, count) VALUES ('t', 'mine', 1)"))
        db.session.commit()
        return "done"

    response = client.get("/_test/read-then-write")

    assert response.status_code == 200 and response.get_data(as_text=True) == "done"
    assert attempts == [0, 1]  # the second run saw the other process's row: a fresh snapshot under the lock
    assert _bucket_rows(app) == {"other", "mine"}


def test_a_get_that_writes_without_contention_runs_once(app, client, sqlite_path):
    attempts = []

    @app.get("/_test/write-once")
    def write_once():
        attempts.append(1)
        db.session.execute(sa.text("INSERT INTO counter_bucket (name, bucket, count) VALUES ('t', 'once', 1)"))
        db.session.commit()
        return "done"

    assert client.get("/_test/write-once").status_code == 200
    assert attempts == [1] and _bucket_rows(app) == {"once"}


def test_a_get_that_cannot_get_the_lock_even_on_its_second_run_is_a_503(app, client, writer):
    app.config["DATABASE_READ_LOCK_TIMEOUT_SECONDS"] = 0.1
    attempts = []

    @app.get("/_test/blocked-write")
    def blocked_write():
        attempts.append(1)
        db.session.execute(sa.text("INSERT INTO counter_bucket (name, bucket, count) VALUES ('t', 'x', 1)"))
        return "unreachable"

    assert client.get("/_test/blocked-write").status_code == 503
    assert len(attempts) == 2
