"""Health and readiness probes."""
from app import create_app


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_checks_database_evidence_storage_and_search_index(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "evidence_storage": "ok", "search_index": "ok"}


def test_readyz_is_503_naming_a_missing_search_index(tmp_path, database_url):
    app = create_app("testing", DATA_DIR=tmp_path, SQLALCHEMY_DATABASE_URI=database_url,
                     SEARCH_INDEX_DIR=tmp_path / "no-index", SEARCH_AUTO_REINDEX=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["search_index"] == "search index missing"


def test_readyz_is_503_when_the_database_is_down(tmp_path, search_index_dir):
    app = create_app("testing", DATA_DIR=tmp_path, SEARCH_INDEX_DIR=search_index_dir,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-dir/db.sqlite3")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "database unreachable"


def test_a_stale_index_keeps_the_instance_ready(tmp_path, database_url, search_index_dir):
    import shutil

    from config import BASE_DIR

    content = tmp_path / "content"
    shutil.copytree(BASE_DIR / "content", content)
    app = create_app("testing", DATA_DIR=tmp_path, SQLALCHEMY_DATABASE_URI=database_url, CONTENT_DIR=content,
                     SEARCH_INDEX_DIR=search_index_dir, SEARCH_AUTO_REINDEX=False)
    (content / "faq" / "invoice.md").write_text((content / "faq" / "invoice.md").read_text() + "\n补充一句。\n")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"]["search_index"] == "ok"
