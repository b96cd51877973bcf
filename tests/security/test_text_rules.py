"""The text rules at the request boundary: Bidi_Control characters are dropped from every form, query and JSON
value, and translated messages escape what is interpolated into them (flash messages included)."""
import pytest
import sqlalchemy as sa

from app.complaints.models import Complaint, ComplaintDraft, ComplaintEvent
from app.extensions import db
from app.security import BIDI_CONTROLS, clean_text
from tests.factories import VALID_COMPLAINT, file_complaint
from tests.security.helpers import png_upload, text, verify

# Every character with the Unicode property Bidi_Control.
BIDI = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069"]
SPOOF = "退款 {c}txt.exe 已到账"  # with U+202E this reads "退款 exe.txt 已到账"
SPOOFED_DESCRIPTION = "卡密提示已被使用，刚提取就用不了，对方说 " + SPOOF


def stored_description(app):
    with app.app_context():
        return db.session.scalar(sa.select(Complaint.description))


def draft_data(app):
    with app.app_context():
        return db.session.scalar(sa.select(ComplaintDraft.data))


def test_the_rule_lists_exactly_the_bidi_control_characters():
    assert sorted(BIDI_CONTROLS) == sorted(BIDI)


@pytest.mark.parametrize("char", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_clean_text_drops_each_bidi_control_and_keeps_the_rest(char):
    assert clean_text(f"a{char}b\n\tc\u200b😀") == "ab\n\tc\u200b😀"


# ------------------------------------------------------------------ one test per entry point

@pytest.mark.parametrize("char", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_web_form_values_lose_bidi_controls(app, client, char):
    description = SPOOFED_DESCRIPTION.format(c=char)
    assert client.post("/complaints/new", data={"category": "card_code_invalid", "description": description}
                       ).status_code == 302
    assert draft_data(app)["description"] == SPOOFED_DESCRIPTION.format(c="")


@pytest.mark.parametrize("char", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_api_json_values_lose_bidi_controls(app, client, char):
    payload = {**VALID_COMPLAINT, "consent_privacy": True, "description": SPOOFED_DESCRIPTION.format(c=char),
               "details": {**VALID_COMPLAINT["details"], "topup_account": f"138{char}00138000"}}
    response = client.post("/api/v1/complaints", json=payload)
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        assert complaint.description == SPOOFED_DESCRIPTION.format(c="")
        assert complaint.details["topup_account"] == "13800138000"


def test_api_json_keys_and_nested_lists_lose_bidi_controls(app, client):
    from app.security import _clean_json

    assert _clean_json({"a\u202e": ["x\u2066y", {"k": "\u200fz"}], "n": 1}) == {"a": ["xy", {"k": "z"}], "n": 1}
    assert _clean_json("\u202etop") == "top"


def test_escaped_bidi_controls_in_json_are_dropped_too(app, client):
    body = ('{"category": "topup_not_arrived", "description": "\\u202e' + SPOOFED_DESCRIPTION.format(c="") +
            '", "details": {"order_number": "KM202611201234567890", "purchase_time": "2026-11-26T20:15", '
            '"topup_account": "13800138000"}, "contact_email": "user@example.com", "consent_privacy": true}')
    assert client.post("/api/v1/complaints", data=body, content_type="application/json").status_code == 201
    assert stored_description(app) == SPOOFED_DESCRIPTION.format(c="")


def test_api_follow_up_messages_lose_bidi_controls(app, client):
    reference, code = file_complaint(app)
    response = client.post(f"/api/v1/complaints/{reference}/messages", json={"body": "补充\u202e说明"},
                           headers={"X-Access-Code": code})
    assert response.status_code == 201
    with app.app_context():
        assert "补充说明" in db.session.scalars(sa.select(ComplaintEvent.note)).all()


def test_web_follow_up_messages_lose_bidi_controls(app, client):
    reference, code = file_complaint(app)
    verify(client, reference, code)
    assert client.post(f"/track/{reference}/message", data={"body": "补充\u2067说明\u2069"}).status_code == 302
    with app.app_context():
        assert "补充说明" in db.session.scalars(sa.select(ComplaintEvent.note)).all()


def test_query_values_lose_bidi_controls(client):
    page = text(client.get("/search", query_string={"q": "退\u202e款"}))
    assert 'value="退款"' in page and "\u202e" not in page


def test_multipart_form_values_lose_bidi_controls(app, client):
    reference, code = file_complaint(app)
    response = client.post(f"/api/v1/complaints/{reference}/messages", headers={"X-Access-Code": code},
                           data={"body": "截图\u202e说明", "evidence": [png_upload()]},
                           content_type="multipart/form-data")
    assert response.status_code == 201
    with app.app_context():
        assert "截图说明" in db.session.scalars(sa.select(ComplaintEvent.note)).all()


# ------------------------------------------------------------------ escaped interpolations (13.5)

HOSTILE_NAME = "<img src=x onerror=alert(1)>.png"


def test_a_hostile_file_name_in_a_flash_message_is_escaped(client):
    client.post("/complaints/new", data={"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"})
    files = [png_upload(f"{i}.png") for i in range(5)] + [png_upload(HOSTILE_NAME)]
    response = client.post("/complaints/new/details", data={"files": files, "action": "upload"},
                           content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt;.png" in page
    assert "<img src=x" not in page


def test_a_hostile_file_name_is_escaped_after_a_redirect_too(app, client):
    from flask import flash, redirect, render_template_string

    from app.i18n import lazy_gettext as _l

    @app.get("/flash-for-tests")
    def flash_it():
        flash(_l("最多上传 %(n)d 个文件，“%(name)s”没有上传。", n=5, name=HOSTILE_NAME), "error")
        return redirect("/flashed-for-tests")

    @app.get("/flashed-for-tests")
    def show_it():
        return render_template_string('{% include "_flashes.html" %}')

    page = text(client.get("/flash-for-tests", follow_redirects=True))
    assert "&lt;img src=x" in page and "<img src=x" not in page


def test_escaping_lazy_text_is_plain_text_outside_html(app):
    from markupsafe import Markup

    from app.i18n import lazy_gettext as _l

    with app.test_request_context():
        message = _l("最多上传 %(n)d 个文件，“%(name)s”没有上传。", n=5, name=HOSTILE_NAME)
        assert str(message) == f"最多上传 5 个文件，“{HOSTILE_NAME}”没有上传。"  # the API's JSON shows it as typed
        assert "<img" not in Markup("{}").format(message)
