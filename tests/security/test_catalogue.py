"""The hostile-input catalogue as data: one line per case, the request, the answer, what may be stored.

Every case also checks what holds for all of them: no 5xx, JSON under /api, nothing stored beyond what the case
allows (rows and files counted before and after), and none of the planted personal data in the logs.
Run it alone with `pytest tests/security/test_catalogue.py`; add TEST_DATABASE_URL to run it on PostgreSQL too.
"""
import io
import json
from dataclasses import dataclass, field

import pytest

from tests.factories import VALID_COMPLAINT, file_complaint, make_staff, staff_login
from tests.security.helpers import png_bytes, stored, text, verify

PLANTED_EMAIL = "planted.7f3a@example.com"
PLANTED_PHONE = "13912345678"
PLANTED_TEXT = "PLANTED-描述-充值没到账，订单已完成但一直未到账"
PLANTED = (PLANTED_EMAIL, PLANTED_PHONE, PLANTED_TEXT)
COMPLAINT = {**VALID_COMPLAINT, "contact_email": PLANTED_EMAIL, "contact_phone": PLANTED_PHONE,
             "description": PLANTED_TEXT, "consent_privacy": True}
HUGE_IDS = ["2147483648", "460000000000000001", "9223372036854775808", "1" + "0" * 30, "1" * 5000]
HUGE_PAGES = [*HUGE_IDS, "-460000000000000001", "4.6e17", "1e999"]


def short(value):
    """A readable test id for a value of thousands of digits."""
    return value if len(value) <= 40 else f"{value[:3]}…({len(value)}-digits)"
# A complaint that is filed, with stored rows of its own, so "nothing stored" compares with it in place.
FILED = ("complaint", "complaint_event")


@dataclass(frozen=True)
class Case:
    """One request of the catalogue. `{ref}` and `{code}` stand for a filed complaint and its access code."""

    method: str
    path: str
    status: int
    who: str = "anyone"  # anyone | drafter (has saved step 1) | owner (entered the code) | supervisor | admin
    json: object = None
    raw_json: str | None = None  # JSON text sent as is (escapes the test client would not produce)
    form: dict | None = None
    files: int = 0  # PNG files added to the multipart form under `files_field`
    files_field: str = "evidence"
    headers: dict = field(default_factory=dict)
    stores: tuple = ()  # tables whose count may change, e.g. FILED; "files" for the upload folder
    shows: str | None = None  # text the answer must contain


def case(case_id, *args, **kwargs):
    return pytest.param(Case(*args, **kwargs), id=case_id)


def json_text(**overrides):
    """The valid complaint as JSON text, with raw JSON snippets (escapes) replacing some values."""
    body = json.dumps(COMPLAINT, ensure_ascii=True)
    for key, raw in overrides.items():
        body = body[:-1] + f', "{key}": {raw}}}'
    return body


OWNER = {"X-Access-Code": "{code}"}

CASES = [
    # ------------------------------------------------------------ evidence limits (issue 13.4)
    case("api-six-evidence-files", "POST", "/api/v1/complaints", 400, form={**COMPLAINT, "details": json.dumps(
        VALID_COMPLAINT["details"]), "consent_privacy": "true"}, files=6, shows="5"),
    case("api-six-files-on-a-message", "POST", "/api/v1/complaints/{ref}/messages", 400, headers=OWNER,
         form={"body": "补充"}, files=6, shows="5"),
    case("web-six-files-on-a-message", "POST", "/track/{ref}/message", 200, who="owner", form={"body": "补充"},
         files=6, files_field="files", shows="5"),
    # ------------------------------------------------------------ lone surrogates in JSON (issue 13.11)
    case("api-lone-high-surrogate", "POST", "/api/v1/complaints", 400,
         raw_json=json_text(description='"\\ud800 充值 100 元没到账，订单已完成"'), shows="surrogate"),
    case("api-lone-low-surrogate", "POST", "/api/v1/complaints", 400,
         raw_json=json_text(description='"充值 100 元没到账，订单已完成 \\udc00"'), shows="surrogate"),
    case("api-reversed-surrogate-pair", "POST", "/api/v1/complaints", 400,
         raw_json=json_text(description='"充值 100 元没到账，订单已完成 \\ude00\\ud83d"'), shows="surrogate"),
    case("api-lone-surrogate-in-details", "POST", "/api/v1/complaints", 400,
         raw_json=json_text(details='{"order_number": "KM202611201234567890", "topup_account": "\\uD800"}')),
    case("api-lone-surrogate-in-a-key", "POST", "/api/v1/complaints", 400,
         raw_json=json_text(**{"x": '{"\\ud801": 1}'})),
    case("api-lone-surrogate-in-a-message", "POST", "/api/v1/complaints/{ref}/messages", 400, headers=OWNER,
         raw_json='{"body": "补充 \\udbff"}'),
    case("api-escaped-pair-is-an-emoji", "POST", "/api/v1/complaints", 201, stores=FILED,
         raw_json=json_text(order_number='"KM202611201234567890"', description=json.dumps(
             PLANTED_TEXT + " \\ud83d\\ude00").replace("\\\\", "\\"))),
    case("api-escaped-backslash-is-not-a-surrogate", "POST", "/api/v1/complaints", 201, stores=FILED,
         raw_json=json_text(description=json.dumps(PLANTED_TEXT + " \\ud800"))),
    case("api-nul-in-json", "POST", "/api/v1/complaints", 400, raw_json=json_text(description='"充值\\u0000没到账"')),
    # ------------------------------------------------------------ NUL in the path (issue 13.11)
    case("api-nul-in-reference", "GET", "/api/v1/complaints/abc%00def", 404),
    case("api-nul-in-reference-with-a-code", "GET", "/api/v1/complaints/TS-%00", 404, headers=OWNER),
    case("api-nul-in-message-reference", "POST", "/api/v1/complaints/abc%00def/messages", 404, headers=OWNER,
         json={"body": "补充"}),
    case("web-nul-in-reference", "GET", "/track/abc%00def", 404),
    case("web-nul-in-article", "GET", "/help/faq/abc%00def", 404),
    case("web-nul-in-staff-reference", "GET", "/staff/complaints/abc%00def", 404, who="supervisor"),
    # ------------------------------------------------------------ ids beyond any INTEGER column (issue 13.11)
    *[case(f"web-evidence-id-{short(n)}", "GET", f"/track/{{ref}}/evidence/{n}", 404, who="owner") for n in HUGE_IDS],
    *[case(f"web-draft-evidence-delete-{short(n)}", "POST", f"/complaints/new/evidence/{n}/delete", 404)
      for n in HUGE_IDS],
    *[case(f"staff-evidence-id-{short(n)}", "GET", f"/staff/complaints/{{ref}}/evidence/{n}", 404, who="supervisor")
      for n in HUGE_IDS[1:]],
    *[case(f"staff-account-{short(n)}", "POST", f"/staff/accounts/{n}", 404, who="admin") for n in HUGE_IDS[1:]],
    *[case(f"staff-report-{short(n)}", "POST", f"/staff/reports/{n}", 404, who="supervisor") for n in HUGE_IDS[1:]],
    *[case(f"staff-audit-filter-{short(n)}", "GET", f"/staff/audit?staff={n}", 200, who="supervisor")
      for n in HUGE_IDS],
    # ------------------------------------------------------------ page and limit numbers (issue 13.11)
    *[case(f"transparency-page-{short(n)}", "GET", f"/transparency/outcomes?page={n}", 400) for n in HUGE_PAGES],
    *[case(f"api-outcomes-page-{short(n)}", "GET", f"/api/v1/outcomes?page={n}", 400) for n in HUGE_PAGES[:3]],
    *[case(f"search-page-{short(n)}", "GET", f"/search?q=退款&page={n}", 200) for n in HUGE_PAGES],
    *[case(f"staff-queue-page-{short(n)}", "GET", f"/staff?page={n}", 400, who="supervisor") for n in HUGE_PAGES[:4]],
    *[case(f"staff-audit-page-{short(n)}", "GET", f"/staff/audit?page={n}", 400, who="supervisor")
      for n in HUGE_PAGES[:4]],
    *[case(f"staff-reports-page-{short(n)}", "GET", f"/staff/reports?page={n}", 400, who="supervisor")
      for n in HUGE_PAGES[:4]],
    *[case(f"api-search-limit-{short(n)}", "GET", f"/api/v1/search?q=退款&limit={n}", 400)
      for n in ("2147483648", "460000000000000001", "9223372036854775808", "1" + "0" * 30, "-460000000000000001")],
    # Not an integer Python reads (a float, or more than 4,300 digits): the default limit is used.
    *[case(f"api-search-limit-{short(n)}", "GET", f"/api/v1/search?q=退款&limit={n}", 200)
      for n in ("4.6e17", "1e999", "1" * 5000)],
    # ------------------------------------------------------------ drafts and deflection (issue 13.1, 13.12)
    case("web-describe-page-creates-no-draft", "GET", "/complaints/new", 200),
    case("web-deflect-without-a-draft", "POST", "/complaints/new/deflect", 302, form={"article": "x" * 200}),
    case("web-details-without-a-draft", "POST", "/complaints/new/details", 302, files=2, files_field="files"),
    case("web-details-six-files", "POST", "/complaints/new/details", 200, who="drafter", files=6,
         files_field="files", form={"action": "upload"}, stores=("evidence", "files"), shows="最多上传 5 个文件"),
    case("web-details-hostile-sixth-name", "POST", "/complaints/new/details", 200, who="drafter", files=6,
         files_field="files", form={"action": "upload", "name": "<img src=x onerror=alert(1)>.png"},
         stores=("evidence", "files"), shows="“&lt;img src=x onerror=alert(1)&gt;.png”没有上传"),
    *[case(f"web-draft-evidence-delete-with-a-draft-{short(n)}", "POST", f"/complaints/new/evidence/{n}/delete", 404,
           who="drafter") for n in HUGE_IDS],
    case("web-deflect-unknown-article", "POST", "/complaints/new/deflect", 302, who="drafter",
         form={"article": "<script>" + "x" * 200}, stores=("complaint_draft", "deflection")),
    case("web-deflect-nul-article", "POST", "/complaints/new/deflect", 302, who="drafter",
         form={"article": "card-code-invalid\x00"}, stores=("complaint_draft", "deflection")),
    case("web-describe-with-bidi", "POST", "/complaints/new", 302, who="drafter",
         form={"category": "card_code_invalid", "description": "卡密提示已被使用\u202e，刚提取就用不了"}),
    case("web-describe-only-bidi", "POST", "/complaints/new", 200, who="drafter",
         form={"category": "card_code_invalid", "description": "\u202e" * 20}),
    case("web-lookup-bidi-code", "POST", "/track", 200, form={"reference": "{ref}", "access_code": "\u202e" * 10}),
    case("api-bidi-only-description", "POST", "/api/v1/complaints", 400,
         json={**COMPLAINT, "description": "\u2066\u2069" * 20}),
    case("api-bidi-in-a-key", "POST", "/api/v1/complaints", 201, stores=FILED,
         json={**{k: v for k, v in COMPLAINT.items() if k != "consent_privacy"}, "consent_privacy\u202e": True}),
    case("api-messages-bidi-only-body", "POST", "/api/v1/complaints/{ref}/messages", 400, headers=OWNER,
         json={"body": "\u202e\u202c"}),
    case("api-huge-idempotency-key", "POST", "/api/v1/complaints", 400, json=COMPLAINT,
         headers={"Idempotency-Key": "k" * 201}),
]


@pytest.fixture
def filed(app):
    """A complaint with its access code, in place before the case runs."""
    return file_complaint(app, contact_email="owner@example.com")


def _client_for(app, who, filed):
    client = app.test_client()
    if who == "owner":
        assert verify(client, *filed).status_code == 302
    elif who == "drafter":
        assert client.post("/complaints/new", data={"category": "card_code_invalid",
                                                    "description": "卡密提示已被使用，刚提取就用不了"}).status_code == 302
    elif who in ("supervisor", "admin"):
        import pyotp

        secret = pyotp.random_base32()
        with app.app_context():
            email = make_staff(who, totp_secret=secret).email
        assert staff_login(client, email).status_code == 302
        assert client.post("/staff/login/totp", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    return client


def _send(client, item, filed):
    reference, code = filed
    path = item.path.replace("{ref}", reference)
    headers = {key: value.replace("{code}", code) for key, value in item.headers.items()}
    if item.raw_json is not None:
        return client.open(path, method=item.method, data=item.raw_json.encode(), content_type="application/json",
                           headers=headers)
    form = {key: value.replace("{ref}", reference) for key, value in (item.form or {}).items()}
    if item.files:
        last = form.pop("name", f"{item.files - 1}.png")
        names = [f"{i}.png" for i in range(item.files - 1)] + [last]
        form[item.files_field] = [(io.BytesIO(png_bytes()), name) for name in names]
        return client.open(path, method=item.method, data=form, content_type="multipart/form-data", headers=headers)
    return client.open(path, method=item.method, json=item.json, data=form or None, headers=headers)


@pytest.mark.parametrize("item", CASES)
def test_catalogue(app, filed, logs, item):
    client = _client_for(app, item.who, filed)
    before = stored(app)
    response = _send(client, item, filed)
    body = text(response)
    assert response.status_code == item.status, body[:500]
    if item.path.startswith("/api/"):
        assert response.mimetype == "application/json"
    if item.shows:
        assert item.shows in body
    after = stored(app)
    changed = {table for table in after if after[table] != before[table]}
    assert changed <= set(item.stores), (before, after)
    log_text = logs()
    for value in PLANTED:
        assert value not in log_text


def test_the_catalogue_has_no_duplicate_ids():
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids))
