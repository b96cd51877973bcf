"""What the deployment relies on: private files on disk, HSTS in production, the deflection figure hard to inflate."""
import os
import stat

import pytest
import sqlalchemy as sa

from app import create_app
from app.complaints.models import Deflection
from app.extensions import db
from tests.security.helpers import stored


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def make_app(database_url, search_index_dir):
    apps = []

    def make(config_name, data_dir, **overrides):
        app = create_app(config_name, DATA_DIR=data_dir, SQLALCHEMY_DATABASE_URI=database_url,
                         SEARCH_INDEX_DIR=search_index_dir, NOTIFY_BACKGROUND=False, OVERSIGHT_BACKGROUND=False,
                         **overrides)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


# ------------------------------------------------------------------ secrets on disk (13.6)

def test_the_development_secret_key_is_readable_by_its_owner_only(make_app, tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    data_dir = tmp_path / "instance"
    app = make_app("development", data_dir, SECRET_KEY=None)
    key_file = data_dir / "secret_key"
    assert mode(key_file) == 0o600 and mode(data_dir) == 0o700
    assert app.config["SECRET_KEY"] == key_file.read_text().strip() and len(app.config["SECRET_KEY"]) == 64


def test_a_world_readable_key_and_data_dir_from_before_are_tightened(make_app, tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    data_dir = tmp_path / "instance"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    (data_dir / "secret_key").write_text("a" * 64)
    os.chmod(data_dir / "secret_key", 0o644)
    app = make_app("development", data_dir, SECRET_KEY=None)
    assert app.config["SECRET_KEY"] == "a" * 64
    assert mode(data_dir / "secret_key") == 0o600 and mode(data_dir) == 0o700


def test_the_data_dir_is_private_in_every_configuration(make_app, tmp_path):
    make_app("testing", tmp_path / "data")
    assert mode(tmp_path / "data") == 0o700


# ------------------------------------------------------------------ HSTS (13.13)

def test_production_sends_hsts_on_every_response(make_app, tmp_path):
    client = make_app("production", tmp_path / "prod", SECRET_KEY="production-secret-for-tests").test_client()
    for path, status in (("/", 200), ("/no-such-page", 404), ("/api/v1/complaints/categories", 200),
                         ("/api/v1/no-such-resource", 404)):
        response = client.get(path, base_url="https://portal.example")
        assert response.status_code == status
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_can_be_switched_off_and_is_off_outside_production(make_app, tmp_path, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app = make_app("production", tmp_path / "prod", SECRET_KEY="production-secret-for-tests", HSTS_ENABLED=False)
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers


# ------------------------------------------------------------------ deflection counted once (13.12)

def deflections(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Deflection))


def describe(client):
    return client.post("/complaints/new", data={"category": "card_code_invalid",
                                                "description": "卡密提示已被使用，刚提取就用不了"})


def test_repeated_solved_clicks_of_one_visitor_count_once(app, client):
    describe(client)
    statuses = [client.post("/complaints/new/deflect", data={"article": "card-code-invalid"}).status_code
                for _ in range(5)]
    assert statuses == [302] * 5
    assert deflections(app) == 1


def test_a_script_of_cookie_less_visitors_is_rate_limited(app):
    statuses = []
    for _ in range(10):
        client = app.test_client()
        describe(client)
        statuses.append(client.post("/complaints/new/deflect").status_code)
    assert statuses.count(429) >= 5
    assert deflections(app) == 5  # DEFLECT_LIMIT: 5 per minute per client


def test_an_unknown_article_is_not_recorded(app, client):
    describe(client)
    client.post("/complaints/new/deflect", data={"article": "<script>" + "x" * 200})
    with app.app_context():
        assert db.session.scalar(sa.select(Deflection.article_slug)) is None
    assert stored(app)["complaint_draft"] == 0


def test_concurrent_solved_clicks_for_one_draft_count_once(app, client, monkeypatch):
    import threading

    from app.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)
    describe(client)
    cookie = client.get_cookie("session").value
    barrier = threading.Barrier(8)

    def click():
        other = app.test_client()
        other.set_cookie("session", cookie)
        barrier.wait()
        other.post("/complaints/new/deflect")

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert deflections(app) == 1


def test_behind_the_proxy_rate_limits_count_per_client_address(make_app, tmp_path):
    app = make_app("production", tmp_path / "prod", SECRET_KEY="production-secret-for-tests", TRUSTED_PROXIES=1,
                   INTAKE_DRAFT_LIMIT="1 per hour", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    for address in ("203.0.113.7", "203.0.113.8"):
        response = client.post("/complaints/new", headers={"X-Forwarded-For": address},
                               data={"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"})
        assert response.status_code == 302, address
    assert client.post("/complaints/new", headers={"X-Forwarded-For": "203.0.113.7"},
                       data={"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"}
                       ).status_code == 429


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_dodge_the_limits(make_app, tmp_path):
    app = make_app("production", tmp_path / "prod", SECRET_KEY="production-secret-for-tests",
                   INTAKE_DRAFT_LIMIT="1 per hour", WTF_CSRF_ENABLED=False)
    assert app.config["TRUSTED_PROXIES"] == 0
    client = app.test_client()
    answers = [client.post("/complaints/new", headers={"X-Forwarded-For": address},
                           data={"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"}
                           ).status_code for address in ("203.0.113.7", "203.0.113.8")]
    assert answers == [302, 429]
