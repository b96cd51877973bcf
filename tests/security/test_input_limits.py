"""Overlong, malformed and wrongly typed input: always a clean 4xx (or the form again) with a message, never a 500."""
import io

import pytest

from tests.factories import VALID_COMPLAINT, file_complaint
from tests.security.helpers import post_action, text

VALID = {**VALID_COMPLAINT, "consent_privacy": True}


def api_post(client, payload=None, **kwargs):
    return client.post("/api/v1/complaints", json=payload, **kwargs) if payload is not None else \
        client.post("/api/v1/complaints", **kwargs)


def api_errors(response):
    assert response.status_code == 400 and response.mimetype == "application/json"
    error = response.get_json()["error"]
    return error.get("fields") or error


# ------------------------------------------------------------------ overlong fields

def test_overlong_description_is_refused_in_the_web_form(client):
    page = text(client.post("/complaints/new", data={"category": "card_code_invalid", "description": "长" * 3001}))
    assert "描述最多 3000 个字" in page


def test_overlong_description_is_refused_by_the_api(client):
    assert "description" in api_errors(api_post(client, {**VALID, "description": "长" * 3001}))


@pytest.mark.parametrize("size", [201, 10_000, 100_000])
def test_overlong_search_is_refused_with_a_message(client, size):
    response = client.get("/search", query_string={"q": "退" * size})
    assert response.status_code == 200 and "搜索内容不能超过 200 个字" in text(response)


def test_overlong_search_is_refused_by_the_api(client):
    assert api_errors(client.get("/api/v1/search", query_string={"q": "x" * 201}))["code"] == 400


@pytest.mark.parametrize("size", [201, 100_000])
def test_huge_verify_value_is_refused_with_a_message(client, size):
    response = client.get("/contact/verify", query_string={"value": "1" * size})
    assert response.status_code == 200 and "太长了：最多 200 个字符" in text(response)
    assert client.get("/api/v1/channels/verify", query_string={"value": "1" * size}).status_code == 400


def test_overlong_follow_up_message_is_refused(client, owner):
    reference, _ = owner
    assert post_action(client, reference, "message", body="长" * 3001).status_code == 200
    response = client.post(f"/api/v1/complaints/{reference}/messages", json={"body": "长" * 3001},
                           headers={"X-Access-Code": owner[1]})
    assert "body" in api_errors(response)


def test_overlong_withdraw_reason_is_refused_and_nothing_changes(client, owner):
    reference, _ = owner
    assert post_action(client, reference, "withdraw", withdraw_reason="长" * 1001).status_code == 200
    assert "撤回原因" in text(client.get(f"/track/{reference}"))


@pytest.mark.parametrize("score", ["<script>", "99", "-1", "1e9", "", "１"])
def test_hostile_rating_scores_are_refused_without_error(client, owner, score):
    reference, _ = owner
    assert post_action(client, reference, "rate", score=score).status_code in (200, 302)


# ------------------------------------------------------------------ JSON bodies

@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000],
                         ids=["array", "object"])
def test_deeply_nested_json_is_refused_with_400(client, body):
    response = client.post("/api/v1/complaints", data=body, content_type="application/json")
    assert response.status_code == 400


def test_nested_json_inside_details_is_refused_with_400(client):
    response = api_post(client, {**VALID, "details": {"order_number": [[[[{"a": [1]}]]]] * 100}})
    assert "order_number" in api_errors(response)


def test_a_body_over_the_size_limit_is_refused_with_413_json(client):
    response = client.post("/api/v1/complaints", data=b" " * (31 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413 and response.mimetype == "application/json"


@pytest.mark.parametrize("body, content_type", [
    (b"\xff\xfe\x00{", "application/json"), (b"{'single': 'quotes'}", "application/json"),
    (b"", "application/json"), (b"null", "application/json"), (b"[1, 2]", "application/json"),
    (b'"just a string"', "application/json"), (b"<xml/>", "application/xml"), (b"a=b", "text/plain"),
])
def test_unreadable_bodies_are_refused_with_400(client, body, content_type):
    assert api_errors(client.post("/api/v1/complaints", data=body, content_type=content_type))["code"] == 400


@pytest.mark.parametrize("details", [["order_number"], "KM202611201234567890", 42, None, True])
def test_details_of_the_wrong_type_are_refused(client, details):
    assert api_errors(api_post(client, {**VALID, "details": details})) == {"details": "details must be an object"}


@pytest.mark.parametrize("consent", ["yes", "no", "false", 0, None, [True], {"value": True}])
def test_consent_must_be_true(client, consent):
    assert "consent_privacy" in api_errors(api_post(client, {**VALID, "consent_privacy": consent}))


@pytest.mark.parametrize("field, value", [("notify_via", ["email"]), ("notify_via", {"a": 1}),
                                          ("contact_email", {"a": 1}), ("contact_phone", [138]),
                                          ("details", {"order_number": {"$ne": None}})])
def test_wrongly_typed_fields_are_refused(client, field, value):
    assert api_post(client, {**VALID, field: value}).status_code == 400


@pytest.mark.parametrize("category", [["topup_not_arrived"], {"id": "topup_not_arrived"}], ids=["list", "object"])
def test_category_of_the_wrong_type_is_refused(client, category):
    assert "category" in api_errors(api_post(client, {**VALID, "category": category}))


@pytest.mark.parametrize("payload", [{**VALID, "description": 12345678901234},
                                     {**VALID, "details": {**VALID["details"], "topup_account": ["13800138000"]}}],
                         ids=["number-description", "list-detail"])
def test_non_string_text_fields_are_refused(client, payload):
    assert api_post(client, payload).status_code == 400


def test_overlong_idempotency_key_is_refused(client):
    assert api_post(client, VALID, headers={"Idempotency-Key": "k" * 201}).status_code == 400


def test_long_idempotency_key_is_stored_hashed_and_works(client):
    first = api_post(client, VALID, headers={"Idempotency-Key": "k" * 200})
    again = api_post(client, VALID, headers={"Idempotency-Key": "k" * 200})
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["reference"] == again.get_json()["reference"]


def test_messages_api_refuses_a_non_string_body(app, client):
    reference, code = file_complaint(app)
    for body in ({"body": ["x"]}, {"body": {"x": 1}}, {"body": 5}, ["body"]):
        response = client.post(f"/api/v1/complaints/{reference}/messages", json=body, headers={"X-Access-Code": code})
        assert response.status_code == 400


# ------------------------------------------------------------------ null bytes, bad UTF-8, odd parameters

@pytest.mark.parametrize("path", [
    "/search?q=%FF%FE%FD", "/search?q=%C0%AF", "/search?q=%00%00", "/track?reference=%FF%00",
    "/contact/verify?value=%ED%A0%80", "/contact/verify?value=%00", "/api/v1/search?q=%FF",
    "/api/v1/channels/verify?value=%C3%28", "/api/v1/complaints/TS-%FF%FE", "/lang/en?next=%FF%00",
    "/search?q=退款&page=99999999999999999999", "/search?q=退款&page=-1", "/api/v1/search?q=a&limit=1e999",
    "/api/v1/channels?at=%00", "/api/v1/channels?at=0001-01-01T00:00:00-14:00", "/api/v1/channels?at=not-a-date",
])
def test_malformed_query_strings_never_cause_a_500(client, path):
    assert client.get(path).status_code < 500


def test_a_date_at_the_end_of_time_is_refused_with_400(client):
    assert client.get("/api/v1/channels", query_string={"at": "9999-12-31T23:59:59+14:00"}).status_code == 400


@pytest.mark.parametrize("form", [{"reference": "\x00" * 30, "access_code": "\x00"},
                                  {"reference": "TS-\ufffd\ufeff", "access_code": "\u202e" * 10},
                                  {"reference": "x" * 100_000, "access_code": "y" * 100_000}])
def test_hostile_lookups_are_answered_on_the_form(client, form):
    response = client.post("/track", data=form)
    assert response.status_code == 200 and "投诉编号" in text(response)


def test_null_bytes_in_a_description_never_cause_a_500(client):
    # SQLite stores NUL; PostgreSQL refuses it in text and JSON columns, so run this suite there too.
    description = "卡密\x00提示已被使用\x00，刚提取就用不了"
    assert client.post("/complaints/new", data={"category": "card_code_invalid", "description": description}
                       ).status_code < 500
    assert api_post(client, {**VALID, "description": description}).status_code < 500


@pytest.mark.parametrize("name", ["\x00.png", "\u0000\u0001\u0002", "." * 300, "a" * 5000 + ".png", "CON.png", ""])
def test_odd_file_names_never_cause_a_500(app, client, owner, name):
    reference, _ = owner
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert post_action(client, reference, "message", body="附件", files=[(upload, name)]).status_code < 500


def test_nul_in_a_follow_up_message_never_reaches_the_database(app, client):
    reference, code = file_complaint(app)
    client.post("/track", data={"reference": reference, "access_code": code})
    assert client.post(f"/track/{reference}/message", data={"body": "补充\x00说明"}).status_code == 302
    assert "补充说明" in text(client.get(f"/track/{reference}"))
    response = client.post(f"/api/v1/complaints/{reference}/messages", json={"body": "补充\u0000说明"},
                           headers={"X-Access-Code": code})
    assert response.status_code == 400 and response.is_json
