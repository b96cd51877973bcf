"""Anonymous clients cannot fill the disk: drafts only when something is saved, limits on drafts and upload bytes
per client and for all clients, a quota for files on unsubmitted drafts (idle drafts purged oldest first), and a
free-space reserve below which uploads answer 503."""
import datetime as dt
import json

import pytest
import sqlalchemy as sa

from app.complaints.models import ComplaintDraft
from app.extensions import db
from tests.factories import VALID_COMPLAINT
from tests.security.helpers import png_bytes, png_upload, stored, text

DESCRIBE = {"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"}
API_FORM = {**VALID_COMPLAINT, "details": json.dumps(VALID_COMPLAINT["details"]), "consent_privacy": "true"}
DETAILS = {"order_number": "KM202611201234567890", "purchase_time": "2026-11-20 14:30", "evidence_kind": "other"}


def describe(client):
    return client.post("/complaints/new", data=DESCRIBE)


def upload(client, *names, **fields):
    data = {**DETAILS, **fields, "action": "upload", "files": [png_upload(name) for name in names]}
    return client.post("/complaints/new/details", data=data, content_type="multipart/form-data")


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def age_drafts(app, hours):
    with app.app_context():
        for draft in db.session.scalars(sa.select(ComplaintDraft)):
            draft.updated_at = draft.updated_at - dt.timedelta(hours=hours)
        db.session.commit()


# ------------------------------------------------------------------ drafts exist once something is saved

def test_opening_the_form_without_a_cookie_stores_nothing(app):
    for _ in range(5):
        assert app.test_client().get("/complaints/new").status_code == 200
    assert stored(app)["complaint_draft"] == 0


def test_a_draft_is_created_by_the_first_save_and_reused_after(app, client):
    client.get("/complaints/new")
    assert describe(client).status_code == 302
    assert describe(client).status_code == 302
    assert stored(app)["complaint_draft"] == 1
    assert "卡密提示已被使用" in text(client.get("/complaints/new"))


def test_a_submitted_draft_is_not_reused_for_the_next_complaint(app, client):
    from tests.security.helpers import submit_on_the_web

    submit_on_the_web(client)
    assert describe(client).status_code == 302
    assert stored(app)["complaint_draft"] == 2 and stored(app)["complaint"] == 1


# ------------------------------------------------------------------ limits per client and for all clients

def test_drafts_per_client_are_limited(app):
    app.config["INTAKE_DRAFT_LIMIT"] = "3 per hour"
    responses = [describe(app.test_client()).status_code for _ in range(5)]
    assert responses == [302, 302, 302, 429, 429]
    assert stored(app)["complaint_draft"] == 3


def test_a_describe_form_with_errors_does_not_use_the_draft_allowance(app, client):
    app.config["INTAKE_DRAFT_LIMIT"] = "1 per hour"
    for _ in range(3):
        assert client.post("/complaints/new", data={"description": "短"}).status_code == 200
    assert describe(client).status_code == 302


def test_drafts_of_all_clients_together_are_limited(app):
    app.config["INTAKE_DRAFT_LIMIT_ALL_CLIENTS"] = "2 per hour"
    responses = [describe(from_address(app, f"203.0.113.{i}")).status_code for i in range(1, 5)]
    assert responses == [302, 302, 429, 429]


def test_upload_megabytes_per_client_are_limited_across_web_and_api(app, client):
    app.config["UPLOAD_MB_LIMIT"] = "2 per hour"  # each small upload counts as 1 started MB
    describe(client)
    assert upload(client, "1.png").status_code == 200
    assert upload(client, "2.png").status_code == 200
    assert upload(client, "3.png").status_code == 429
    response = client.post("/api/v1/complaints", data={"evidence": [png_upload()]}, content_type="multipart/form-data")
    assert response.status_code == 429 and response.is_json
    assert stored(app)["files"] == 2


def test_posts_without_files_do_not_use_the_upload_allowance(app, client):
    app.config["UPLOAD_MB_LIMIT"] = "1 per hour"
    describe(client)
    for _ in range(3):
        assert client.post("/complaints/new/details", data={**DETAILS, "action": "upload"}).status_code == 200
    assert upload(client, "1.png").status_code == 200


def test_upload_megabytes_of_all_clients_together_are_limited(app):
    app.config["UPLOAD_MB_LIMIT_ALL_CLIENTS"] = "2 per hour"
    statuses = []
    for i in range(1, 4):
        client = from_address(app, f"198.51.100.{i}")
        describe(client)
        statuses.append(upload(client, f"{i}.png").status_code)
    assert statuses == [200, 200, 429]
    assert stored(app)["files"] == 2


# ------------------------------------------------------------------ quota for files on unsubmitted drafts

def test_idle_drafts_are_purged_oldest_first_to_make_room(app):
    one_file = len(png_bytes())
    app.config["DRAFT_UPLOAD_QUOTA_MB"] = 2.5 * one_file / 2**20
    oldest, older, current = (from_address(app, f"192.0.2.{i}") for i in (1, 2, 3))
    describe(oldest), upload(oldest, "oldest.png")
    age_drafts(app, 3)
    describe(older), upload(older, "older.png")
    age_drafts(app, 2)
    describe(current)
    assert upload(current, "new.png").status_code == 200
    assert stored(app)["files"] == 2 and stored(app)["evidence"] == 2
    assert "oldest.png" not in text(oldest.get("/complaints/new/details"))  # that draft is gone
    assert "older.png" in text(older.get("/complaints/new/details"))


def test_when_only_active_drafts_hold_files_the_upload_is_refused_with_503(app):
    app.config["DRAFT_UPLOAD_QUOTA_MB"] = 1.5 * len(png_bytes()) / 2**20
    first, second = from_address(app, "192.0.2.1"), from_address(app, "192.0.2.2")
    describe(first), upload(first, "first.png")
    describe(second)
    response = upload(second, "second.png", order_number="KM202611209999999999")
    assert response.status_code == 503
    assert 'value="KM202611209999999999"' in text(response)  # what was typed is kept, on the page and the draft
    assert "KM202611209999999999" in text(second.get("/complaints/new/details"))
    assert stored(app)["files"] == 1 and stored(app)["evidence"] == 1


# ------------------------------------------------------------------ free-space reserve

def test_uploads_answer_503_before_the_disk_is_full_and_text_still_works(app, client):
    app.config["STORAGE_MIN_FREE_MB"] = 10**12  # more than any disk has free
    describe(client)
    response = upload(client, "1.png", order_number="KM202611208888888888")
    assert response.status_code == 503 and "KM202611208888888888" in text(response)
    assert stored(app)["files"] == 0 and stored(app)["evidence"] == 0
    api = client.post("/api/v1/complaints", data={**API_FORM, "evidence": [png_upload()]},
                      content_type="multipart/form-data")
    assert api.status_code == 503 and api.is_json and api.headers["Retry-After"]
    assert stored(app)["files"] == 0 and stored(app)["complaint"] == 0
    assert client.post("/complaints/new/details", data={**DETAILS, "action": "next"}).status_code == 302


@pytest.mark.parametrize("setting", ["DRAFT_UPLOAD_QUOTA_MB", "STORAGE_MIN_FREE_MB", "UPLOAD_MB_LIMIT",
                                     "UPLOAD_MB_LIMIT_ALL_CLIENTS", "INTAKE_DRAFT_LIMIT",
                                     "INTAKE_DRAFT_LIMIT_ALL_CLIENTS", "DEFLECT_LIMIT"])
def test_every_limit_is_configured(app, setting):
    assert app.config[setting]
