"""The hostile-input catalogue as data: one line per case, the request, the answer, what may be stored.

Every case also checks what holds for all of them: no 5xx, JSON under /api, nothing stored beyond what the case
allows (rows and files counted before and after), the case's `hides` text nowhere in the answer (body and headers)
or in any queued message, and none of the planted personal data in the logs.
Run it alone with `pytest tests/security/test_catalogue.py`; add TEST_DATABASE_URL to run it on PostgreSQL too.
"""
import io
import json
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app.accounts.models import AuditEntry
from app.complaints.models import AccessLockout
from app.contact.models import FakeReport
from app.extensions import db
from app.kb.models import ArticleVote
from app.notifications.models import OutboxMessage
from tests.factories import STAFF_PASSWORD, VALID_COMPLAINT, file_complaint, make_staff, staff_login
from tests.security.helpers import png_bytes, stored, text, verify

PLANTED_EMAIL = "planted.7f3a@example.com"
PLANTED_PHONE = "13912345678"
PLANTED_TEXT = "PLANTED-描述-充值没到账，订单已完成但一直未到账"
PLANTED = (PLANTED_EMAIL, PLANTED_PHONE, PLANTED_TEXT)
STAFF_EMAIL = "staff.catalogue@example.com"
# Beyond helpers.stored(): rows a public request may also add, each allowed only where a case says so.
ALSO_COUNTED = (FakeReport, ArticleVote, OutboxMessage, AccessLockout, AuditEntry)
CYRILLIC_TWINS = str.maketrans("ABCEHKMPTXY", "АВСЕНКМРТХУ")
COMPLAINT = {**VALID_COMPLAINT, "contact_email": PLANTED_EMAIL, "contact_phone": PLANTED_PHONE,
             "description": PLANTED_TEXT, "consent_privacy": True}
HUGE_IDS = ["2147483648", "460000000000000001", "9223372036854775808", "1" + "0" * 30, "1" * 5000]
HUGE_PAGES = [*HUGE_IDS, "-460000000000000001", "4.6e17", "1e999"]


def short(value):
    """A readable test id for a value of thousands of digits."""
    return value if len(value) <= 40 else f"{value[:3]}…({len(value)}-digits)"
# A complaint that is filed, with stored rows of its own, so "nothing stored" compares with it in place.
FILED = ("complaint", "complaint_event", "outbox_message")


@dataclass(frozen=True)
class Case:
    """One request of the catalogue. `{ref}` and `{code}` stand for a filed complaint and its access code
    (`{wide_ref}`, `{wide_code}`: typed in full-width letters; `{cyrillic_code}`: with Cyrillic look-alikes)."""

    method: str
    path: str
    status: int
    who: str = "anyone"  # anyone | drafter (has saved step 1) | owner (entered the code) | supervisor | admin
    json: object = None
    raw_json: str | None = None  # JSON text sent as is (escapes the test client would not produce)
    form: dict | None = None
    files: int = 0  # PNG files added to the multipart form under `files_field`
    files_field: str = "evidence"
    upload: tuple | None = None  # one (file name, content) added to the multipart form under `files_field`
    body: str | bytes | None = None  # sent as is, with `content_type`
    content_type: str | None = None
    headers: dict = field(default_factory=dict)
    stores: tuple = ()  # tables whose count may change, e.g. FILED; "files" for the upload folder
    shows: str | None = None  # text the answer must contain
    hides: str | None = None  # text neither the answer (body and headers) nor a queued message may contain


def case(case_id, *args, **kwargs):
    return pytest.param(Case(*args, **kwargs), id=case_id)


def json_text(**overrides):
    """The valid complaint as JSON text, with raw JSON snippets (escapes) replacing some values."""
    body = json.dumps({k: v for k, v in COMPLAINT.items() if k not in overrides}, ensure_ascii=True)
    for key, raw in overrides.items():
        body = body[:-1] + f', "{key}": {raw}}}'
    return body


OWNER = {"X-Access-Code": "{code}"}
API_FORM = {**{k: v for k, v in COMPLAINT.items() if k != "details"}, "details": json.dumps(VALID_COMPLAINT["details"]),
            "consent_privacy": "true"}
DETAILS_FORM = {"order_number": "KM202611201234567890", "purchase_time": "2026-11-20 14:30", "evidence_kind": "other",
                "action": "upload"}
BAD_UPLOADS = [
    ("html-named-png", ("截图.png", b"<html><script>alert(1)</script></html>")),
    ("empty-file", ("截图.png", b"")),
    ("truncated-png", ("截图.png", png_bytes()[:40])),
    ("pdf-without-eof", ("凭证.pdf", b"%PDF-1.7\n1 0 obj<</JS(app.alert(1))>>endobj\n")),
    ("svg-with-script", ("截图.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')),
]

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
    # ------------------------------------------------------------ hostile files on every upload path
    *[case(f"{where}-{name}", "POST", path, status, who=who, form=form, files_field=field_name, upload=upload,
           stores=stores, headers=OWNER if "messages" in path else {})
      for where, path, who, form, field_name, status, stores in [
          ("upload-api-complaint", "/api/v1/complaints", "anyone", API_FORM, "evidence", 400, ()),
          ("upload-web-details", "/complaints/new/details", "drafter", DETAILS_FORM, "files", 200, ()),
          ("upload-web-message", "/track/{ref}/message", "owner", {"body": "补充截图"}, "files", 200, ()),
          ("upload-api-message", "/api/v1/complaints/{ref}/messages", "anyone", {"body": "补充截图"}, "evidence", 400,
           ()),
      ]
      for name, upload in BAD_UPLOADS],
    *[case(f"{where}-traversal-file-name", "POST", path, status, who=who, form=form, files_field=field_name,
           upload=("../../../../etc/cron.d/截图.png", png_bytes()), stores=stores,
           headers=OWNER if "messages" in path else {})
      for where, path, who, form, field_name, status, stores in [
          ("upload-api-complaint", "/api/v1/complaints", "anyone", API_FORM, "evidence", 201,
           (*FILED, "evidence", "files")),
          ("upload-web-details", "/complaints/new/details", "drafter", DETAILS_FORM, "files", 200,
           ("evidence", "files")),
          ("upload-api-message", "/api/v1/complaints/{ref}/messages", "anyone", {"body": "补充截图"}, "evidence", 201,
           ("complaint_event", "evidence", "files")),
      ]],
    # ------------------------------------------------------------ article feedback, a public form
    *[case(f"feedback-{name}", "POST", "/help/faq/recharge-not-arrived/feedback", 302, form=form, stores=stores,
           headers=headers) for name, form, stores, headers in [
        ("unknown-answer", {"helpful": "maybe"}, (), {}),
        ("huge-comment", {"helpful": "no", "reason": "other", "comment": "差" * 100_000}, (), {}),
        ("script-comment", {"helpful": "no", "reason": "other", "comment": "<script>alert(1)</script>"},
         ("article_vote",), {}),
        ("forged-visitor-cookie", {"helpful": "yes"}, ("article_vote",),
         {"Cookie": "kb_visitor=" + "x" * 5000}),
    ]],
    case("feedback-unknown-article", "POST", "/help/faq/..%2Fsecret/feedback", 404, form={"helpful": "yes"}),
    # ------------------------------------------------------------ path traversal in every URL parameter
    *[case(f"traversal-{name}", "GET", path, 404, who=who) for name, path, who in [
        ("article-slug", "/help/faq/..%2F..%2Fconfig.py", "anyone"),
        ("article-slug-dots", "/help/guides/....%2F%2F....%2F%2Fetc%2Fpasswd", "anyone"),
        ("article-overlong-utf8", "/help/faq/%c0%ae%c0%ae%c0%afconfig.py", "anyone"),
        ("help-category", "/help/category/..%2F..%2Fetc%2Fpasswd", "anyone"),
        ("contact-channel", "/contact/..%2F..%2Fconfig.py", "anyone"),
        ("contact-channel-dot-escapes", "/contact/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "anyone"),
        ("api-article", "/api/v1/articles/..%2F..%2Fconfig.py", "anyone"),
        ("api-channel-week", "/api/v1/channels/..%2F..%2Fetc%2Fpasswd/week", "anyone"),
        ("api-complaint", "/api/v1/complaints/..%2F..%2Fetc%2Fpasswd", "anyone"),
        ("published-summary", "/transparency/outcomes/..%2F..%2Fconfig.py", "anyone"),
        ("evidence-id", "/track/{ref}/evidence/..%2F..%2Fconfig.py", "owner"),
        ("static", "/static/..%2F..%2Fconfig.py", "anyone"),
        ("static-dot-escapes", "/static/%2e%2e/%2e%2e/config.py", "anyone"),
        ("staff-complaint", "/staff/complaints/..%2F..%2Fconfig.py", "supervisor"),
        ("staff-evidence", "/staff/complaints/{ref}/evidence/..%2F..%2Fconfig.py", "supervisor"),
    ]],
    case("traversal-tracking-reference", "GET", "/track/..%2F..%2Fetc%2Fpasswd", 404),
    case("traversal-language-code", "GET", "/lang/..%2F..%2Fetc%2Fpasswd?next=/", 404),
    case("traversal-language-cookie", "GET", "/", 200, headers={"Cookie": "lang=../../../etc/passwd"}),
    case("traversal-accept-language", "GET", "/help", 200, headers={"Accept-Language": "../../etc/passwd;q=1, zh"}),
    # ------------------------------------------------------------ hostile search queries (Whoosh syntax, markup)
    *[case(f"search-{name}", "GET", f"/search?q={query}", 200, hides=hides) for name, query, hides in [
        ("script", "<script>alert(1)</script>", "<script>alert(1)"),
        ("wildcard-only", "*", None),
        ("field-wildcard", "title:*", None),
        ("open-parentheses", "((((((((退款", None),
        ("lone-quote", '"', None),
        ("backslash", "\\", None),
        ("boolean-words", "AND OR NOT", None),
        ("range", "[a TO z]", None),
        ("fuzzy-huge", "退款~99999", None),
        ("sql", "' OR 1=1 --", None),
        ("template", "{{7*7}}", None),
        ("percent-encoded-nul", "退款%00到账", None),
    ]],
    *[case(f"api-search-{name}", "GET", f"/api/v1/search?q={query}", 200) for name, query in [
        ("wildcard-field", "*:*"), ("open-parentheses", "(((((("), ("lone-quote", '"'), ("boost", "退款^999999"),
    ]],
    case("api-search-type-traversal", "GET", "/api/v1/search?q=退款&type=../../etc", 400),
    # ------------------------------------------------------------ published outcomes: filters and q (web and API)
    *[case(f"outcomes-{name}", "GET", f"/transparency/outcomes?{query}", status, hides=hides)
      for name, query, status, hides in [
        ("q-script", "q=<script>alert(1)</script>", 200, "<script>alert(1)"),
        ("q-like-wildcards", "q=%25_%25", 200, None),
        ("q-sql", "q=' OR 1=1 --", 200, None),
        ("q-overlong-is-cut", "q=" + "退" * 5000, 200, None),
        ("month-thirteen", "month=2026-13", 400, None),
        ("month-sql", "month=2026-01' OR '1'='1", 400, None),
        ("month-arabic-digits", "month=٢٠٢٦-١١", 400, None),
        ("category-script", "category=<script>alert(1)</script>", 400, "<script>alert(1)"),
        ("outcome-traversal", "outcome=../../etc/passwd", 400, None),
    ]],
    *[case(f"api-outcomes-{name}", "GET", f"/api/v1/outcomes?{query}", status) for name, query, status in [
        ("q-like-wildcards", "q=%25_%25", 200),
        ("q-script", "q=<script>alert(1)</script>", 200),
        ("q-overlong-is-cut", "q=" + "退" * 5000, 200),
        ("month-thirteen", "month=2026-13", 400),
        ("month-fullwidth-digits", "month=２０２６-１１", 400),
        ("category-traversal", "category=../../etc/passwd", 400),
        ("outcome-script", "outcome=<script>", 400),
    ]],
    # ------------------------------------------------------------ statistics months
    *[case(f"api-stats-{name}", "GET", f"/api/v1/stats?{query}", status) for name, query, status in [
        ("from-thirteenth-month", "from=2026-13", 400),
        ("from-after-to", "from=2026-10&to=2026-01", 400),
        ("from-sql", "from=2026-01' OR 1=1 --", 400),
        ("from-arabic-digits", "from=٢٠٢٦-١٠", 400),
        ("to-fullwidth-digits", "to=２０２６-１０", 400),
        ("from-year-zero", "from=0000-01", 400),
        ("to-end-of-time", "to=9999-12", 400),
    ]],
    *[case(f"api-channels-at-{name}", "GET", f"/api/v1/channels?at={value}", status) for name, value, status in [
        ("script", "<script>", 400), ("end-of-time", "9999-12-31T23:59:59%2B14:00", 400),
        ("year-zero", "0000-01-01T00:00:00", 400)]],
    # ------------------------------------------------------------ the contact check and its report button
    case("verify-report-script-value", "POST", "/contact/verify/report", 302, stores=("fake_report",),
         form={"value": "<script>alert(1)</script>", "note": "自称客服让我转账"}),
    case("verify-report-empty-value", "POST", "/contact/verify/report", 400, form={"value": "", "note": "x"}),
    case("verify-report-huge-value", "POST", "/contact/verify/report", 400, form={"value": "1" * 10000}),
    case("verify-report-huge-note", "POST", "/contact/verify/report", 400,
         form={"value": "13900001111", "note": "骗" * 10000}),
    case("verify-report-bidi-value", "POST", "/contact/verify/report", 302, stores=("fake_report",),
         form={"value": "1390000\u202e1111", "note": "\u202e说是退款"}),
    case("verify-report-crlf-note", "POST", "/contact/verify/report", 302, stores=("fake_report",),
         form={"value": "13900002222", "note": "第一行\r\nBcc: evil@example.com"}),
    case("api-verify-huge-value", "GET", "/api/v1/channels/verify?value=" + "1" * 10000, 400),
    # ------------------------------------------------------------ withdrawing consent to publication
    case("consent-withdrawal-by-a-stranger", "POST", "/track/{ref}/consent", 302),
    case("consent-withdrawal-by-the-owner", "POST", "/track/{ref}/consent", 302, who="owner",
         stores=("complaint_event",)),
    case("consent-withdrawal-nul-reference", "POST", "/track/abc%00def/consent", 404, who="owner"),
    case("consent-withdrawal-huge-reference", "POST", "/track/" + "K" * 5000 + "/consent", 404, who="owner"),
    # ------------------------------------------------------------ the staff sign-in
    *[case(f"staff-login-{name}", "POST", "/staff/login", 400, who="staff", form=form, stores=("audit_entry",),
           hides="<script>alert")
      for name, form in [
        ("script-email", {"email": "<script>alert(1)</script>", "password": "x"}),
        ("sql-email", {"email": "' OR 1=1 --@example.com", "password": "' OR 1=1 --"}),
        ("crlf-email", {"email": STAFF_EMAIL + "\r\nBcc: evil@example.com", "password": STAFF_PASSWORD}),
        ("nul-email", {"email": STAFF_EMAIL + "\x00", "password": "wrong"}),
        ("homoglyph-email", {"email": STAFF_EMAIL.replace("a", "\u0430"), "password": STAFF_PASSWORD}),
        ("huge-password", {"email": STAFF_EMAIL, "password": "p" * 100_000}),
        ("empty", {}),
    ]],
    case("staff-login-off-site-next", "GET", "/staff/login?next=//evil.example/staff", 200,
         hides='href="//evil.example'),
    # ------------------------------------------------------------ Host and X-Forwarded-* spoofing (no trusted proxy)
    case("spoofed-host-on-the-language-switch", "GET", "/lang/en?next=/help", 302,
         headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}, hides="evil.example"),
    case("spoofed-host-in-lost-reference-mail", "POST", "/track/lost", 302, form={"contact": "owner@example.com"},
         headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}, stores=("outbox_message",),
         hides="evil.example"),
    case("spoofed-forwarded-for-on-lookup", "POST", "/track", 200, form={"reference": "{ref}", "access_code": "x"},
         headers={"X-Forwarded-For": "127.0.0.1, 10.0.0.1", "X-Real-IP": "127.0.0.1"}, stores=("access_lockout",)),
    # ------------------------------------------------------------ CRLF where text could reach a mail header
    *[case(f"api-crlf-{name}", "POST", "/api/v1/complaints", 400, json={**COMPLAINT, field: value},
           hides="evil@example.com") for name, field, value in [
        ("email-bcc", "contact_email", PLANTED_EMAIL + "\r\nBcc: evil@example.com"),
        ("email-lf", "contact_email", PLANTED_EMAIL + "\nBcc: evil@example.com"),
        ("phone", "contact_phone", PLANTED_PHONE + "\r\nBcc: evil@example.com"),
        ("notify-via", "notify_via", "email\r\nBcc: evil@example.com"),
    ]],
    case("lost-reference-crlf-contact", "POST", "/track/lost", 200,
         form={"contact": "owner@example.com\r\nBcc: evil@example.com"}),  # refused: nothing queued
    case("web-contact-step-crlf-email", "POST", "/complaints/new/contact", 200, who="drafter",
         form={"contact_email": "user@example.com\r\nBcc: evil@example.com", "notify_via": "email",
               "consent_privacy": "y"}),
    # ------------------------------------------------------------ unicode normalisation
    case("api-fullwidth-category", "POST", "/api/v1/complaints", 400,
         json={**COMPLAINT, "category": "ｔｏｐｕｐ＿ｎｏｔ＿ａｒｒｉｖｅｄ"}),
    case("api-dotless-i-notify-via", "POST", "/api/v1/complaints", 400, json={**COMPLAINT, "notify_via": "emaıl"}),
    # An IDN domain of look-alike letters is a different, valid address (stored as typed, punycode on the wire).
    case("api-homoglyph-email-domain-is-another-address", "POST", "/api/v1/complaints", 201, stores=FILED,
         json={**COMPLAINT, "contact_email": "user@ex\u0430mple.com"}),
    case("api-combining-marks-description", "POST", "/api/v1/complaints", 201, stores=FILED,
         json={**COMPLAINT, "description": PLANTED_TEXT + " Z\u0351\u0324\u0347a\u0352\u0320l\u0314g\u0350o"}),
    case("api-fullwidth-reference-with-the-code", "GET", "/api/v1/complaints/{wide_ref}", 200, headers=OWNER),
    case("api-homoglyph-code", "GET", "/api/v1/complaints/{ref}", 200, headers={"X-Access-Code": "{cyrillic_code}"},
         stores=("access_lockout",), hides="contact_email"),
    case("web-fullwidth-code-lookup", "POST", "/track", 302, form={"reference": "{wide_ref}",
                                                                  "access_code": "{wide_code}"}),
    case("staff-queue-arabic-digit-page-is-page-one", "GET", "/staff?page=١", 200, who="supervisor"),
    # ------------------------------------------------------------ request bodies: size, type, shape
    case("api-text-plain-json", "POST", "/api/v1/complaints", 400, body=json.dumps(COMPLAINT),
         content_type="text/plain"),
    case("api-xml-body", "POST", "/api/v1/complaints", 400, content_type="application/xml",
         body='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', hides="root:"),
    case("api-form-urlencoded", "POST", "/api/v1/complaints", 400, content_type="application/x-www-form-urlencoded",
         body="category=topup_not_arrived&description=x"),
    case("api-utf16-json", "POST", "/api/v1/complaints", 400, content_type="application/json; charset=utf-16",
         body=json.dumps(COMPLAINT).encode("utf-16")),
    case("api-json-array", "POST", "/api/v1/complaints", 400, raw_json="[" + json.dumps(COMPLAINT) + "]"),
    case("api-json-huge-number", "POST", "/api/v1/complaints", 400, raw_json=json_text(**{"n": "1" * 5000})),
    case("api-json-nan", "POST", "/api/v1/complaints", 400, raw_json=json_text(details="NaN")),
    case("api-json-deep-nesting", "POST", "/api/v1/complaints", 400, raw_json='{"a": ' + "[" * 100_000 + "]" * 100_000
         + "}"),
    case("api-json-duplicate-consent", "POST", "/api/v1/complaints", 400,
         raw_json='{"consent_privacy": false, ' + json.dumps(COMPLAINT)[1:]),
    case("api-json-keys-equal-once-cleaned", "POST", "/api/v1/complaints", 400,
         raw_json='{"consent_privacy\\u202e": false, ' + json.dumps(COMPLAINT)[1:]),
    case("api-json-duplicate-category", "POST", "/api/v1/complaints", 400,
         raw_json='{"category": "other", ' + json.dumps(COMPLAINT)[1:]),
    case("api-json-oversized", "POST", "/api/v1/complaints", 413,
         raw_json=json_text(description=json.dumps("x" * (31 * 2**20)))),
    case("api-message-text-plain", "POST", "/api/v1/complaints/{ref}/messages", 400, headers=OWNER,
         body='{"body": "补充"}', content_type="text/plain"),
    case("api-message-duplicate-body", "POST", "/api/v1/complaints/{ref}/messages", 400, headers=OWNER,
         raw_json='{"body": "补充一", "body": "补充二"}'),
    # Flask-WTF reads a JSON body like form data; in production the CSRF token is needed all the same.
    case("web-describe-json-body", "POST", "/complaints/new", 302, stores=("complaint_draft",), raw_json=json.dumps(
        {"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"})),
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
    elif who == "staff":  # a console account exists, nobody is signed in
        with app.app_context():
            make_staff("agent", email=STAFF_EMAIL)
    elif who in ("supervisor", "admin"):
        import pyotp

        secret = pyotp.random_base32()
        with app.app_context():
            email = make_staff(who, totp_secret=secret).email
        assert staff_login(client, email).status_code == 302
        assert client.post("/staff/login/totp", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    return client


def _full_width(value):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def _placeholders(filed):
    reference, code = filed
    cyrillic = code.translate(CYRILLIC_TWINS)
    return {"{wide_ref}": _full_width(reference), "{wide_code}": _full_width(code), "{ref}": reference,
            "{code}": code, "{cyrillic_code}": cyrillic if cyrillic != code else "А" + code[1:]}


def _fill(value, filed):
    for placeholder, replacement in _placeholders(filed).items():
        value = value.replace(placeholder, replacement)
    return value


def _send(client, item, filed):
    path = _fill(item.path, filed)
    headers = {key: _fill(value, filed) for key, value in item.headers.items()}
    if item.raw_json is not None:
        return client.open(path, method=item.method, data=item.raw_json.encode(), content_type="application/json",
                           headers=headers)
    if item.body is not None:
        return client.open(path, method=item.method, data=item.body, content_type=item.content_type,
                           headers=headers)
    form = {key: _fill(value, filed) for key, value in (item.form or {}).items()}
    if item.files:
        last = form.pop("name", f"{item.files - 1}.png")
        names = [f"{i}.png" for i in range(item.files - 1)] + [last]
        form[item.files_field] = [(io.BytesIO(png_bytes()), name) for name in names]
        return client.open(path, method=item.method, data=form, content_type="multipart/form-data", headers=headers)
    if item.upload:
        name, content = item.upload
        form[item.files_field] = [(io.BytesIO(content), name)]
        return client.open(path, method=item.method, data=form, content_type="multipart/form-data", headers=headers)
    return client.open(path, method=item.method, json=item.json, data=form or None, headers=headers)


def _counts(app):
    """Rows and files as helpers.stored() counts them, and the rows of ALSO_COUNTED."""
    with app.app_context():
        rows = {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in ALSO_COUNTED}
    return {**stored(app), **rows}


def _queued_text(app):
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body))
        return "\n".join(" ".join(row) for row in rows)


@pytest.mark.parametrize("item", CASES)
def test_catalogue(app, filed, logs, item):
    client = _client_for(app, item.who, filed)
    before = _counts(app)
    response = _send(client, item, filed)
    body = text(response)
    assert response.status_code == item.status, body[:500]
    if item.path.startswith("/api/"):
        assert response.mimetype == "application/json"
    if item.shows:
        assert item.shows in body
    if item.hides:
        for shown in (body, *response.headers.values(), _queued_text(app)):
            assert item.hides not in shown
    after = _counts(app)
    changed = {table for table in after if after[table] != before[table]}
    assert changed <= set(item.stores), (before, after)
    log_text = logs()
    for value in PLANTED:
        assert value not in log_text


def test_the_catalogue_has_no_duplicate_ids():
    ids = [param.id for param in CASES]
    assert len(ids) == len(set(ids))


def test_a_forged_x_forwarded_for_does_not_dodge_a_rate_limit(app, client):
    assert app.config["TRUSTED_PROXIES"] == 0  # clients connect directly: the header is theirs to forge
    statuses = [client.post("/api/v1/complaints", json={}, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                for i in range(6)]
    assert statuses == [400] * 5 + [429]
