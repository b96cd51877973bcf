"""A hanging database: the user gets a quick 503 (HTML or the API's JSON envelope), the worker lives, and the
service recovers by itself. PostgreSQL ends the hung statement (statement_timeout); SQLite's locks are in
tests/security/test_faults.py."""
import json
import time

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from tests.factories import VALID_COMPLAINT
from tests.load.gunicorn import Gunicorn, portal_env
from tests.security.helpers import stored

COMPLAINT = {**VALID_COMPLAINT, "consent_privacy": True}
STATEMENT_TIMEOUT = 0.5


@pytest.fixture
def pg_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("statement_timeout is PostgreSQL's; SQLite's busy timeout is tested in tests/security/")
    return database_url


@pytest.fixture
def hanging_app(pg_url, app_with):
    """The app with a short statement timeout and a lock timeout long enough that only the former can fire."""
    return app_with(DATABASE_STATEMENT_TIMEOUT_SECONDS=STATEMENT_TIMEOUT, DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS=20)


@pytest.fixture
def hang_inserts(hanging_app):
    """Call the result to make every INSERT into `complaint` hang in the server first (pg_sleep), until removed."""
    with hanging_app.app_context():
        engine = db.engine

    def hang(cursor, statement, parameters, context):
        if statement.lstrip().upper().startswith("INSERT INTO COMPLAINT "):
            cursor.execute("SELECT pg_sleep(30)")

    def start():
        sa.event.listen(engine, "do_execute", hang)
        return lambda: sa.event.remove(engine, "do_execute", hang)
    yield start
    if sa.event.contains(engine, "do_execute", hang):
        sa.event.remove(engine, "do_execute", hang)


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_hanging_statement_answers_the_api_with_a_json_503_soon_and_recovers(hanging_app, hang_inserts):
    client = hanging_app.test_client()
    stop_hanging = hang_inserts()
    response, elapsed = _timed(lambda: client.post("/api/v1/complaints", json=COMPLAINT))
    assert response.status_code == 503 and response.is_json and response.get_json()["error"]["code"] == 503
    assert elapsed < STATEMENT_TIMEOUT + 2.5
    assert stored(hanging_app)["complaint"] == 0
    stop_hanging()
    assert client.post("/api/v1/complaints", json=COMPLAINT).status_code == 201  # the pool recovered by itself


def test_a_hanging_statement_answers_the_web_form_with_the_503_page(hanging_app, hang_inserts):
    client = hanging_app.test_client()
    client.post("/complaints/new", data={"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"})
    client.post("/complaints/new/details", data={"order_number": "KM202611201234567890",
                                                "purchase_time": "2026-11-20 14:30", "action": "next"})
    client.post("/complaints/new/contact", data={"contact_email": "user@example.com", "notify_via": "email",
                                                "consent_privacy": "y"})
    stop_hanging = hang_inserts()
    response, elapsed = _timed(lambda: client.post("/complaints/new/submit"))
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "服务暂时不可用" in response.get_data(as_text=True) and elapsed < STATEMENT_TIMEOUT + 2.5
    stop_hanging()
    assert client.post("/complaints/new/submit").status_code == 302  # the kept draft goes through now


def test_a_statement_blocked_by_another_connections_lock_ends_at_the_statement_timeout(hanging_app, pg_url):
    client = hanging_app.test_client()
    holder = sa.create_engine(pg_url)
    try:
        with holder.connect() as connection:
            connection.execute(sa.text("LOCK TABLE complaint IN ACCESS EXCLUSIVE MODE"))
            response, elapsed = _timed(lambda: client.post("/api/v1/complaints", json=COMPLAINT))
            connection.rollback()
    finally:
        holder.dispose()
    assert response.status_code == 503 and response.is_json and elapsed < STATEMENT_TIMEOUT + 2.5
    assert client.post("/api/v1/complaints", json=COMPLAINT).status_code == 201


def test_each_connection_carries_the_timeouts(hanging_app):
    with hanging_app.app_context():
        assert db.session.scalar(sa.text("SHOW statement_timeout")) == "500ms"
        assert db.session.scalar(sa.text("SHOW lock_timeout")) == "20s"
        db.session.rollback()


def test_the_pool_is_sized_from_the_request_threads_and_pings_before_use(pg_url, tmp_path):
    app = create_app("testing", DATA_DIR=tmp_path / "data", SQLALCHEMY_DATABASE_URI=pg_url, WEB_THREADS=6)
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True and options["pool_size"] == 7
    with app.app_context():
        assert db.engine.pool.size() == 7
        assert db.engine.pool.timeout() == app.config["DATABASE_POOL_TIMEOUT_SECONDS"]
        db.engine.dispose()


@pytest.mark.parametrize("settings", [{"DATABASE_STATEMENT_TIMEOUT_SECONDS": 30},
                                      {"DATABASE_STATEMENT_TIMEOUT_SECONDS": 20, "DATABASE_CONNECT_TIMEOUT_SECONDS": 10}])
def test_timeouts_that_outlast_the_worker_timeout_are_refused_at_start(tmp_path, settings):
    with pytest.raises(RuntimeError, match="GUNICORN_TIMEOUT"):
        create_app("testing", DATA_DIR=tmp_path / "data", SQLALCHEMY_DATABASE_URI="postgresql://127.0.0.1:1/x",
                   WEB_WORKER_TIMEOUT_SECONDS=30, **settings)


def test_under_gunicorn_a_hanging_database_gets_a_503_and_the_worker_is_not_killed(pg_url, tmp_path,
                                                                                   search_index_dir):
    # A sync worker with a 4 s timeout is killed if a request hangs longer; the lock below is held for longer.
    env = portal_env(tmp_path / "node", search_index_dir, pg_url, GUNICORN_TIMEOUT=4,
                     DATABASE_STATEMENT_TIMEOUT_SECONDS=1, DATABASE_CONNECT_TIMEOUT_SECONDS=2,
                     DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS=20)
    holder = sa.create_engine(pg_url)
    body, headers = json.dumps(COMPLAINT).encode(), {"Content-Type": "application/json"}
    try:
        with Gunicorn(env, ["--workers", "1", "--worker-class", "sync", "--timeout", "4"]) as server:
            workers = server.worker_pids()
            with holder.connect() as connection:
                connection.execute(sa.text("LOCK TABLE complaint IN ACCESS EXCLUSIVE MODE"))
                started = time.monotonic()
                status, response_headers, payload = server.request("POST", "/api/v1/complaints", body, headers)
                elapsed = time.monotonic() - started
                connection.rollback()
            assert status == 503 and response_headers["Content-Type"].startswith("application/json"), payload
            assert json.loads(payload)["error"]["code"] == 503 and elapsed < 3.5
            assert server.request("POST", "/api/v1/complaints", body, headers)[0] == 201
            assert server.worker_pids() == workers and "WORKER TIMEOUT" not in server.log()
    finally:
        holder.dispose()

