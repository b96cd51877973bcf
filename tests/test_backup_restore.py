"""`flask backup` / `flask restore`: a backup restored into an empty data dir finds every complaint and file."""
import hashlib
import io
import json

import pytest
import sqlalchemy as sa
from PIL import Image

from app import create_app
from app.complaints.models import Complaint, Evidence
from app.extensions import db
from tests.factories import VALID_COMPLAINT


def _png(colour):
    output = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(output, "PNG")
    return output.getvalue()


def _submit(client, colours):
    form = {**VALID_COMPLAINT, "details": json.dumps(VALID_COMPLAINT["details"]), "consent_privacy": "true",
            "evidence": [(io.BytesIO(_png(colour)), f"{colour}.png") for colour in colours]}
    response = client.post("/api/v1/complaints", data=form, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return body["reference"], body["access_code"]


@pytest.fixture
def sqlite_app(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("flask backup covers the embedded SQLite; PostgreSQL's refusal is tested below")
    return app


@pytest.fixture
def restored_app(tmp_path, search_index_dir):
    """A second portal on an empty data dir, as on a new machine."""
    app = create_app("testing", DATA_DIR=tmp_path / "new-node", SEARCH_INDEX_DIR=search_index_dir)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _stored(app):
    with app.app_context():
        complaints = set(db.session.scalars(sa.select(Complaint.reference)))
        files = {e.stored_name: e.sha256 for e in db.session.scalars(sa.select(Evidence))}
    return complaints, files


def test_a_backup_restored_into_an_empty_data_dir_finds_every_complaint_and_file(sqlite_app, client, runner,
                                                                                 restored_app, tmp_path):
    filed = [_submit(client, colours) for colours in (["red", "blue"], [], ["green"])]
    backup_dir = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(backup_dir)])
    assert result.exit_code == 0, result.output
    assert "3 complaints, 3 evidence files" in result.output

    result = restored_app.test_cli_runner().invoke(args=["restore", str(backup_dir)])
    assert result.exit_code == 0, result.output

    assert _stored(restored_app) == _stored(sqlite_app)
    _, files = _stored(restored_app)
    for stored_name, sha256 in files.items():
        path = restored_app.config["UPLOAD_DIR"] / stored_name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    restored = restored_app.test_client()
    for reference, code in filed:  # the access codes still open each complaint on the new node
        response = restored.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": code})
        assert response.status_code == 200 and response.get_json()["reference"] == reference


def test_restore_refuses_a_data_dir_that_holds_complaints_unless_forced(sqlite_app, client, runner, tmp_path):
    reference, _ = _submit(client, ["red"])
    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    later, _ = _submit(client, [])

    refused = runner.invoke(args=["restore", str(backup_dir)])
    assert refused.exit_code != 0 and "already holds data" in refused.output
    assert _stored(sqlite_app)[0] == {reference, later}

    forced = runner.invoke(args=["restore", "--force", str(backup_dir)])
    assert forced.exit_code == 0, forced.output
    assert _stored(sqlite_app)[0] == {reference}


def test_backup_refuses_a_folder_that_is_not_empty(sqlite_app, runner, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "other.txt").write_text("x")
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code != 0 and "not empty" in result.output


def test_restore_refuses_a_folder_that_is_not_a_backup(sqlite_app, runner, tmp_path):
    (tmp_path / "nothing").mkdir()
    result = runner.invoke(args=["restore", str(tmp_path / "nothing")])
    assert result.exit_code != 0 and "not a backup folder" in result.output


def test_a_restore_that_does_not_match_its_manifest_fails(sqlite_app, client, runner, restored_app, tmp_path):
    _submit(client, ["red"])
    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    next((backup_dir / "evidence").iterdir()).write_bytes(b"damaged")
    result = restored_app.test_cli_runner().invoke(args=["restore", str(backup_dir)])
    assert result.exit_code != 0 and "missing or changed" in result.output


def test_backup_on_postgresql_points_to_pg_dump(app, runner, database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code != 0 and "pg_dump" in result.output
    assert not (tmp_path / "backup").exists()
