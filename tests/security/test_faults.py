"""Faults: what the user sees, that nothing partial is stored and nothing personal is logged, and that the
service recovers by itself. Database failing, locked, down or read-only; upload folder failing or unwritable."""
import errno
import json
import sqlite3
import time

import pytest
import sqlalchemy as sa

from app import create_app
from app.complaints import evidence, reference as refs
from app.extensions import db
from tests.factories import VALID_COMPLAINT, file_complaint
from tests.security.helpers import png_upload, stored, submit_on_the_web, text, verify

PLANTED_EMAIL = "planted.log@example.com"
PLANTED_PHONE = "13987654321"
PLANTED_TEXT = "PLANTED-日志里不该出现的描述：充值 100 元一直没到账"
COMPLAINT = {**VALID_COMPLAINT, "contact_email": PLANTED_EMAIL, "contact_phone": PLANTED_PHONE,
             "description": PLANTED_TEXT, "consent_privacy": True}
DETAILS = {"order_number": "KM202611201234567890", "purchase_time": "2026-11-20 14:30", "evidence_kind": "other"}
REFERENCE, CODE = refs.new_reference(), refs.new_access_code()


@pytest.fixture
def failing_inserts(app):
    """Call the result to make every INSERT into `complaint` fail in the driver, as a full disk does."""
    with app.app_context():
        engine = db.engine

    def fail(cursor, statement, parameters, context):
        if statement.lstrip().upper().startswith("INSERT INTO COMPLAINT "):
            raise engine.dialect.loaded_dbapi.OperationalError("disk I/O error (injected)")

    yield lambda: sa.event.listen(engine, "do_execute", fail)
    if sa.event.contains(engine, "do_execute", fail):
        sa.event.remove(engine, "do_execute", fail)


# ------------------------------------------------------------------ personal data never reaches the logs (13.2)

def test_a_failed_insert_logs_none_of_the_personal_data(client, logs, failing_inserts):
    failing_inserts()
    response = client.post("/api/v1/complaints", json=COMPLAINT)
    assert response.status_code == 503 and response.is_json
    log_text = logs()
    assert "INSERT INTO complaint" in log_text  # the failure is logged …
    for planted in (PLANTED_EMAIL, PLANTED_PHONE, PLANTED_TEXT, "KM202611201234567890"):
        assert planted not in log_text  # … without the values it carried


def test_a_failed_insert_on_the_web_logs_none_of_the_personal_data(client, logs, failing_inserts):
    client.post("/complaints/new", data={"category": "topup_not_arrived", "description": PLANTED_TEXT})
    client.post("/complaints/new/details", data={**DETAILS, "topup_account": PLANTED_PHONE, "action": "next"})
    client.post("/complaints/new/contact", data={"contact_email": PLANTED_EMAIL, "notify_via": "email",
                                                 "consent_privacy": "y"})
    failing_inserts()
    assert client.post("/complaints/new/submit").status_code == 503
    for planted in (PLANTED_EMAIL, PLANTED_PHONE, PLANTED_TEXT):
        assert planted not in logs()


def test_the_engine_hides_bound_parameters(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    with app.app_context():
        assert db.engine.hide_parameters


# ------------------------------------------------------------------ upload folder failing (13.3)

def failing_writes(monkeypatch, after=0):
    """Let `after` files be written, then fail every write as a full disk does (ENOSPC at fsync)."""
    calls = {"n": 0}
    real_fsync = evidence.os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(evidence.os, "fsync", fsync)


@pytest.mark.parametrize("after", [0, 1, 2])
def test_a_full_upload_folder_on_the_details_step_keeps_what_was_typed(app, client, monkeypatch, after):
    client.post("/complaints/new", data={"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"})
    failing_writes(monkeypatch, after)
    data = {**DETAILS, "order_number": "KM202611207777777777", "action": "upload",
            "files": [png_upload(f"{i}.png") for i in range(3)]}
    response = client.post("/complaints/new/details", data=data, content_type="multipart/form-data")
    monkeypatch.undo()
    assert response.status_code == 503
    assert 'value="KM202611207777777777"' in text(response) and "文件暂时无法上传" in text(response)
    assert stored(app)["files"] == 0 and stored(app)["evidence"] == 0  # no orphan, temporary files included
    assert "KM202611207777777777" in text(client.get("/complaints/new/details"))
    # Recovery needs no manual step: the same post works once the disk has room again.
    data["files"] = [png_upload("again.png")]
    assert client.post("/complaints/new/details", data=data, content_type="multipart/form-data").status_code == 200
    assert stored(app)["files"] == 1 and stored(app)["evidence"] == 1


@pytest.mark.parametrize("after", [0, 1])
def test_a_full_upload_folder_on_the_api_stores_nothing(app, client, monkeypatch, after):
    failing_writes(monkeypatch, after)
    form = {**COMPLAINT, "details": json.dumps(COMPLAINT["details"]), "consent_privacy": "true",
            "evidence": [png_upload(f"{i}.png") for i in range(2)]}
    response = client.post("/api/v1/complaints", data=form, content_type="multipart/form-data")
    assert response.status_code == 503 and response.is_json
    assert response.get_json()["error"]["code"] == 503
    assert stored(app) == {**stored(app), "complaint": 0, "evidence": 0, "files": 0}


@pytest.mark.parametrize("after", [0, 1])
def test_a_full_upload_folder_on_a_follow_up_stores_nothing(app, client, monkeypatch, after):
    reference, code = file_complaint(app)
    verify(client, reference, code)
    before = stored(app)
    failing_writes(monkeypatch, after)
    files = [png_upload(f"{i}.png") for i in range(2)]
    response = client.post(f"/track/{reference}/message", data={"body": "补充截图", "files": files},
                           content_type="multipart/form-data")
    assert response.status_code == 503
    response = client.post(f"/api/v1/complaints/{reference}/messages", headers={"X-Access-Code": code},
                           data={"body": "补充截图", "evidence": [png_upload()]}, content_type="multipart/form-data")
    assert response.status_code == 503 and response.is_json
    assert stored(app) == before


def test_an_unwritable_upload_folder_answers_503_and_stores_nothing(app, client, tmp_path):
    blocked = tmp_path / "evidence-is-a-file"
    blocked.write_text("not a folder")
    app.config["UPLOAD_DIR"] = blocked
    response = client.post("/api/v1/complaints", data={**COMPLAINT, "details": json.dumps(COMPLAINT["details"]),
                                                       "consent_privacy": "true", "evidence": [png_upload()]},
                           content_type="multipart/form-data")
    assert response.status_code == 503
    assert stored(app)["complaint"] == 0


# ------------------------------------------------------------------ database locked or down (13.7)

def test_submitting_while_the_database_is_locked_answers_503_quickly_and_keeps_the_draft(app, client, sqlite_path):
    app.config["DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS"] = 0.3
    client.post("/complaints/new", data={"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"})
    client.post("/complaints/new/details", data={**DETAILS, "action": "next"})
    client.post("/complaints/new/contact", data={"contact_email": "user@example.com", "notify_via": "email",
                                                 "consent_privacy": "y"})
    holder = sqlite3.connect(sqlite_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        response = client.post("/complaints/new/submit")
        assert response.status_code == 503 and time.monotonic() - started < 3
        assert response.headers["Retry-After"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/complaints/new/submit").status_code == 302  # recovers once the lock is gone
    assert stored(app)["complaint"] == 1


def test_submitting_while_postgresql_holds_a_lock_answers_503_quickly(database_url, tmp_path, search_index_dir):
    if not database_url.startswith("postgresql"):
        pytest.skip("lock_timeout is PostgreSQL's; SQLite's busy timeout is tested above")
    app = create_app("testing", DATA_DIR=tmp_path / "data", SQLALCHEMY_DATABASE_URI=database_url,
                     SEARCH_INDEX_DIR=search_index_dir, DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS=0.3)
    client = app.test_client()
    holder = sa.create_engine(database_url)
    try:
        with holder.connect() as connection:
            connection.execute(sa.text("LOCK TABLE complaint_draft IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            response = client.post("/complaints/new", data={"category": "card_code_invalid",
                                                            "description": "卡密提示已被使用，刚提取就用不了"})
            assert response.status_code == 503 and time.monotonic() - started < 3
            connection.rollback()
        assert client.post("/complaints/new", data={"category": "card_code_invalid",
                                                    "description": "卡密提示已被使用，刚提取就用不了"}).status_code == 302
    finally:
        holder.dispose()
        with app.app_context():
            db.engine.dispose()


def test_reads_wait_less_than_writes_for_a_lock(app):
    assert app.config["DATABASE_READ_LOCK_TIMEOUT_SECONDS"] <= app.config["DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS"] <= 5
    assert app.config["SQLITE_BUSY_TIMEOUT_SECONDS"] >= 30  # CLI and background jobs may wait


def test_api_tracking_while_the_database_is_locked_answers_503_json(app, client, sqlite_path):
    reference, code = file_complaint(app)
    app.config["DATABASE_READ_LOCK_TIMEOUT_SECONDS"] = 0.2
    holder = sqlite3.connect(sqlite_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": code})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503 and response.get_json()["error"]["code"] == 503
    assert client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": code}).status_code == 200


@pytest.fixture(params=["postgresql", "sqlite"])
def down_app(request, tmp_path, search_index_dir):
    """The app with its database gone: PostgreSQL refusing connections, or an SQLite file that cannot be opened."""
    url = ("postgresql://postgres@127.0.0.1:1/portal" if request.param == "postgresql"
           else f"sqlite:///{tmp_path}/missing-dir/portal.sqlite3")
    app = create_app("testing", DATA_DIR=tmp_path / "data", SEARCH_INDEX_DIR=search_index_dir,
                     SQLALCHEMY_DATABASE_URI=url, DATABASE_CONNECT_TIMEOUT_SECONDS=2)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("method, path, kwargs, mimetype", [
    ("GET", f"/api/v1/complaints/{REFERENCE}", {"headers": {"X-Access-Code": CODE}}, "application/json"),
    ("GET", f"/api/v1/complaints/{REFERENCE}", {}, "application/json"),
    ("POST", "/api/v1/complaints", {"json": COMPLAINT}, "application/json"),
    ("GET", "/transparency", {}, "text/html"),
    ("GET", "/transparency/outcomes", {}, "text/html"),
    ("POST", "/track", {"data": {"reference": REFERENCE, "access_code": CODE}}, "text/html"),
    ("POST", "/complaints/new", {"data": {"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"}},
     "text/html"),
    ("POST", "/complaints/new/submit", {}, "text/html"),
], ids=["api-tracking-with-code", "api-tracking", "api-create", "transparency", "outcomes", "web-lookup",
        "web-describe", "web-submit"])
def test_a_database_that_is_down_answers_503(down_app, logs, method, path, kwargs, mimetype):
    client = down_app.test_client()
    if path == "/complaints/new/submit":
        with client.session_transaction() as session:
            session["complaint_draft"] = "some-token"
    started = time.monotonic()
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == 503 and response.mimetype == mimetype
    assert time.monotonic() - started < 10
    assert PLANTED_EMAIL not in logs() and PLANTED_TEXT not in logs()


def test_readyz_is_503_when_the_database_is_down(down_app):
    response = down_app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["database"] == "database unreachable"


# ------------------------------------------------------------------ readiness checks what it writes to (13.8)

@pytest.fixture
def read_only_app(database_url, tmp_path, search_index_dir):
    """The app on a database that refuses writes (SQLite opened read-only; PostgreSQL in read-only transactions)."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        options = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{path}?mode=ro&uri=true"}
    else:
        options = {"SQLALCHEMY_DATABASE_URI": database_url, "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True, "hide_parameters": True,
            "connect_args": {"options": "-c default_transaction_read_only=on"}}}
    app = create_app("testing", DATA_DIR=tmp_path / "ro", SEARCH_INDEX_DIR=search_index_dir, **options)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_readyz_is_503_with_a_read_only_database(read_only_app):
    response = read_only_app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "database read-only"


def test_a_read_only_database_answers_503_to_a_submission(read_only_app):
    response = read_only_app.test_client().post("/api/v1/complaints", json=COMPLAINT)
    assert response.status_code == 503 and response.is_json


def test_readyz_is_503_with_an_unwritable_evidence_folder(app, client, tmp_path):
    blocked = tmp_path / "evidence-is-a-file"
    blocked.write_text("not a folder")
    app.config["UPLOAD_DIR"] = blocked
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["evidence_storage"] == "evidence folder not writable"


def test_readiness_leaves_nothing_behind(app, client):
    before = stored(app)
    for _ in range(3):
        assert client.get("/readyz").status_code == 200
    assert stored(app) == before


def test_the_web_journey_still_works_after_every_fault_test(client):
    assert submit_on_the_web(client)
