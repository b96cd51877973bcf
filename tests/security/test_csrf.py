"""CSRF: with the token enforced, every state-changing HTML form refuses a post without it; the API needs none."""
import re

import pytest

from tests.factories import VALID_COMPLAINT, file_complaint, staff_act
from tests.security.helpers import load, text

TRACKING_ACTIONS = [
    ("message", {"body": "伪造的补充"}),
    ("withdraw", {"withdraw_reason": "伪造的撤回"}),
    ("rate", {"score": "1", "comment": "伪造的差评"}),
    ("reopen", {"reopen_reason": "伪造的重新打开"}),
]
FORM_POSTS = [
    ("/complaints/new", {"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"}),
    ("/complaints/new/details", {"order_number": "KM202611201234567890", "action": "next"}),
    ("/complaints/new/contact", {"contact_email": "user@example.com", "notify_via": "email", "consent_privacy": "y"}),
    ("/complaints/new/submit", {}),
    ("/complaints/new/deflect", {"article": "card-code-invalid"}),
    ("/complaints/new/evidence/1/delete", {}),
    ("/complaints/submitted/email", {}),
    ("/help/faq/card-code-invalid/feedback", {"helpful": "no", "comment": "伪造的反馈"}),
    ("/track", {"reference": "TS-7K3M-9QXA-4HRT-C2V", "access_code": "7K3M9-QXA4H"}),
    ("/track/forget", {}),
    ("/track/lost", {"contact": "user@example.com"}),
]


def csrf_token(page):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def verified(csrf_app, csrf_client):
    """A resolved complaint this browser already opened (as if the code had been entered)."""
    reference, _ = file_complaint(csrf_app)
    staff_act(csrf_app, reference, "resolve", "客服小李", outcome="replacement", body="已补发")
    with csrf_client.session_transaction() as session:
        session["tracking_verified"] = [reference]
    return reference


@pytest.mark.parametrize("path, data", FORM_POSTS, ids=[path for path, _ in FORM_POSTS])
def test_form_post_without_a_csrf_token_is_refused(csrf_client, path, data):
    response = csrf_client.post(path, data=data)
    assert response.status_code == 400
    assert "请求有误" in text(response)


@pytest.mark.parametrize("action, data", TRACKING_ACTIONS, ids=[action for action, _ in TRACKING_ACTIONS])
def test_tracking_action_without_a_csrf_token_is_refused_and_changes_nothing(csrf_app, csrf_client, verified,
                                                                              action, data):
    before = load(csrf_app, verified)
    assert csrf_client.post(f"/track/{verified}/{action}", data=data).status_code == 400
    assert load(csrf_app, verified) == before


@pytest.mark.parametrize("token", ["", "not-a-token", "IjEyMyI.aaaa.bbbb"])
def test_a_forged_csrf_token_is_refused(csrf_app, csrf_client, verified, token):
    before = load(csrf_app, verified)
    response = csrf_client.post(f"/track/{verified}/withdraw", data={"withdraw_reason": "伪造", "csrf_token": token})
    assert response.status_code == 400
    assert load(csrf_app, verified) == before


def test_a_token_from_another_browser_is_refused(csrf_app, csrf_client, verified):
    attacker = csrf_app.test_client()
    token = csrf_token(text(attacker.get("/track")))
    response = csrf_client.post(f"/track/{verified}/withdraw", data={"withdraw_reason": "伪造", "csrf_token": token})
    assert response.status_code == 400


def test_the_forget_form_without_a_token_keeps_the_device_signed_in(csrf_client, verified):
    csrf_client.post("/track/forget")
    with csrf_client.session_transaction() as session:
        assert session["tracking_verified"] == [verified]


def test_a_form_post_with_the_pages_token_is_accepted(csrf_app, csrf_client):
    reference, code = file_complaint(csrf_app)
    token = csrf_token(text(csrf_client.get("/track")))
    response = csrf_client.post("/track", data={"reference": reference, "access_code": code, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/track/{reference}"


def test_get_forms_search_and_verify_need_no_token(csrf_client):
    assert csrf_client.get("/search?q=退款").status_code == 200
    assert csrf_client.get("/contact/verify?value=10086").status_code == 200


# The JSON API is exempt from CSRF by design. Filing needs no ambient authority (anyone may file), and changing
# a complaint needs the X-Access-Code header, which a cross-site form cannot send.

def test_api_files_a_complaint_from_json_without_a_token(csrf_client):
    assert csrf_client.post("/api/v1/complaints", json={**VALID_COMPLAINT, "consent_privacy": True}).status_code == 201


def test_api_refuses_a_url_encoded_form_post(csrf_client):
    response = csrf_client.post("/api/v1/complaints", data={**VALID_COMPLAINT, "details": "{}", "consent_privacy": "on"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "send a JSON object or multipart/form-data"


def test_api_change_from_a_cross_site_form_with_the_owners_cookies_is_refused(csrf_app, csrf_client, verified):
    before = load(csrf_app, verified)
    response = csrf_client.post(f"/api/v1/complaints/{verified}/messages", data={"body": "跨站伪造"},
                                content_type="multipart/form-data")
    assert response.status_code == 404
    assert load(csrf_app, verified) == before
