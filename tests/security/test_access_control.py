"""Who may see and change what: the access code guards every owner view, file and action, on the web and the API."""
import io
import json
import re

import pytest

from app.complaints import reference as refs
from app.complaints.evidence import STORED_NAME, display_name
from tests.factories import VALID_COMPLAINT, file_complaint, staff_act
from tests.security.helpers import (evidence_ids, evidence_names, load, png, png_bytes, post_action, session_payload,
                                    submit_on_the_web, text, verify)

PUBLIC_FIELDS = {"reference", "status", "created_at", "updated_at"}
OWNER_FIELDS = {"reference", "status", "category", "category_name", "created_at", "updated_at",
                "first_response_due", "resolution_due", "overdue", "timeline", "messages", "evidence", "rating"}
NEVER_SHOWN = ("user@example.com", "13800138000", "KM202611201234567890", "access_code", "hash", "priority",
               "triage", "duplicate", "idempotency", "consent", "contact", "stored_name", "notify_via",
               "suggested_category", "completeness", "paused_at", "staff_name")


@pytest.fixture
def with_file(app, client, owner):
    """The owner's complaint with one uploaded file; returns (reference, code, evidence id)."""
    reference, code = owner
    post_action(client, reference, "message", body="截图", files=[png("支付截图.png")])
    return reference, code, evidence_ids(app, reference)[0]


def unknown_reference(app):
    with app.app_context():
        return refs.new_reference()


def wrong_code(right):
    while (code := refs.new_access_code()) == right:
        pass
    return code


# ------------------------------------------------------------------ evidence files

def test_evidence_download_without_the_access_code_never_sends_the_file(app, with_file):
    reference, _, evidence_id = with_file
    response = app.test_client().get(f"/track/{reference}/evidence/{evidence_id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/track/{reference}"
    assert b"PNG" not in response.data and "Content-Disposition" not in response.headers


def test_evidence_download_after_forgetting_the_device_is_refused(client, with_file):
    reference, _, evidence_id = with_file
    client.post("/track/forget")
    assert client.get(f"/track/{reference}/evidence/{evidence_id}").status_code == 302


def test_owner_downloads_their_file_as_an_attachment(client, with_file):
    reference, _, evidence_id = with_file
    response = client.get(f"/track/{reference}/evidence/{evidence_id}")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_another_complaints_evidence_id_is_not_found(app, client, with_file):
    reference, _, _ = with_file
    other, other_code = file_complaint(app, contact_email="other@example.com")
    other_client = app.test_client()
    verify(other_client, other, other_code)
    post_action(other_client, other, "message", body="别人的截图", files=[png("别人的.png")])
    assert client.get(f"/track/{reference}/evidence/{evidence_ids(app, other)[0]}").status_code == 404


def test_evidence_of_another_complaint_is_not_served_under_its_own_reference_either(app, client, with_file):
    reference, _, evidence_id = with_file
    other, other_code = file_complaint(app, contact_email="other@example.com")
    verify(client, other, other_code)
    assert client.get(f"/track/{other}/evidence/{evidence_id}").status_code == 404


@pytest.mark.parametrize("tail", ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "-1", "1.0", "0x1", "%00",
                                  "1;ls", "1%2F..%2F..%2Fsecret_key"])
def test_malformed_evidence_ids_are_not_found(client, with_file, tail):
    reference, _, _ = with_file
    assert client.get(f"/track/{reference}/evidence/{tail}").status_code == 404


def test_an_evidence_id_too_large_for_the_database_is_not_found(client, with_file):
    reference, _, _ = with_file
    assert client.get(f"/track/{reference}/evidence/{2**64}").status_code == 404


@pytest.mark.parametrize("reference", ["..%2F..%2Fetc%2Fpasswd", "TS-..", "%00", "TS-" + "A" * 500])
def test_malformed_references_are_not_found(client, reference):
    assert client.get(f"/track/{reference}").status_code == 404
    assert client.get(f"/track/{reference}/evidence/1").status_code == 404


@pytest.mark.parametrize("name", ["../../../etc/passwd.png", "..\\..\\windows\\win.ini.png", "/etc/cron.d/x.png",
                                  "C:\\Users\\me\\Desktop\\截图.png", "....//....//x.png"])
def test_path_parts_of_an_uploaded_name_are_dropped_and_the_file_gets_a_random_name(app, client, owner, name):
    reference, _ = owner
    assert post_action(client, reference, "message", body="截图", files=[png(name)]).status_code == 302
    [(original, stored)] = evidence_names(app, reference)
    assert "/" not in original and "\\" not in original and not original.startswith(".")
    assert STORED_NAME.fullmatch(stored)
    assert [p.name for p in app.config["UPLOAD_DIR"].iterdir()] == [stored]


@pytest.mark.parametrize("name", ["tab\there\x00null.png", "\x1b[31mred.png",
                                  "\u202egnp.exe.png", "\u200bzero\u2028line.png"])
def test_control_characters_are_removed_from_file_names(app, client, owner, name):
    reference, _ = owner
    assert post_action(client, reference, "message", body="截图", files=[png(name)]).status_code == 302
    [(original, _)] = evidence_names(app, reference)
    assert not re.search(r"[\x00-\x1f\x7f\u200b\u202e\u2028]", original)
    disposition = client.get(f"/track/{reference}/evidence/{evidence_ids(app, reference)[0]}").headers
    assert "\r" not in disposition["Content-Disposition"] and "\n" not in disposition["Content-Disposition"]
    assert "Set-Cookie" not in disposition


@pytest.mark.parametrize("name", ["evil\r\nSet-Cookie: x=1.png", "a\x00b\x7f.png", "\u2029\u0085x.png"])
def test_line_breaks_in_a_file_name_never_reach_the_stored_display_name(name):
    # The test client cannot send a raw CR/LF in a multipart file name, so this checks the cleaner itself.
    cleaned = display_name(name, "png")
    assert not re.search(r"[\x00-\x1f\x7f\x85\u2028\u2029]", cleaned) and cleaned.endswith(".png")


def test_another_browsers_draft_evidence_cannot_be_deleted(app, client):
    victim = app.test_client()
    victim.post("/complaints/new", data={"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"})
    victim.post("/complaints/new/details", data={"evidence_kind": "error_screen", "action": "upload",
                                                "files": [(io.BytesIO(png_bytes()), "a.png")]},
                content_type="multipart/form-data")
    client.post("/complaints/new", data={"category": "card_code_invalid", "description": "我自己的草稿，也是卡密问题"})
    for evidence_id in range(1, 4):
        client.post(f"/complaints/new/evidence/{evidence_id}/delete")
    assert "a.png" in text(victim.get("/complaints/new/details"))


# ------------------------------------------------------------------ follow-up actions

@pytest.mark.parametrize("action, data", [
    ("message", {"body": "冒充车主补充的信息"}), ("withdraw", {"withdraw_reason": "不是本人撤回"}),
    ("rate", {"score": "1", "comment": "差评"}), ("reopen", {"reopen_reason": "冒充重新打开"}),
])
def test_follow_up_actions_without_the_access_code_change_nothing(app, action, data):
    reference, _ = file_complaint(app)
    staff_act(app, reference, "resolve", "客服小李", outcome="replacement", body="已补发")
    before = load(app, reference)
    response = post_action(app.test_client(), reference, action, **data)
    assert response.status_code == 302 and response.headers["Location"] == f"/track/{reference}"
    assert load(app, reference) == before


@pytest.mark.parametrize("action, data", [("message", {"body": "串号补充"}), ("withdraw", {"withdraw_reason": "串号撤回"})])
def test_the_code_of_one_complaint_does_not_open_another(app, client, owner, action, data):
    other, _ = file_complaint(app, contact_email="other@example.com")
    before = load(app, other)
    assert post_action(client, other, action, **data).status_code == 302
    assert load(app, other) == before
    assert "问题描述" not in text(client.get(f"/track/{other}"))


def test_the_status_page_without_the_code_shows_no_personal_details(app, client):
    reference, _ = file_complaint(app)
    page = text(client.get(f"/track/{reference}"))
    assert reference in page
    for secret in ("user@example.com", "13800138000", "KM202611201234567890", VALID_COMPLAINT["description"]):
        assert secret not in page


def test_a_wrong_code_reads_the_same_for_existing_and_unknown_references(app, client):
    existing, code = file_complaint(app)
    unknown = unknown_reference(app)
    guess = wrong_code(code)
    first = client.post("/track", data={"reference": existing, "access_code": guess})
    second = client.post("/track", data={"reference": unknown, "access_code": guess})
    assert first.status_code == second.status_code == 200
    assert text(first).replace(existing, "REF") == text(second).replace(unknown, "REF")


# ------------------------------------------------------------------ API

def test_api_public_view_has_only_reference_status_and_dates(app, client):
    reference, code = file_complaint(app)
    for headers in ({}, {"X-Access-Code": wrong_code(code)}, {"X-Access-Code": "<script>"}):
        body = client.get(f"/api/v1/complaints/{reference}", headers=headers).get_json()
        assert set(body) == PUBLIC_FIELDS


def test_api_owner_view_is_allow_listed_and_has_no_contact_details(app, client):
    reference, code = file_complaint(app)
    staff_act(app, reference, "request_info", "客服小李", body="请上传截图")
    client.post(f"/api/v1/complaints/{reference}/messages", headers={"X-Access-Code": code},
                data={"body": "附件", "evidence": [(io.BytesIO(png_bytes()), "a.png")]},
                content_type="multipart/form-data")
    response = client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": code})
    body = response.get_json()
    assert set(body) == OWNER_FIELDS
    assert set(body["evidence"][0]) == {"name", "sha256", "size"}
    raw = text(response)
    for secret in NEVER_SHOWN:
        assert secret not in raw, secret


def test_api_message_with_a_wrong_code_reads_like_an_unknown_reference(app, client):
    existing, code = file_complaint(app)
    guess = wrong_code(code)
    unknown = unknown_reference(app)
    first = client.post(f"/api/v1/complaints/{existing}/messages", json={"body": "试探"}, headers={"X-Access-Code": guess})
    second = client.post(f"/api/v1/complaints/{unknown}/messages", json={"body": "试探"}, headers={"X-Access-Code": guess})
    assert first.status_code == second.status_code == 404
    assert first.get_json() == second.get_json()


def test_api_ignores_the_browser_session_and_needs_the_code_header(app, client, owner):
    """A cross-site form can post to the API with the owner's cookies, but cannot set X-Access-Code."""
    reference, _ = owner
    before = load(app, reference)
    response = client.post(f"/api/v1/complaints/{reference}/messages", data={"body": "跨站伪造的补充"},
                           content_type="multipart/form-data")
    assert response.status_code == 404
    assert load(app, reference) == before


# ------------------------------------------------------------------ the receipt on shared computers

def test_forgetting_the_device_also_hides_the_receipt_with_the_access_code(client):
    code = submit_on_the_web(client)
    client.post("/track/forget")
    assert code not in text(client.get("/complaints/submitted"))


def test_the_access_code_is_not_readable_from_the_session_cookie(client):
    code = submit_on_the_web(client)
    assert code not in json.dumps(session_payload(client))
