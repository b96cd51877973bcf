"""The web journey: each step validates, nothing typed is lost, files stay attached, one submit = one complaint."""
import io
import re
from contextlib import contextmanager

import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

from app.complaints.models import Complaint, ComplaintDraft, Deflection, Evidence
from app.extensions import db
from app.notifications.models import OutboxMessage

DESCRIPTION = "我买的 100 元游戏点卡，卡密提示已被使用，刚提取就用不了。"
DETAILS = {"order_number": "KM202611201234567890", "purchase_time": "2026-11-20 14:30"}
CONTACT = {"contact_email": "user@example.com", "contact_phone": "+86 138-0013-8000", "notify_via": "email",
           "consent_privacy": "y"}


def png(name="截图.png", size=(40, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    buffer.seek(0)
    return buffer, name


def describe(client, category="card_code_invalid", description=DESCRIPTION):
    return client.post("/complaints/new", data={"category": category, "description": description})


def fill_details(client, files=(), action="next", **fields):
    data = {**DETAILS, **fields, "evidence_kind": "error_screen", "action": action}
    if files:
        data["files"] = list(files)
    return client.post("/complaints/new/details", data=data, content_type="multipart/form-data")


def complete_journey(client, files=()):
    describe(client)
    fill_details(client, files=files, action="upload" if files else "next")
    fill_details(client)
    client.post("/complaints/new/contact", data=CONTACT)
    return client.post("/complaints/new/submit")


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@contextmanager
def commits():
    """Collect every database commit made inside the block."""
    seen = []

    def record(session):
        seen.append(session)

    sa.event.listen(Session, "after_commit", record)
    try:
        yield seen
    finally:
        sa.event.remove(Session, "after_commit", record)


def broken_commit():
    raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))


def test_describe_step_errors_keep_the_text(client):
    page = client.post("/complaints/new", data={"description": "不行"}).get_data(as_text=True)
    assert "请选择问题类型" in page and "请至少写" in page
    assert "不行" in page


def test_suggestions_show_matching_articles(client):
    describe(client)
    page = client.get("/complaints/new/suggestions").get_data(as_text=True)
    assert "这些文章也许能马上解决" in page and "/help/faq/card-code-invalid" in page


def test_scam_script_shows_anti_fraud_guidance_and_police_numbers(client):
    describe(client, category="other", description="有个客服加我QQ，让我下载向日葵屏幕共享，还要我把卡密发给他。")
    page = client.get("/complaints/new/suggestions").get_data(as_text=True)
    assert "很像诈骗" in page and "96110" in page and "110" in page


def test_deflection_is_counted_and_the_draft_is_gone(client, app):
    describe(client)
    client.post("/complaints/new/details", data={"files": [png()], "action": "upload", "evidence_kind": "other"},
                content_type="multipart/form-data")
    page = client.post("/complaints/new/deflect", data={"article": "card-code-invalid"}, follow_redirects=True).get_data(as_text=True)
    assert "问题解决了" in page
    with app.app_context():
        assert count(Deflection) == 1 and count(ComplaintDraft) == 0 and count(Evidence) == 0
    assert list((app.config["UPLOAD_DIR"]).glob("*")) == []


def test_details_errors_are_shown_next_to_fields_and_values_kept(client):
    describe(client)
    page = fill_details(client, order_number="KM123", purchase_time="").get_data(as_text=True)
    assert "订单号应为 KM 开头" in page and "请填写购买时间" in page
    assert 'value="KM123"' in page
    assert 'aria-invalid="true"' in page


def test_uploaded_files_stay_attached_when_other_fields_are_wrong(client, app):
    describe(client)
    page = fill_details(client, files=[png()], order_number="").get_data(as_text=True)
    assert "截图.png" in page
    page = client.get("/complaints/new/details").get_data(as_text=True)
    assert "截图.png" in page


def test_html_renamed_to_jpg_is_refused_with_a_clear_message(client, app):
    describe(client)
    fake = (io.BytesIO(b"<html><script>alert(1)</script></html>"), "photo.jpg")
    page = fill_details(client, files=[fake], action="upload").get_data(as_text=True)
    assert "只支持 JPG、PNG、WebP" in page
    with app.app_context():
        assert count(Evidence) == 0


def test_oversized_upload_is_refused(client, app):
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    describe(client)
    page = fill_details(client, files=[png(size=(400, 400))], action="upload").get_data(as_text=True)
    assert "请压缩后再上传" in page


def test_at_most_five_files(client, app):
    describe(client)
    fill_details(client, files=[png(f"{i}.png") for i in range(6)], action="upload")
    with app.app_context():
        assert count(Evidence) == 5


def test_contact_step_validates_and_keeps_input(client):
    describe(client)
    fill_details(client)
    page = client.post("/complaints/new/contact", data={"contact_email": "not-an-email", "notify_via": "email"})
    text = page.get_data(as_text=True)
    assert "邮箱格式不正确" in text and "需要同意隐私说明" in text and 'value="not-an-email"' in text


def test_review_shows_completeness_and_what_is_missing(client):
    describe(client)
    fill_details(client)
    client.post("/complaints/new/contact", data=CONTACT)
    page = client.get("/complaints/new/review").get_data(as_text=True)
    assert re.search(r"完整度：\d+ 分", page)
    assert "还缺：报错截图、订单详情截图" in page and "补充后通常处理更快" in page


def test_submit_shows_reference_access_code_and_hashes(client, app):
    response = complete_journey(client, files=[png()])
    assert response.headers["Location"].endswith("/complaints/submitted")
    page = client.get("/complaints/submitted").get_data(as_text=True)
    reference = re.search(r'data-testid="reference">([^<]+)', page).group(1)
    assert re.fullmatch(r"TS-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}", reference)
    assert re.search(r'data-testid="access-code">[0-9A-Z]{5}-[0-9A-Z]{5}<', page)
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        assert complaint.reference == reference and complaint.contact_phone == "13800138000"
        assert complaint.evidence[0].sha256 in page
        assert [m.kind for m in db.session.scalars(sa.select(OutboxMessage))] == ["received"]


def test_double_submit_creates_one_complaint(client, app):
    complete_journey(client)
    again = client.post("/complaints/new/submit")
    assert again.headers["Location"].endswith("/complaints/submitted")
    with app.app_context():
        assert count(Complaint) == 1


def test_replaying_the_same_draft_from_another_tab_creates_one_complaint(app):
    first, second = app.test_client(), app.test_client()
    describe(first)
    fill_details(first)
    first.post("/complaints/new/contact", data=CONTACT)
    with first.session_transaction() as session:
        copied = dict(session)
    with second.session_transaction() as session:
        session.update(copied)
    first.post("/complaints/new/submit")
    second.post("/complaints/new/submit")
    with app.app_context():
        assert count(Complaint) == 1


def test_email_receipt_goes_to_the_outbox_with_the_access_code(client, app):
    complete_journey(client)
    client.post("/complaints/submitted/email")
    with app.app_context():
        receipt = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "receipt"))
        assert receipt.recipient == "user@example.com" and "查询码" in receipt.body


def test_database_failure_returns_503_and_keeps_nothing_partial(client, app, monkeypatch):
    from app.complaints import services

    describe(client)
    fill_details(client)
    client.post("/complaints/new/contact", data=CONTACT)

    monkeypatch.setattr(services.db.session, "commit", broken_commit)
    response = client.post("/complaints/new/submit")
    monkeypatch.undo()
    assert response.status_code == 503
    with app.app_context():
        assert count(Complaint) == 0


def test_steps_without_a_draft_send_people_to_the_start(client):
    assert client.get("/complaints/new/review").headers["Location"].endswith("/complaints/new")


def test_review_suggests_a_better_category_when_the_text_disagrees(client):
    describe(client, category="other", description="卡密无效，提示已被使用，刚提取就用不了，想退款或补发。")
    fill_details(client, order_number="", purchase_time="")
    client.post("/complaints/new/contact", data=CONTACT)
    page = client.get("/complaints/new/review").get_data(as_text=True)
    assert "看起来更像“卡密无效 / 用不了”问题" in page


def test_abandoned_drafts_and_their_files_are_purged(client, app, runner):
    describe(client)
    fill_details(client, files=[png()], action="upload")
    with app.app_context():
        draft = db.session.scalar(sa.select(ComplaintDraft))
        draft.updated_at = draft.updated_at.replace(year=2025)
        db.session.commit()
    assert len(list(app.config["UPLOAD_DIR"].glob("*"))) == 1
    result = runner.invoke(args=["complaints", "purge-drafts", "--older-than-days", "7"])
    assert "Removed 1 abandoned drafts" in result.output
    with app.app_context():
        assert count(ComplaintDraft) == 0 and count(Evidence) == 0
    assert list(app.config["UPLOAD_DIR"].glob("*")) == []


def test_recent_and_submitted_drafts_are_kept(client, app, runner):
    complete_journey(client)
    describe(client)
    result = runner.invoke(args=["complaints", "purge-drafts", "--older-than-days", "7"])
    assert "Removed 0 abandoned drafts" in result.output
    with app.app_context():
        assert count(ComplaintDraft) == 2 and count(Complaint) == 1


def test_submitting_a_draft_is_one_commit(client, app):
    describe(client)
    fill_details(client, files=[png()], action="upload")
    fill_details(client)
    client.post("/complaints/new/contact", data=CONTACT)
    with commits() as seen:
        client.post("/complaints/new/submit")
    assert len(seen) == 1
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        assert db.session.scalar(sa.select(ComplaintDraft)).complaint_id == complaint.id
        assert len(complaint.evidence) == 1


def test_a_details_post_with_several_files_is_one_commit(client, app):
    describe(client)
    with commits() as seen:
        fill_details(client, files=[png(f"{i}.png") for i in range(3)], action="upload")
    assert len(seen) == 1
    with app.app_context():
        assert count(Evidence) == 3
        assert db.session.scalar(sa.select(ComplaintDraft)).data["details"]["order_number"] == DETAILS["order_number"]


def test_deflecting_and_emailing_the_receipt_are_one_commit_each(client):
    describe(client)
    fill_details(client, files=[png()], action="upload")
    with commits() as seen:
        client.post("/complaints/new/deflect", data={"article": "card-code-invalid"})
    assert len(seen) == 1
    complete_journey(client)
    with commits() as seen:
        client.post("/complaints/submitted/email")
    assert len(seen) == 1


def test_files_written_for_a_failed_commit_are_removed(client, app, monkeypatch):
    describe(client)
    monkeypatch.setattr(db.session, "commit", broken_commit)
    response = fill_details(client, files=[png()], action="upload")
    monkeypatch.undo()
    assert response.status_code == 503  # a database that cannot commit is unavailable, not a bug
    assert list(app.config["UPLOAD_DIR"].glob("*")) == []
    with app.app_context():
        assert count(Evidence) == 0


def test_a_removed_file_stays_on_disk_when_its_row_could_not_be_deleted(client, app, monkeypatch):
    describe(client)
    fill_details(client, files=[png()], action="upload")
    with app.app_context():
        evidence_id = db.session.scalar(sa.select(Evidence.id))
    monkeypatch.setattr(db.session, "commit", broken_commit)
    client.post(f"/complaints/new/evidence/{evidence_id}/delete")
    monkeypatch.undo()
    assert len(list(app.config["UPLOAD_DIR"].glob("*"))) == 1
    with app.app_context():
        assert count(Evidence) == 1


def test_the_upload_hint_states_the_configured_limits(client, app):
    app.config.update(EVIDENCE_MAX_FILES=3, EVIDENCE_MAX_BYTES=2 * 1024 * 1024)
    describe(client)
    page = client.get("/complaints/new/details").get_data(as_text=True)
    assert "最多 3 个文件，每个不超过 2 MB" in page


def test_contact_step_offers_only_the_channels_the_deployment_delivers(client, app):
    describe(client)
    fill_details(client)
    assert 'value="sms"' in client.get("/complaints/new/contact").get_data(as_text=True), "the file backend records SMS"
    app.config["NOTIFY_CHANNELS"] = ("email",)  # what MAIL_BACKEND=smtp derives: no SMS gateway
    page = client.get("/complaints/new/contact").get_data(as_text=True)
    assert 'value="sms"' not in page and "短信" in page and "暂时不能发送短信" in page
    forged = client.post("/complaints/new/contact", data={**CONTACT, "notify_via": "sms"}).get_data(as_text=True)
    assert "暂时不能通过短信通知你，请改用邮件" in forged
    phone_only = client.post("/complaints/new/contact", data={**CONTACT, "contact_email": ""}).get_data(as_text=True)
    assert 'id="contact_email-error"' in phone_only and "要用邮件通知你，请填写邮箱" in phone_only


def test_a_scam_victim_gets_police_and_continue_first_and_no_way_to_drop_the_complaint(client):
    describe(client, category="other", description="有人冒充客服让我转账到个人账户，我的 500 元没了，还要我交解冻费。")
    page = client.get("/complaints/new/suggestions").get_data(as_text=True)
    actions = page.index('data-testid="scam-actions"')
    assert page.index('href="tel:110"', actions) < page.index('href="tel:96110"', actions) < page.index(
        "继续填写我的投诉", actions)
    assert "已解决，不用投诉了" not in page and "/complaints/new/deflect" not in page
    forged = client.post("/complaints/new/deflect", follow_redirects=True).get_data(as_text=True)
    assert "可能涉及诈骗" in forged and 'data-testid="scam-actions"' in forged  # the draft is still there
    with client.application.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Deflection)) == 0
    describe(client)
    assert "已解决，不用投诉了" in client.get("/complaints/new/suggestions").get_data(as_text=True)


def test_receipt_says_where_the_code_is_sent_and_folds_the_checksums(client, app):
    complete_journey(client, files=[png()])
    page = client.get("/complaints/submitted").get_data(as_text=True)
    assert "查询码只显示这一次" not in page
    assert "不会自动发给你" in page and "发到 user@example.com" in page
    with app.app_context():
        item = db.session.scalar(sa.select(Evidence))
        size = f"{item.size / 1024:.1f} KB" if item.size >= 1024 else f"{item.size} B"
    details = page.index("文件校验码（用于证明文件未被改动）")
    assert page.rfind("<details", 0, details) > page.rfind("</details>", 0, details)
    assert page.index(item.sha256) > details and size in page
    assert page.count('data-copy="') == 2 and "复制投诉编号" in page and "复制查询码" in page


def test_review_uses_full_width_parentheses(client):
    describe(client)
    fill_details(client, files=[png("支付截图.png")], action="upload")
    fill_details(client)
    client.post("/complaints/new/contact", data=CONTACT)
    page = client.get("/complaints/new/review").get_data(as_text=True)
    assert "支付截图.png（报错截图）" in page and "(报错截图)" not in page
