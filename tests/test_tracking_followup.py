"""Follow-up by the owner: supplement, withdraw, rate, reopen, lost references, and what each one notifies."""
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import selectinload

from app.complaints import casework, services
from app.complaints.models import Complaint, Evidence
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.timeutil import aware, utcnow
from tests.factories import file_complaint, make_staff, staff_act


def png(name="支付截图.png"):
    output = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(output, "PNG")
    return io.BytesIO(output.getvalue()), name


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def owner(app, client):
    """A filed complaint whose access code this client has entered; yields its reference."""
    reference, code = file_complaint(app)
    client.post("/track", data={"reference": reference, "access_code": code})
    return reference


def complaint(app, reference):
    """Load a complaint with its events and evidence, detached for assertions."""
    with app.app_context():
        query = sa.select(Complaint).where(Complaint.reference == reference)
        found = db.session.scalar(query.options(selectinload(Complaint.events), selectinload(Complaint.evidence)))
        db.session.expunge(found)
        return found


def outbox(app, reference=None):
    with app.app_context():
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if reference:
            query = query.where(OutboxMessage.reference == reference)
        messages = db.session.scalars(query).all()
        return [(m.kind, m.language, m.recipient, m.subject, m.body) for m in messages]


def resolve(app, reference, now=None):
    staff_act(app, reference, "resolve", "客服小李", now=now, outcome="replacement", body="已补发")


def post(client, reference, action, **data):
    return client.post(f"/track/{reference}/{action}", data=data, content_type="multipart/form-data")


def test_answering_a_staff_question_returns_the_complaint_to_review(app, client, owner):
    staff_act(app, owner, "request_info", "客服小李", body="请上传支付截图")
    response = post(client, owner, "message", body="截图在附件里", files=[png()], evidence_kind="payment_record")
    assert response.headers["Location"] == f"/track/{owner}#timeline"
    stored = complaint(app, owner)
    assert stored.status == "in_review" and stored.paused_at is None
    page = text(client.get(f"/track/{owner}"))
    assert "截图在附件里" in page and "你上传了文件：支付截图.png" in page and "已收到你的补充" in page
    assert page.split('id="timeline"')[1].rindex("处理中") > page.split('id="timeline"')[1].index("截图在附件里")
    with app.app_context():
        assert db.session.scalar(sa.select(Evidence)).kind == "payment_record"


def test_information_can_be_added_while_not_asked(app, client, owner):
    post(client, owner, "message", body="补充一下：商家客服电话打不通")
    assert complaint(app, owner).status == "received"
    assert "商家客服电话打不通" in text(client.get(f"/track/{owner}"))


def test_an_empty_supplement_is_refused_next_to_the_field(client, owner):
    page = text(post(client, owner, "message", body="  "))
    assert "请填写补充说明或上传文件" in page and 'aria-describedby="body-hint body-error"' in page


def test_a_refused_file_saves_nothing(app, client, owner):
    fake = (io.BytesIO(b"<html><script>alert(1)</script></html>"), "photo.jpg")
    page = text(post(client, owner, "message", body="看附件", files=[fake]))
    assert "只支持 JPG、PNG、WebP" in page
    assert "看附件</textarea>" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert list(app.config["UPLOAD_DIR"].glob("*")) == []


def test_files_are_capped_per_complaint(app, client, owner):
    post(client, owner, "message", files=[png(f"{i}.png") for i in range(4)])
    page = text(post(client, owner, "message", files=[png("a.png"), png("b.png")]))
    assert "每件投诉最多 5 个文件，现在还能上传 1 个" in page
    assert len(complaint(app, owner).evidence) == 4


def test_a_closed_complaint_takes_no_more_messages(app, client, owner):
    resolve(app, owner)
    response = post(client, owner, "message", body="还有一件事", files=[png()])
    assert response.headers["Location"] == f"/track/{owner}"
    assert "这件投诉已经结束，不能再补充" in text(client.get(f"/track/{owner}"))
    assert list(app.config["UPLOAD_DIR"].glob("*")) == []


def test_follow_up_needs_the_code_in_this_browser(app, owner):
    stranger = app.test_client()
    response = post(stranger, owner, "withdraw", withdraw_reason="恶意撤回")
    assert response.headers["Location"] == f"/track/{owner}"
    assert complaint(app, owner).status == "received"


def test_withdraw_needs_a_reason(app, client, owner):
    assert "请写一下撤回的原因" in text(post(client, owner, "withdraw", withdraw_reason=""))
    post(client, owner, "withdraw", withdraw_reason="商家已经退款了")
    stored = complaint(app, owner)
    assert stored.status == "withdrawn" and stored.events[-1].note == "商家已经退款了"
    page = text(client.get(f"/track/{owner}"))
    assert "已撤回" in page and 'action="/track/%s/withdraw"' % owner not in page


def test_withdrawing_twice_is_explained(client, owner):
    post(client, owner, "withdraw", withdraw_reason="不需要了")
    post(client, owner, "withdraw", withdraw_reason="不需要了")
    assert "投诉状态已经变化，现在不能进行这个操作" in text(client.get(f"/track/{owner}"))


def test_rating_is_offered_after_resolution_and_taken_once(app, client, owner):
    assert 'name="score"' not in text(client.get(f"/track/{owner}"))
    resolve(app, owner)
    assert 'name="score"' in text(client.get(f"/track/{owner}"))
    post(client, owner, "rate", score="4", comment="处理得挺快")
    stored = complaint(app, owner)
    assert (stored.rating, stored.rating_comment) == (4, "处理得挺快")
    post(client, owner, "rate", score="1")
    assert complaint(app, owner).rating == 4
    page = text(client.get(f"/track/{owner}"))
    assert "你已经评价过这件投诉了" in page and "你的评价：4 分" in page


@pytest.mark.parametrize("score", ["", "0", "6", "abc"])
def test_rating_must_be_one_to_five(app, client, owner, score):
    resolve(app, owner)
    post(client, owner, "rate", score=score)
    assert complaint(app, owner).rating is None


def test_rating_an_open_complaint_is_refused(app, client, owner):
    post(client, owner, "rate", score="5")
    assert complaint(app, owner).rating is None
    assert "投诉处理结束后才能评价" in text(client.get(f"/track/{owner}"))


def test_reopen_within_fifteen_days_escalates(app, client, owner):
    resolve(app, owner, now=utcnow() - dt.timedelta(days=14))
    assert "重新打开投诉" in text(client.get(f"/track/{owner}"))
    post(client, owner, "reopen", reopen_reason="卡密还是用不了")
    stored = complaint(app, owner)
    assert (stored.status, stored.priority, stored.reopen_count) == ("reopened", "high", 1)
    assert "投诉已重新打开" in text(client.get(f"/track/{owner}"))


def test_a_reopened_complaint_starts_again_whoever_reopened_it(app, client, owner):
    resolve(app, owner, now=utcnow() - dt.timedelta(days=3))
    post(client, owner, "reopen", reopen_reason="卡密还是用不了")
    by_user = complaint(app, owner)
    reference, _code = file_complaint(app)
    resolve(app, reference, now=utcnow() - dt.timedelta(days=3))
    with app.app_context():
        casework.perform(services.find_by_reference(reference), make_staff("supervisor", name="主管老周"), "reopen",
                         {"body": "复核后重新处理"}, None)
    by_staff = complaint(app, reference)
    for reopened in (by_user, by_staff):
        assert reopened.status == "reopened"
        assert (reopened.outcome, reopened.outcome_amount_cents, reopened.first_responded_at) == (None, None, None)
        assert (reopened.escalated_at, reopened.due_soon_alerted_at) == (None, None)
        assert aware(reopened.first_response_due) > utcnow()  # fresh dates from the moment it was reopened


def test_reopen_after_fifteen_days_is_refused(app, client, owner):
    resolve(app, owner, now=utcnow() - dt.timedelta(days=16))
    assert "重新打开投诉" not in text(client.get(f"/track/{owner}"))
    post(client, owner, "reopen", reopen_reason="还是不行")
    assert complaint(app, owner).status == "resolved"
    assert "已超过可以重新打开的期限" in text(client.get(f"/track/{owner}"))


def test_reopen_needs_a_reason(app, client, owner):
    resolve(app, owner)
    assert "请说明还有什么问题没有解决" in text(post(client, owner, "reopen", reopen_reason=""))


@pytest.mark.parametrize("typed", ["+86 138-0013-8000", "0086 13800138000", "138 0013 8000"])
def test_lost_references_are_sent_to_the_phone_however_it_is_typed(app, client, typed):
    reference, _ = file_complaint(app, contact_phone="13800138000", notify_via="sms")
    response = client.post("/track/lost", data={"contact": typed})
    assert response.headers["Location"] == "/track/lost"
    sent = [m for m in outbox(app) if m[0] == "lost_references"]
    assert len(sent) == 1 and sent[0][2] == "13800138000" and reference in sent[0][4]


def test_lost_references_by_email_list_every_complaint(app, client):
    first, _ = file_complaint(app, contact_email="me@example.com")
    second, _ = file_complaint(app, contact_email="me@example.com", category="card_code_invalid")
    client.post("/track/lost", data={"contact": " me@example.com "})
    body = [m for m in outbox(app) if m[0] == "lost_references"][0][4]
    assert first in body and second in body


def test_lost_references_answer_the_same_when_there_are_none(app, client):
    file_complaint(app, contact_email="me@example.com")
    known = text(client.post("/track/lost", data={"contact": "me@example.com"}, follow_redirects=True))
    unknown = text(client.post("/track/lost", data={"contact": "nobody@example.com"}, follow_redirects=True))
    assert known == unknown and "如果这个联系方式提交过投诉" in known
    assert [m[2] for m in outbox(app) if m[0] == "lost_references"] == ["me@example.com"]


def test_lost_references_explain_a_bad_contact(client):
    assert "请填写 11 位中国大陆手机号" in text(client.post("/track/lost", data={"contact": "12345"}))


def test_lost_reference_requests_are_rate_limited(app):
    app.config["RATELIMIT_ENABLED"] = True
    client = app.test_client()
    statuses = [client.post("/track/lost", data={"contact": "me@example.com"}).status_code for _ in range(6)]
    assert statuses[-1] == 429


def _ask(app, reference, client):
    staff_act(app, reference, "request_info", "客服小李", body="请上传支付截图")


def _answer(app, reference, client):
    post(client, reference, "message", body="已上传")


def _reply(app, reference, client):
    staff_act(app, reference, "reply", "客服小李", body="已联系商家")


def _review(app, reference, client):
    staff_act(app, reference, "take", "客服小李")


def _resolve(app, reference, client):
    resolve(app, reference)


def _reopen(app, reference, client):
    post(client, reference, "reopen", reopen_reason="还是没到账")


def _withdraw(app, reference, client):
    post(client, reference, "withdraw", withdraw_reason="不需要了")


@pytest.mark.parametrize(("steps", "expected"), [
    ((_ask,), ("status_changed", "awaiting_user")),
    ((_ask, _answer), ("status_changed", "in_review")),
    ((_reply,), ("staff_replied", "已联系商家")),
    ((_review,), ("status_changed", "in_review")),
    ((_resolve,), ("status_changed", "resolved")),
    ((_resolve, _reopen), ("status_changed", "reopened")),
    ((_withdraw,), ("status_changed", "withdrawn")),
])
def test_every_transition_and_reply_notifies_the_user(app, client, owner, steps, expected):
    for step in steps:
        step(app, owner, client)
    kind, marker = expected
    last = outbox(app, owner)[-1]
    assert last[0] == kind and last[2] == "user@example.com"
    labels = {"awaiting_user": "等待你补充信息", "in_review": "处理中", "resolved": "已解决", "reopened": "已重新打开",
              "withdrawn": "已撤回"}
    assert labels.get(marker, marker) in last[4]


def test_notifications_use_the_language_of_the_complaint(app, client):
    reference, code = file_complaint(app, language="en")
    client.post("/track", data={"reference": reference, "access_code": code})
    staff_act(app, reference, "request_info", "Li", body="Please upload the payment screenshot")
    post(client, reference, "message", body="Uploaded")
    assert {m[1] for m in outbox(app, reference)} == {"en"}
    assert len(outbox(app, reference)) == 3


def test_lost_references_explain_input_that_is_neither_email_nor_phone(client):
    assert "请填写提交投诉时留下的邮箱或手机号" in text(client.post("/track/lost", data={"contact": "not an email"}))
