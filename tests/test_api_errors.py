"""Every API error, whoever raises it, answers in the one JSON envelope and never in HTML."""
import io

import pytest
from flask import abort
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from app.api import schemas
from app.complaints import services
from tests.factories import VALID_COMPLAINT, file_complaint

WRONG_CODE = "AAAAA-AAAAA"


@pytest.fixture
def failing_app(app):
    """Add API routes that fail the ways only infrastructure fails."""
    @app.get("/api/v1/_test/abort/<int:code>")
    def _abort(code):
        abort(code)

    @app.get("/api/v1/_test/crash")
    def _crash():
        raise RuntimeError("secret internals")

    @app.get("/api/v1/_test/database-down")
    def _database_down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    return app


def envelope(response, status):
    """Check the one envelope and return its `error` object."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert "<html" not in response.get_data(as_text=True).lower()
    body = response.get_json()
    assert set(body) == {"error"}
    schemas.ErrorEnvelope.model_validate(body)
    assert body["error"]["code"] == status and body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("method, url, status", [
    ("get", "/api/v1/search", 400),  # q missing
    ("get", "/api/v1/stats?from=2026-13", 400),
    ("get", "/api/v1/outcomes?page=abc", 400),  # abort(400) from the shared pagination helper
    ("get", "/api/v1/no-such-resource", 404),
    ("get", "/api/v1/articles/no-such-article", 404),
    ("get", "/api/v1/channels/no-such-channel/week", 404),
    ("get", "/api/v1/complaints/TS-0000-0000-0000-000", 404),
    ("delete", "/api/v1/stats", 405),
    ("get", "/api/v1/complaints", 405),
])
def test_request_errors_use_the_envelope_without_fields(client, method, url, status):
    assert "fields" not in envelope(getattr(client, method)(url), status)


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 415, 429, 500, 503])
def test_every_aborted_status_uses_the_envelope(failing_app, code):
    error = envelope(failing_app.test_client().get(f"/api/v1/_test/abort/{code}"), code)
    assert "fields" not in error


def test_a_wrong_method_names_the_allowed_ones(client):
    response = client.delete("/api/v1/stats")
    envelope(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}


def test_an_unexpected_crash_is_a_500_envelope_without_internals(failing_app):
    response = failing_app.test_client().get("/api/v1/_test/crash")
    envelope(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)


def test_a_database_outage_is_a_503_envelope_with_retry_after(failing_app):
    response = failing_app.test_client().get("/api/v1/_test/database-down")
    envelope(response, 503)
    assert int(response.headers["Retry-After"]) > 0


def test_a_complaint_that_cannot_be_stored_is_a_503_envelope(client, monkeypatch):
    def fail(*args, **kwargs):
        raise SQLAlchemyError("disk full")

    monkeypatch.setattr(services, "create_complaint", fail)
    envelope(client.post("/api/v1/complaints", json={**VALID_COMPLAINT, "consent_privacy": True}), 503)


def test_validation_errors_name_every_field(client):
    error = envelope(client.post("/api/v1/complaints", json={}), 400)
    assert {"category", "description", "consent_privacy"} <= set(error["fields"])
    assert all(isinstance(message, str) and message for message in error["fields"].values())


def test_a_bad_query_value_is_a_field_error(client):
    error = envelope(client.get("/api/v1/channels/verify"), 400)
    assert set(error["fields"]) == {"value"}


def test_an_unreadable_body_is_a_400_envelope(client):
    response = client.post("/api/v1/complaints", data="{not json", content_type="application/json")
    assert "fields" not in envelope(response, 400)


def test_an_oversized_upload_is_a_413_envelope(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/api/v1/complaints", data={"evidence": (io.BytesIO(b"x" * 4096), "big.png")},
                           content_type="multipart/form-data")
    envelope(response, 413)


def test_a_closed_complaint_is_a_409_envelope(app, client):
    from tests.factories import staff_act

    reference, code = file_complaint(app)
    staff_act(app, reference, "resolve", outcome="explained", body="已解释")
    response = client.post(f"/api/v1/complaints/{reference}/messages", json={"body": "还有问题"},
                           headers={"X-Access-Code": code})
    envelope(response, 409)


def test_the_access_lock_is_a_429_envelope_with_its_end(app, client):
    app.config["RATELIMIT_ENABLED"] = False
    reference, code = file_complaint(app)
    for _ in range(5):
        client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": WRONG_CODE})
    error = envelope(client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": code}), 429)
    assert error["locked_until"] and "fields" not in error


def test_the_rate_limit_is_a_429_envelope(app):
    app.config["RATELIMIT_ENABLED"] = True
    client = app.test_client()
    answers = [client.get("/api/v1/complaints/TS-0000-0000-0000-000") for _ in range(21)]
    envelope(answers[-1], 429)


def test_errors_outside_the_api_stay_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
