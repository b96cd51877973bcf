"""Stored and reflected XSS, template injection and open redirects: hostile text is only ever shown as text."""
import email
import io
import json

import pytest
from markupsafe import escape

from app.notifications.outbox import deliver_pending
from tests.factories import file_complaint, staff_act
from tests.security.helpers import (DESCRIPTION_PREFIX, XSS, XSS_FILE_NAMES, assert_shown_escaped, png,
                                    post_action, text, verify)

JOURNEY_DETAILS = {"order_number": "KM202611201234567890", "purchase_time": "2026-11-20 14:30",
                   "topup_account": "13800138000"}
CONTACT = {"contact_email": "user@example.com", "notify_via": "email", "consent_privacy": "y"}


def journey_to_review(client, description=DESCRIPTION_PREFIX + "请尽快处理", files=(), **details):
    """Walk the web journey up to the review page and return that page."""
    client.post("/complaints/new", data={"category": "topup_not_arrived", "description": description})
    data = {**JOURNEY_DETAILS, **details, "evidence_kind": "payment_record"}
    if files:
        client.post("/complaints/new/details", data={**data, "files": list(files), "action": "upload"},
                    content_type="multipart/form-data")
    client.post("/complaints/new/details", data={**data, "action": "next"}, content_type="multipart/form-data")
    client.post("/complaints/new/contact", data=CONTACT)
    return client.get("/complaints/new/review")


def owner_page(app, client, **overrides):
    reference, code = file_complaint(app, **overrides)
    verify(client, reference, code)
    return reference, code


# ------------------------------------------------------------------ stored XSS

@pytest.mark.parametrize("payload", XSS)
def test_hostile_description_is_escaped_on_the_tracking_page(app, client, payload):
    reference, _ = owner_page(app, client, description=DESCRIPTION_PREFIX + payload)
    assert_shown_escaped(text(client.get(f"/track/{reference}")), payload)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_description_is_escaped_on_the_review_page(client, payload):
    response = journey_to_review(client, description=DESCRIPTION_PREFIX + payload)
    assert response.status_code == 200
    assert_shown_escaped(text(response), payload)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_description_is_escaped_in_the_describe_form_after_an_error(client, payload):
    response = client.post("/complaints/new", data={"category": "no-such-category",
                                                      "description": DESCRIPTION_PREFIX + payload})
    assert_shown_escaped(text(response), payload)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_description_does_not_break_the_suggestions_page(client, payload):
    client.post("/complaints/new", data={"category": "topup_not_arrived", "description": DESCRIPTION_PREFIX + payload})
    response = client.get("/complaints/new/suggestions")
    assert response.status_code == 200 and payload not in text(response)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_detail_is_escaped_on_the_review_page(client, payload):
    assert_shown_escaped(text(journey_to_review(client, topup_account=payload[:200])), payload[:200])


def test_full_width_brackets_folded_to_ascii_are_still_escaped(client):
    page = text(journey_to_review(client, topup_account="＜script＞alert(1)＜/script＞"))
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize("payload", XSS)
def test_hostile_follow_up_message_is_escaped_on_the_tracking_page(app, client, owner, payload):
    reference, _ = owner
    assert post_action(client, reference, "message", body=payload).status_code == 302
    assert_shown_escaped(text(client.get(f"/track/{reference}")), payload)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_follow_up_message_is_escaped_when_the_form_is_shown_again(client, owner, payload):
    reference, _ = owner
    response = post_action(client, reference, "message", body=payload + "x" * 3001)
    assert response.status_code == 200
    assert_shown_escaped(text(response), payload)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_withdraw_reason_is_escaped_in_the_timeline(client, owner, payload):
    reference, _ = owner
    assert post_action(client, reference, "withdraw", withdraw_reason=payload).status_code == 302
    assert_shown_escaped(text(client.get(f"/track/{reference}")), payload)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_rating_comment_never_appears_as_markup(app, client, owner, payload):
    reference, _ = owner
    staff_act(app, reference, "resolve", "客服小李", outcome="replacement", body="已补发")
    assert post_action(client, reference, "rate", score="1", comment=payload).status_code == 302
    assert payload not in text(client.get(f"/track/{reference}"))


@pytest.mark.parametrize("payload", XSS)
def test_hostile_reopen_reason_is_escaped_in_the_timeline(app, client, owner, payload):
    reference, _ = owner
    staff_act(app, reference, "resolve", "客服小李", outcome="replacement", body="已补发")
    assert post_action(client, reference, "reopen", reopen_reason=payload).status_code == 302
    assert_shown_escaped(text(client.get(f"/track/{reference}")), payload)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_staff_question_is_escaped_on_the_tracking_page(app, client, owner, payload):
    reference, _ = owner
    staff_act(app, reference, "request_info", "客服<b>小李</b>", body=payload)
    page = text(client.get(f"/track/{reference}"))
    assert_shown_escaped(page, payload)
    assert "<b>小李</b>" not in page


@pytest.mark.parametrize("name", XSS_FILE_NAMES)
def test_hostile_evidence_name_is_escaped_on_the_review_page(client, name):
    assert_shown_escaped(text(journey_to_review(client, files=[png(name)])), name)


@pytest.mark.parametrize("name", XSS_FILE_NAMES)
def test_hostile_evidence_name_is_escaped_on_the_receipt(client, name):
    journey_to_review(client, files=[png(name)])
    client.post("/complaints/new/submit")
    response = client.get("/complaints/submitted")
    assert response.status_code == 200
    assert_shown_escaped(text(response), name)


@pytest.mark.parametrize("name", XSS_FILE_NAMES)
def test_hostile_evidence_name_is_escaped_on_the_tracking_page(client, owner, name):
    reference, _ = owner
    assert post_action(client, reference, "message", body="截图", files=[png(name)]).status_code == 302
    assert_shown_escaped(text(client.get(f"/track/{reference}")), name)


@pytest.mark.parametrize("name", ["<script>alert(1)</script>.png", "'><svg onload=alert(1)>.txt"])
def test_name_of_a_refused_upload_is_escaped_in_the_error_message(client, owner, name):
    reference, _ = owner
    response = post_action(client, reference, "message", body="附件", files=[(io.BytesIO(b"not an image"), name)])
    assert response.status_code == 200
    assert_shown_escaped(text(response), name)


def test_template_syntax_in_user_text_is_not_evaluated(app, client):
    payload = "{{ 7*191 }} {{ config.SECRET_KEY }} {% for x in range(3) %}loop{% endfor %}"
    reference, _ = owner_page(app, client, description=DESCRIPTION_PREFIX + payload)
    page = text(client.get(f"/track/{reference}"))
    assert str(escape(payload)) in page
    assert "1337" not in page and app.config["SECRET_KEY"] not in page and "looplooploop" not in page


def test_hostile_text_in_notifications_is_sent_as_plain_text(app, client, owner):
    reference, _ = owner
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    post_action(client, reference, "withdraw", withdraw_reason=payload)
    with app.app_context():
        deliver_pending()
    messages = [email.message_from_bytes(path.read_bytes()) for path in sorted(
        (app.config["OUTBOX_DIR"] / "sent").glob("*.eml"))]
    assert messages
    for message in messages:
        assert not message.is_multipart() and message.get_content_type() == "text/plain"
    assert payload in messages[-1].get_payload(decode=True).decode()


def test_api_returns_hostile_text_as_json_data(app, client):
    payload = '<script>alert(1)</script>"><svg onload=alert(1)>'
    reference, code = file_complaint(app)
    response = client.post(f"/api/v1/complaints/{reference}/messages", json={"body": payload},
                           headers={"X-Access-Code": code})
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert payload in [m["body"] for m in json.loads(text(response))["messages"]]


# ------------------------------------------------------------------ reflected XSS

@pytest.mark.parametrize("payload", XSS)
def test_search_query_is_kept_in_the_box_escaped(client, payload):
    response = client.get("/search", query_string={"q": payload})
    assert response.status_code == 200
    assert_shown_escaped(text(response), payload)


@pytest.mark.parametrize("param", ["type", "category", "page"])
def test_other_search_parameters_are_not_reflected_as_markup(client, param):
    payload = '"><script>alert(1)</script>'
    response = client.get("/search", query_string={"q": "退款", param: payload})
    assert response.status_code == 200 and "<script>alert(1)" not in text(response)


@pytest.mark.parametrize("payload", XSS)
def test_verify_value_is_echoed_escaped(client, payload):
    response = client.get("/contact/verify", query_string={"value": payload})
    assert response.status_code == 200
    assert_shown_escaped(text(response), payload)


@pytest.mark.parametrize("payload", XSS)
def test_tracking_reference_from_the_query_is_prefilled_escaped(client, payload):
    response = client.get("/track", query_string={"reference": payload})
    assert response.status_code == 200
    page = text(response)
    assert payload not in page and "<script>alert" not in page and "<svg" not in page


@pytest.mark.parametrize("payload", XSS)
def test_tracking_lookup_echoes_a_hostile_reference_escaped(client, payload):
    response = client.post("/track", data={"reference": payload, "access_code": payload})
    assert response.status_code == 200
    page = text(response)
    assert payload not in page and "<script>alert" not in page and "<svg" not in page


@pytest.mark.parametrize("path", [
    "/<script>alert(1)</script>", "/help/faq/<img src=x onerror=alert(1)>", "/track/\"><svg onload=alert(1)>",
    "/contact/<script>alert(1)</script>", "/help/category/<script>alert(1)</script>",
])
def test_error_pages_do_not_reflect_the_path(client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = text(response)
    assert "<script>alert" not in page and "onerror=alert" not in page and "<svg" not in page


@pytest.mark.parametrize("path", ["/api/v1/channels/<script>alert(1)</script>/week",
                                  "/api/v1/articles/<img src=x onerror=alert(1)>",
                                  "/api/v1/complaints/<script>alert(1)</script>"])
def test_api_errors_echoing_input_are_json_not_html(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("request_id", ['"><script>alert(1)</script>', "a" * 65, "短的请求编号很长很长很长",
                                        "abc def ghi", "../../../etc/passwd"])
def test_hostile_request_id_is_replaced_not_echoed(client, request_id):
    echoed = client.get("/", headers={"X-Request-ID": request_id}).headers["X-Request-ID"]
    assert echoed != request_id and len(echoed) == 32 and echoed.isalnum()


# ------------------------------------------------------------------ open redirect

@pytest.mark.parametrize("target", [
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "\\/evil.example",
    "https://evil.example", "http:evil.example", "https:/\\evil.example", "HTTPS://evil.example/",
    "javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example", "\t//evil.example", " //evil.example", "/\n/evil.example", "evil.example",
    "//evil.example@kameng.example", "/\\/evil.example", "%2F%2Fevil.example",
])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("raw_query", [
    "next=%2F%2Fevil.example", "next=%2F%5Cevil.example", "next=%5C%5Cevil.example",
    "next=https%3A%2F%2Fevil.example", "next=%09%2F%2Fevil.example", "next=/%2F/evil.example",
    "next=%2f%2fevil.example%2f%2e%2e", "next=javascript%3Aalert(1)",
])
def test_language_switch_ignores_url_encoded_off_site_targets(client, raw_query):
    response = client.get(f"/lang/zh?{raw_query}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/help?q=退款", "/track", "/contact/verify?value=1"])
def test_language_switch_returns_to_local_pages(client, target):
    assert client.get("/lang/en", query_string={"next": target}).headers["Location"].startswith(target.split("?")[0])


def test_header_injection_in_next_falls_back_to_home(client):
    response = client.get("/lang/en", query_string={"next": "/\r\nSet-Cookie: pwned=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "pwned" not in " ".join(response.headers.getlist("Set-Cookie"))
