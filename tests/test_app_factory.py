"""App factory and configuration."""
import pytest

import config
from app import create_app


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", DATA_DIR=tmp_path)


def test_production_starts_with_secret_key_and_secure_cookies(tmp_path, search_index_dir):
    app = create_app("production", SECRET_KEY="s" * 32, DATA_DIR=tmp_path, SEARCH_INDEX_DIR=search_index_dir)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["DEMO_DATA_ALLOWED"] is False


def test_unknown_environment_name_is_rejected():
    with pytest.raises(RuntimeError, match="PORTAL_ENV"):
        config.get_config("staging-typo")


def test_default_database_is_sqlite_under_the_data_dir(tmp_path, search_index_dir):
    app = create_app("testing", DATA_DIR=tmp_path, SQLALCHEMY_DATABASE_URI=None, SEARCH_INDEX_DIR=search_index_dir)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert app.config["UPLOAD_DIR"] == tmp_path / "evidence"


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_urls_use_psycopg3(url, expected):
    assert config.normalize_database_url(url) == expected


def test_csrf_tokens_do_not_expire_while_someone_writes(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_development_secret_key_persists_in_data_dir(tmp_path, search_index_dir, monkeypatch):
    monkeypatch.setattr(config.DevelopmentConfig, "SECRET_KEY", None)
    first = create_app("development", DATA_DIR=tmp_path, SEARCH_INDEX_DIR=search_index_dir)
    second = create_app("development", DATA_DIR=tmp_path, SEARCH_INDEX_DIR=search_index_dir)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").exists()


def test_the_api_answers_in_utf8_json_not_unicode_escapes(client):
    response = client.get("/api/v1/search", query_string={"q": "退款"})
    body = response.get_data()
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "退款".encode() in body and b"\\u" not in body
    assert response.get_json()["query"] == "退款"
