"""POST /api/v1/complaints and the categories resource."""
import io
import threading

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.serving import make_server

from app.complaints.models import Complaint, Evidence
from app.extensions import db

PAYLOAD = {
    "category": "topup_not_arrived",
    "description": "话费充值 100 元两个小时了还没到账，订单显示成功。",
    "details": {"order_number": "KM202611201234567891", "purchase_time": "2026-11-26 10:00",
                "topup_account": "13800138000"},
    "contact_email": "a@example.com",
    "consent_privacy": True,
}


def test_create_complaint_contract(client):
    response = client.post("/api/v1/complaints", json=PAYLOAD)
    assert response.status_code == 201
    data = response.get_json()
    assert set(data) == {"reference", "access_code", "status", "first_response_due", "suggested_articles"}
    assert data["status"] == "received" and "recharge-not-arrived" in data["suggested_articles"]


def test_invalid_payload_lists_errors_by_field(client):
    response = client.post("/api/v1/complaints", json={**PAYLOAD, "contact_email": "x", "details": {}})
    assert response.status_code == 400
    errors = response.get_json()["error"]["fields"]
    assert {"contact_email", "order_number", "purchase_time", "topup_account"} <= set(errors)


def test_privacy_consent_is_required(client):
    response = client.post("/api/v1/complaints", json={**PAYLOAD, "consent_privacy": False})
    assert response.status_code == 400 and "consent_privacy" in response.get_json()["error"]["fields"]


def test_non_json_body_is_a_400(client):
    assert client.post("/api/v1/complaints", data="nope", content_type="text/plain").status_code == 400


def test_multipart_with_evidence(client, app):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "JPEG")
    buffer.seek(0)
    form = {k: v for k, v in PAYLOAD.items() if k != "details"}
    form.update(details='{"order_number": "KM202611201234567891", "purchase_time": "2026-11-26 10:00", '
                        '"topup_account": "13800138000"}', consent_privacy="true", evidence=(buffer, "付款截图.jpg"))
    response = client.post("/api/v1/complaints", data=form, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        assert db.session.scalar(sa.select(Evidence.original_name)) == "付款截图.jpg"


def test_idempotency_key_returns_the_same_complaint(client, app):
    headers = {"Idempotency-Key": "abc-123"}
    first = client.post("/api/v1/complaints", json=PAYLOAD, headers=headers)
    second = client.post("/api/v1/complaints", json=PAYLOAD, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.get_json()["reference"] == second.get_json()["reference"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1


def test_categories_contract(client):
    categories = client.get("/api/v1/complaints/categories").get_json()["categories"]
    refund = next(c for c in categories if c["id"] == "refund")
    assert set(refund) == {"id", "name", "name_en", "required", "optional"}
    assert "order_number" in refund["required"]


def test_intake_is_rate_limited_per_client(app):
    client = app.test_client()
    statuses = [client.post("/api/v1/complaints", json={}).status_code for _ in range(7)]
    assert statuses[-1] == 429


def test_database_failure_leaves_no_orphan_files(client, app, monkeypatch):
    from app.complaints import services

    def broken_commit():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(services.db.session, "commit", broken_commit)
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "PNG")
    buffer.seek(0)
    form = {"category": "other", "description": PAYLOAD["description"], "contact_email": "a@example.com",
            "consent_privacy": "true", "evidence": (buffer, "a.png")}
    response = client.post("/api/v1/complaints", data=form, content_type="multipart/form-data")
    monkeypatch.undo()
    assert response.status_code == 503
    assert list(app.config["UPLOAD_DIR"].glob("*")) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


@pytest.mark.timeout(120)
def test_fifty_concurrent_submissions_are_each_stored_once(app, monkeypatch):
    from app.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)  # what RATELIMIT_ENABLED=false does for load tests
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    results = []

    def submit(index):
        import http.client
        import json

        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
        body = json.dumps({**PAYLOAD, "contact_email": f"user{index}@example.com",
                           "details": {**PAYLOAD["details"], "order_number": f"KM2026112012345{index:05d}"}})
        connection.request("POST", "/api/v1/complaints", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        results.append((response.status, json.loads(response.read())))

    workers = [threading.Thread(target=submit, args=(i,)) for i in range(50)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    server.shutdown()
    assert [status for status, _ in results] == [201] * 50
    references = {body["reference"] for _, body in results}
    with app.app_context():
        stored = set(db.session.scalars(sa.select(Complaint.reference)))
    assert len(references) == 50 and stored == references


def test_a_lost_idempotency_race_returns_the_winner(app, monkeypatch):
    from app.complaints import services

    with app.app_context():
        winner, _ = services.create_complaint({**PAYLOAD, "details": {}}, idempotency_key="race-1")
        winner_reference = winner.reference
        # Simulate the loser having checked for the key just before the winner committed.
        real_scalar = services.db.session.scalar
        calls = {"n": 0}

        def first_check_misses(statement):
            calls["n"] += 1
            return None if calls["n"] == 1 else real_scalar(statement)

        monkeypatch.setattr(services.db.session, "scalar", first_check_misses)
        loser, code = services.create_complaint({**PAYLOAD, "details": {}}, idempotency_key="race-1")
        monkeypatch.undo()
        assert loser.reference == winner_reference and code is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1


def test_an_empty_payload_lists_every_missing_field(client):
    errors = client.post("/api/v1/complaints", json={}).get_json()["error"]["fields"]
    assert {"category", "description", "contact_email", "consent_privacy"} <= set(errors)


def test_the_api_refuses_a_notification_channel_the_deployment_cannot_deliver(client, app):
    app.config["NOTIFY_CHANNELS"] = ("email",)
    phone_only = {**PAYLOAD, "contact_email": None, "contact_phone": "13800138000"}  # notify_via defaults to sms
    for payload in (phone_only, {**PAYLOAD, "notify_via": "sms", "contact_phone": "13800138000"}):
        response = client.post("/api/v1/complaints", json=payload)
        assert response.status_code == 400 and "短信" in response.get_json()["error"]["fields"]["notify_via"]
    assert client.post("/api/v1/complaints", json={**PAYLOAD, "notify_via": "email"}).status_code == 201
