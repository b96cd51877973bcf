"""Small helpers of the hostile-input catalogue: attack strings, uploads and page checks."""
import base64
import io
import json
import re
import zlib

import pytest
import sqlalchemy as sa
from markupsafe import escape
from PIL import Image

from app.complaints.models import AccessLockout, Complaint, ComplaintDraft, ComplaintEvent, Deflection, Evidence
from app.extensions import db
from app.security import clean_text

# What "nothing stored" counts: rows of these tables, and files in the upload folder (temporary ones included).
STORED_TABLES = (Complaint, ComplaintDraft, ComplaintEvent, Evidence, Deflection)

# Markup that would run script if a page emitted it unescaped.
XSS = [
    pytest.param("<script>alert(1)</script>", id="script-tag"),
    pytest.param('<img src=x onerror="alert(document.cookie)">', id="img-onerror"),
    pytest.param('"><svg onload=alert(1)>', id="attribute-breakout"),
    pytest.param("'><svg/onload=alert`1`>", id="single-quote-breakout"),
    pytest.param('<a href="javascript:alert(1)">点这里退款</a>', id="javascript-url"),
    pytest.param("</textarea><script>alert(1)</script>", id="textarea-breakout"),
    pytest.param("\u202e<script>alert(1)</script>\u200b", id="bidi-override-and-zero-width"),
    pytest.param("<scr<script>ipt>alert(1)</scr</script>ipt>", id="nested-tag"),
]

# Evidence names go through display_name(), which keeps only the last path part, so these carry no slash.
XSS_FILE_NAMES = [
    pytest.param("<img src=x onerror=alert(1)>.png", id="img-onerror"),
    # A browser sends '"' in a file name as %22, so the attribute breakout uses a single quote.
    pytest.param("'><svg onload=alert(1)>.png", id="attribute-breakout"),
    pytest.param("<iframe src=javascript:alert(1)>.png", id="javascript-iframe"),
]

DESCRIPTION_PREFIX = "充值 100 元没到账，对方发来这段："


def text(response):
    return response.get_data(as_text=True)


def assert_shown_escaped(page, payload):
    """The payload appears, but only as text: HTML-escaped, never as markup (without Bidi controls if typed in)."""
    assert str(escape(payload)) in page or str(escape(clean_text(payload))) in page
    assert payload not in page
    for marker in ("<script>alert", "<img src=x", "<svg", "<iframe"):
        if marker in payload:
            assert marker not in page


def png_bytes(size=(40, 30)):
    output = io.BytesIO()
    Image.new("RGB", size, "white").save(output, "PNG")
    return output.getvalue()


def png(name="截图.png"):
    return io.BytesIO(png_bytes()), name


def verify(client, reference, code):
    """Enter the access code in this browser, as the owner does."""
    return client.post("/track", data={"reference": reference, "access_code": code})


def post_action(client, reference, action, **data):
    return client.post(f"/track/{reference}/{action}", data=data, content_type="multipart/form-data")


def load(app, reference):
    """Return (status, number of events, number of evidence files) of a complaint."""
    with app.app_context():
        found = db.session.scalar(sa.select(Complaint).where(Complaint.reference == reference))
        return found.status, len(found.events), len(found.evidence)


def evidence_ids(app, reference):
    with app.app_context():
        query = sa.select(Evidence.id).join(Complaint).where(Complaint.reference == reference)
        return list(db.session.scalars(query.order_by(Evidence.id)))


def evidence_names(app, reference):
    with app.app_context():
        query = sa.select(Evidence.original_name, Evidence.stored_name).join(Complaint)
        return db.session.execute(query.where(Complaint.reference == reference)).all()


def session_payload(client):
    """Decode the session cookie as anyone holding it could, without the secret key."""
    value = client.get_cookie("session").value
    compressed, payload = value.startswith("."), value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(data) if compressed else data)


def submit_on_the_web(client):
    client.post("/complaints/new", data={"category": "card_code_invalid", "description": "卡密提示已被使用，刚提取就用不了"})
    client.post("/complaints/new/details", data={"order_number": "KM202611201234567890",
                                                "purchase_time": "2026-11-20 14:30", "action": "next"})
    client.post("/complaints/new/contact", data={"contact_email": "user@example.com", "notify_via": "email",
                                                "consent_privacy": "y"})
    client.post("/complaints/new/submit")
    page = text(client.get("/complaints/submitted"))
    return re.search(r'data-testid="access-code">([^<]+)<', page).group(1)


def stored(app):
    """Count what the portal keeps: rows per table, and files in the upload folder (temporary ones included)."""
    with app.app_context():
        rows = {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in STORED_TABLES}
    upload_dir = app.config["UPLOAD_DIR"]
    rows["files"] = len(list(upload_dir.iterdir())) if upload_dir.is_dir() else 0
    return rows


def lockout_rows(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AccessLockout))


def png_upload(name="截图.png"):
    """A small PNG as the test client uploads it: (stream, name)."""
    return io.BytesIO(png_bytes()), name
