"""Security headers on every kind of response, cookie flags, no caching of owner views, and rate limits."""
import pytest

from tests.factories import VALID_COMPLAINT, file_complaint
from tests.security.helpers import evidence_ids, png, post_action, submit_on_the_web, verify

HEADER_PATHS = [
    ("GET", "/", 200), ("GET", "/help", 200), ("GET", "/track", 200), ("GET", "/search?q=<script>", 200),
    ("GET", "/api/v1/complaints/categories", 200), ("GET", "/healthz", 200),
    ("GET", "/no-such-page", 404), ("GET", "/api/v1/no-such-resource", 404), ("GET", "/complaints/new/submit", 405),
    ("POST", "/api/v1/complaints", 400), ("GET", "/boom-for-tests", 500), ("GET", "/api/v1/boom-for-tests", 500),
]


def assert_security_headers(headers):
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("method, path, status", HEADER_PATHS, ids=[f"{m} {p}" for m, p, _ in HEADER_PATHS])
def test_every_kind_of_response_carries_the_security_headers(crashing_app, method, path, status):
    response = crashing_app.test_client().open(path, method=method)
    assert response.status_code == status
    assert_security_headers(response.headers)


@pytest.mark.parametrize("path, mimetype", [("/boom-for-tests", "text/html"), ("/api/v1/boom-for-tests",
                                                                                "application/json")])
def test_a_crash_reveals_nothing_of_the_exception(crashing_app, path, mimetype):
    response = crashing_app.test_client().get(path)
    assert response.status_code == 500 and response.mimetype == mimetype
    body = response.get_data(as_text=True)
    for leak in ("RuntimeError", "boom <script>", "boom &lt;script", "Traceback", "<script>alert"):
        assert leak not in body


def test_rate_limit_and_payload_errors_carry_the_security_headers(client):
    response = client.post("/api/v1/complaints", data=b" " * (31 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert_security_headers(response.headers)


def download(app, client, reference):
    post_action(client, reference, "message", body="截图", files=[png()])
    return client.get(f"/track/{reference}/evidence/{evidence_ids(app, reference)[0]}")


def test_evidence_downloads_carry_the_security_headers(app, client, owner):
    response = download(app, client, owner[0])
    assert response.status_code == 200
    assert_security_headers(response.headers)


# ------------------------------------------------------------------ cookies

def test_the_session_cookie_is_http_only_and_same_site_lax(app, client):
    reference, code = file_complaint(app)
    cookie = next(c for c in verify(client, reference, code).headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Domain" not in cookie


def test_the_language_cookie_is_http_only_and_same_site_lax(client):
    cookie = client.get("/lang/en?next=/").headers["Set-Cookie"]
    assert cookie.startswith("lang=en") and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_are_the_production_default():
    from config import ProductionConfig
    assert ProductionConfig.SESSION_COOKIE_SECURE is True


# ------------------------------------------------------------------ caching of owner views

def test_the_tracking_owner_page_is_not_stored(client, owner):
    reference, _ = owner
    assert "no-store" in client.get(f"/track/{reference}").headers["Cache-Control"]


def test_a_follow_up_form_shown_again_is_not_stored(client, owner):
    reference, _ = owner
    response = post_action(client, reference, "message", body="")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]


def test_the_public_status_page_is_not_stored_either(app, client):
    reference, _ = file_complaint(app)
    assert "no-store" in client.get(f"/track/{reference}").headers["Cache-Control"]


def test_api_owner_views_are_not_stored(app, client):
    reference, code = file_complaint(app)
    headers = {"X-Access-Code": code}
    assert "no-store" in client.get(f"/api/v1/complaints/{reference}", headers=headers).headers["Cache-Control"]
    response = client.post(f"/api/v1/complaints/{reference}/messages", json={"body": "补充"}, headers=headers)
    assert response.status_code == 201 and "no-store" in response.headers["Cache-Control"]


def test_evidence_downloads_are_not_stored(app, client, owner):
    cache_control = download(app, client, owner[0]).headers["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_the_api_answer_with_a_new_access_code_is_not_stored(client):
    response = client.post("/api/v1/complaints", json={**VALID_COMPLAINT, "consent_privacy": True})
    assert response.status_code == 201 and "no-store" in response.headers.get("Cache-Control", "")


def test_the_receipt_page_with_the_access_code_is_not_stored(client):
    submit_on_the_web(client)
    assert "no-store" in client.get("/complaints/submitted").headers.get("Cache-Control", "")


# ------------------------------------------------------------------ rate limits (counters are per app instance)

def assert_limited(response, mimetype):
    assert response.status_code == 429 and response.mimetype == mimetype
    assert int(response.headers["Retry-After"]) > 0
    assert_security_headers(response.headers)


def test_complaint_api_allows_five_a_minute(client):
    for _ in range(5):
        assert client.post("/api/v1/complaints", json={}).status_code == 400
    assert_limited(client.post("/api/v1/complaints", json={**VALID_COMPLAINT, "consent_privacy": True}),
                   "application/json")


def test_tracking_lookup_allows_twenty_a_minute(app, client):
    reference, code = file_complaint(app)
    for _ in range(20):
        client.post("/track", data={"reference": "TS-7K3M-9QXA-4HRT-C2V", "access_code": "7K3M9-QXA4H"})
    response = client.post("/track", data={"reference": reference, "access_code": code})
    assert_limited(response, "text/html")


def test_lost_reference_requests_allow_five_a_minute(client):
    for _ in range(5):
        client.post("/track/lost", data={"contact": "user@example.com"})
    assert_limited(client.post("/track/lost", data={"contact": "user@example.com"}), "text/html")


def test_api_code_checks_allow_twenty_a_minute(app, client):
    reference, code = file_complaint(app)
    for _ in range(20):
        client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": "7K3M9-QXA4H"})
    assert_limited(client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": code}), "application/json")


def test_api_messages_allow_twenty_a_minute(app, client):
    reference, code = file_complaint(app)
    for _ in range(20):
        client.post(f"/api/v1/complaints/{reference}/messages", json={"body": "x"}, headers={"X-Access-Code": "x"})
    response = client.post(f"/api/v1/complaints/{reference}/messages", json={"body": "x"},
                           headers={"X-Access-Code": code})
    assert_limited(response, "application/json")


def test_article_feedback_allows_ten_a_minute(client):
    for _ in range(10):
        client.post("/help/faq/card-code-invalid/feedback", data={"helpful": "yes"})
    assert_limited(client.post("/help/faq/card-code-invalid/feedback", data={"helpful": "yes"}), "text/html")
