"""GET /api/v1/complaints/<reference> and POST .../messages: the tracking contract."""
import io

import pytest
from PIL import Image

from app.complaints import reference as refs, services
from app.complaints.models import AccessLockout, EventKind
from app.extensions import db
from tests.factories import file_complaint, staff_act

WRONG_CODE = "ZZZZZ-ZZZZZ"
PUBLIC_KEYS = {"reference", "status", "created_at", "updated_at"}
PRIVATE_KEYS = {"reference", "status", "category", "created_at", "first_response_due", "resolution_due", "overdue",
                "timeline", "messages"}


@pytest.fixture
def filed(app):
    return file_complaint(app)


def url(reference, messages=False):
    return f"/api/v1/complaints/{reference}" + ("/messages" if messages else "")


def png():
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(output, "PNG")
    return io.BytesIO(output.getvalue()), "截图.png"


def test_with_the_code_the_owner_gets_timeline_and_messages(client, app, filed):
    reference, code = filed
    staff_act(app, reference, "request_info", "客服小李", body="请上传支付截图")
    response = client.get(url(reference), headers={"X-Access-Code": code.lower()})
    body = response.get_json()
    assert response.status_code == 200 and PRIVATE_KEYS <= body.keys()
    assert response.headers["Cache-Control"] == "private, no-store"
    assert [(step["status"], step["note"]) for step in body["timeline"]] == [("received", None),
                                                                             ("awaiting_user", None)]
    assert all(step.keys() == {"at", "status", "note"} for step in body["timeline"])
    assert body["messages"][0]["body"] == "请上传支付截图" and body["messages"][0]["kind"] == EventKind.STAFF_REQUEST
    assert body["overdue"] is False and body["category"] == "topup_not_arrived"
    assert "contact_email" not in body and "description" not in body


@pytest.mark.parametrize("headers", [{}, {"X-Access-Code": WRONG_CODE}, {"X-Access-Code": "not a code"}])
def test_without_a_valid_code_only_status_and_dates(client, filed, headers):
    reference, _ = filed
    body = client.get(url(reference), headers=headers).get_json()
    assert body.keys() == PUBLIC_KEYS and body["status"] == "received"


@pytest.mark.parametrize("reference", [refs.new_reference(), "TS-1234", "x" * 200])
@pytest.mark.parametrize("headers", [{}, {"X-Access-Code": WRONG_CODE}])
def test_unknown_or_malformed_reference_is_404(client, reference, headers):
    response = client.get(url(reference), headers=headers)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == 404


def test_the_reference_is_forgiven_like_on_the_web(client, filed):
    reference, _ = filed
    assert client.get(url(reference.lower().replace("-", ""))).get_json()["reference"] == reference


def test_five_wrong_codes_lock_even_without_rate_limits(client, app, filed):
    app.config["RATELIMIT_ENABLED"] = False
    reference, code = filed
    for _ in range(5):
        client.get(url(reference), headers={"X-Access-Code": WRONG_CODE})
    response = client.get(url(reference), headers={"X-Access-Code": code})
    assert response.status_code == 429 and "locked_until" in response.get_json()["error"]
    assert int(response.headers["Retry-After"]) > 14 * 60
    posted = client.post(url(reference, messages=True), json={"body": "hi"}, headers={"X-Access-Code": code})
    assert posted.status_code == 429


def test_status_lookups_are_rate_limited(app):
    app.config["RATELIMIT_ENABLED"] = True
    client = app.test_client()
    statuses = [client.get(url(refs.new_reference())).status_code for _ in range(21)]
    assert statuses[:20] == [404] * 20 and statuses[-1] == 429
    assert client.get(url(refs.new_reference())).is_json


def test_post_a_message_answers_the_staff_question(client, app, filed):
    reference, code = filed
    staff_act(app, reference, "request_info", "客服小李", body="请上传支付截图")
    response = client.post(url(reference, messages=True), json={"body": "  已经在处理了  "},
                           headers={"X-Access-Code": code})
    body = response.get_json()
    assert response.status_code == 201 and body["status"] == "in_review"
    assert body["messages"][-1] == {**body["messages"][-1], "from": "user", "body": "已经在处理了"}


def test_post_evidence_as_multipart(client, app, filed):
    reference, code = filed
    response = client.post(url(reference, messages=True), data={"evidence": [png()], "evidence_kind": "payment_record"},
                           headers={"X-Access-Code": code}, content_type="multipart/form-data")
    assert response.status_code == 201 and response.get_json()["evidence"][0]["name"] == "截图.png"
    with app.app_context():
        assert services.find_by_reference(reference).evidence[0].kind == "payment_record"


@pytest.mark.parametrize("payload", [{"json": {"body": "  "}}, {"json": {}},
                                     {"data": {"body": ""}, "content_type": "multipart/form-data"}])
def test_post_without_body_or_files_is_400(client, filed, payload):
    reference, code = filed
    response = client.post(url(reference, messages=True), headers={"X-Access-Code": code}, **payload)
    assert response.status_code == 400 and "body" in response.get_json()["error"]["fields"]


def test_post_a_refused_file_is_400_and_keeps_nothing(client, app, filed):
    reference, code = filed
    fake = (io.BytesIO(b"<html></html>"), "photo.jpg")
    response = client.post(url(reference, messages=True), data={"body": "看附件", "evidence": [fake]},
                           headers={"X-Access-Code": code}, content_type="multipart/form-data")
    assert response.status_code == 400 and "evidence" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert services.find_by_reference(reference).events[-1].kind == EventKind.STATUS
    assert list(app.config["UPLOAD_DIR"].glob("*")) == []


def test_post_with_a_non_object_is_400(client, filed):
    reference, code = filed
    response = client.post(url(reference, messages=True), data="nope", content_type="text/plain",
                           headers={"X-Access-Code": code})
    assert response.status_code == 400


def test_post_with_a_wrong_code_answers_like_an_unknown_reference(client, filed):
    reference, _ = filed
    wrong = client.post(url(reference, messages=True), json={"body": "hi"}, headers={"X-Access-Code": WRONG_CODE})
    unknown = client.post(url(refs.new_reference(), messages=True), json={"body": "hi"},
                          headers={"X-Access-Code": WRONG_CODE})
    missing = client.post(url(reference, messages=True), json={"body": "hi"})
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert wrong.get_json() == unknown.get_json() == missing.get_json()


def test_post_to_a_closed_complaint_is_409(client, app, filed):
    reference, code = filed
    staff_act(app, reference, "reject", "客服小李", body="经核实不符合退款条件")
    response = client.post(url(reference, messages=True), data={"body": "还有", "evidence": [png()]},
                           headers={"X-Access-Code": code}, content_type="multipart/form-data")
    assert response.status_code == 409
    assert list(app.config["UPLOAD_DIR"].glob("*")) == []


def test_successful_code_clears_earlier_failures(client, app, filed):
    reference, code = filed
    for _ in range(4):
        client.get(url(reference), headers={"X-Access-Code": WRONG_CODE})
    assert client.get(url(reference), headers={"X-Access-Code": code}).status_code == 200
    client.get(url(reference), headers={"X-Access-Code": WRONG_CODE})
    assert client.get(url(reference), headers={"X-Access-Code": code}).status_code == 200
    with app.app_context():
        assert db.session.get(AccessLockout, reference) is None
