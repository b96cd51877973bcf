"""Triage, SLA clocks over holidays and pauses, and duplicate detection."""
import datetime as dt

import sqlalchemy as sa

from app.complaints import services, sla
from app.complaints.models import ComplaintEvent, EventKind
from app.complaints.triage import scam_signals, suggest_category
from app.extensions import db
from app.timeutil import aware
from tests.factories import make_complaint, staff_act_on

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_urgent_words_raise_priority_and_shorten_first_response(app_context):
    complaint, _ = make_complaint(description="我的账号被盗了，里面的余额被人盗刷买了点卡，请尽快处理。")
    assert complaint.priority == "urgent" and "keyword:被盗" in complaint.triage_reasons


def test_large_amount_is_high_priority(app_context):
    complaint, _ = make_complaint(amount_cents=800_00)
    assert complaint.priority == "high" and "amount" in complaint.triage_reasons


def test_text_that_disagrees_with_the_category_gets_a_suggestion():
    assert suggest_category("other", "卡密无效，提示已被使用，用不了") == "card_code_invalid"
    assert suggest_category("card_code_invalid", "卡密无效，提示已被使用") is None


def test_same_order_number_is_linked_as_duplicate(app_context):
    first, _ = make_complaint()
    second, _ = make_complaint(contact_email="other@example.com")
    assert second.duplicate_of_id == first.id


def test_same_contact_with_similar_text_is_linked_and_counts_as_repeat(app_context):
    first, _ = make_complaint(order_number=None)
    second, _ = make_complaint(order_number=None, description=first.description + "请尽快！")
    assert second.duplicate_of_id == first.id and "repeat_contact" in second.triage_reasons


def test_a_contact_filing_many_is_compared_with_their_latest_complaints_only(app_context, monkeypatch):
    monkeypatch.setattr("app.complaints.triage.DUPLICATE_CANDIDATES", 2)
    earlier = [make_complaint(order_number=None)[0] for _ in range(3)]
    latest, _ = make_complaint(order_number=None, description=earlier[0].description + "还没处理吗？")
    assert latest.duplicate_of_id == earlier[1].id  # the first of the two most recent, not the very first
    assert "repeat_contact" in latest.triage_reasons


def test_scam_scripts_are_recognised():
    signals = {signal for signal, _ in scam_signals("客服让我下载向日葵，还让我把验证码发给他，说有退款链接")}
    assert {"screen_sharing", "refund_link"} <= signals
    assert scam_signals("卡密无效") == []


def test_sla_skips_the_national_day_holiday(app_context):
    start = dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    due = sla.add_working_time(start, dt.timedelta(hours=24))
    # 14 working hours left on 09-30, then 10-01..10-07 are holidays; 10 more hours on 10-08.
    assert due.astimezone(SHANGHAI) == dt.datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI)


def test_sla_counts_an_adjusted_working_saturday(app_context):
    start = dt.datetime(2026, 10, 9, 12, 0, tzinfo=SHANGHAI)  # Friday; Saturday 10-10 is a working day
    due = sla.add_working_time(start, dt.timedelta(hours=24))
    assert due.astimezone(SHANGHAI) == dt.datetime(2026, 10, 10, 12, 0, tzinfo=SHANGHAI)


def test_waiting_for_the_user_pauses_the_clock(app_context):
    start = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday
    complaint, _ = make_complaint(now=start)
    due_before = complaint.resolution_due
    staff_act_on(complaint, "request_info", now=start + dt.timedelta(hours=1), body="请上传支付截图")
    services.add_user_message(complaint, "已上传", now=start + dt.timedelta(hours=25))
    shifted = aware(complaint.resolution_due) - aware(due_before)
    assert shifted == dt.timedelta(hours=24)
    assert complaint.status == "in_review"


def test_every_status_change_is_recorded_with_an_event(app_context):
    complaint, _ = make_complaint()
    staff_act_on(complaint, "take")
    staff_act_on(complaint, "resolve", outcome="replacement", body="已补发卡密")
    query = sa.select(ComplaintEvent.to_status).where(ComplaintEvent.kind == EventKind.STATUS)
    statuses = db.session.scalars(query).all()
    assert statuses == ["received", "in_review", "resolved"]


def test_scam_scripts_and_seller_fraud_are_urgent_even_without_keywords(app_context):
    scam, _ = make_complaint(category="other", order_number=None, details={},
                             description="有人自称客服，让我下载向日葵共享屏幕，余额被转走了。")
    fraud, _ = make_complaint(category="seller_fraud", order_number=None, details={}, contact_email="b@example.com",
                              description="卖家收了钱以后把我拉黑了，联系不上。")
    assert scam.priority == "urgent" and "scam:screen_sharing" in scam.triage_reasons
    assert fraud.priority == "urgent" and "category:seller_fraud" in fraud.triage_reasons


def test_urgent_first_response_runs_through_the_weekend(app_context):
    saturday_night = dt.datetime(2026, 11, 28, 1, 30, tzinfo=SHANGHAI)
    first_due, resolution_due = sla.due_dates("other", "urgent", saturday_night)
    assert first_due == saturday_night + dt.timedelta(hours=4)
    assert resolution_due.astimezone(SHANGHAI) > dt.datetime(2026, 12, 2, tzinfo=SHANGHAI)
