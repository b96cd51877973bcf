"""Worded case summaries: scrubbed draft, edit, a second person approves, publish, withdraw, consent rules."""
import re

import pytest
import sqlalchemy as sa

from app.accounts.models import AuditEntry
from app.complaints import services
from app.extensions import db
from app.transparency import publishing
from app.transparency.models import CaseSummary, SummaryStatus
from tests.factories import make_complaint, make_staff, staff_act_on

PERSONAL = "我叫张伟，手机 13812345678，订单 KM202611201234567890，卡密 ABCD-1234-EFGH 用不了。"


@pytest.fixture
def decided(app_context):
    complaint, code = make_complaint(consent_publish=True, description=PERSONAL, contact_phone="13812345678")
    staff_act_on(complaint, "resolve", outcome="replacement", body="已核实，给张伟补发了新卡密，请查收。")
    return complaint, code


@pytest.fixture
def team(app_context):
    return make_staff("agent", name="客服阿杰"), make_staff("supervisor", name="主管小林")


def test_the_draft_is_scrubbed_of_the_complaints_personal_data(decided, team):
    complaint, _ = decided
    summary = publishing.draft(complaint, team[0])
    for secret in ("13812345678", "KM202611201234567890", "ABCD-1234-EFGH"):
        assert secret not in summary.text
    assert "问题类型" in summary.text and "结果：补发或重新充值" in summary.text
    assert re.fullmatch(r"S[0-9A-F]{10}", summary.public_id)  # random, not the internal sequence number


def test_only_decided_consented_complaints_get_a_summary(app_context, team):
    open_one, _ = make_complaint(consent_publish=True)
    private, _ = make_complaint(consent_publish=False)
    staff_act_on(private, "reject", body="不符合条件")
    for complaint in (open_one, private):
        with pytest.raises(publishing.PublishRefused) as refused:
            publishing.draft(complaint, team[0])
        assert refused.value.reason == "not_publishable"


def test_publishing_is_refused_while_personal_data_remains(decided, team):
    agent, supervisor = team
    summary = publishing.draft(decided[0], agent)
    publishing.edit(summary, agent, summary.text + "\n联系我：13812345678")
    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.advance(summary, supervisor, "approve")
    assert refused.value.reason == "personal_data" and refused.value.found


def test_a_second_person_who_is_a_supervisor_approves(decided, team):
    agent, supervisor = team
    summary = publishing.draft(decided[0], agent)
    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.advance(summary, agent, "approve")
    assert refused.value.reason == "supervisor_only"
    own = make_complaint(consent_publish=True)[0]
    staff_act_on(own, "resolve", outcome="explained", body="已解释")
    own_summary = publishing.draft(own, supervisor)
    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.advance(own_summary, supervisor, "approve")
    assert refused.value.reason == "second_person"


def test_the_whole_workflow_is_audited_and_public_only_when_published(client, decided, team):
    agent, supervisor = team
    summary = publishing.draft(decided[0], agent)
    assert client.get(f"/transparency/outcomes/{summary.public_id}").status_code == 404
    publishing.advance(summary, supervisor, "approve")
    with pytest.raises(publishing.PublishRefused):
        publishing.advance(summary, supervisor, "approve")
    publishing.advance(summary, agent, "publish")
    page = client.get(f"/transparency/outcomes/{summary.public_id}").get_data(as_text=True)
    assert "补发或重新充值" in page and "13812345678" not in page
    assert summary.public_id in client.get("/transparency/outcomes").get_data(as_text=True)
    publishing.advance(summary, supervisor, "withdraw")
    assert client.get(f"/transparency/outcomes/{summary.public_id}").status_code == 404
    kinds = db.session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.kind.startswith("summary_"))
                               .order_by(AuditEntry.id)).all()
    assert kinds == ["summary_draft", "summary_approve", "summary_publish", "summary_withdraw"]


def test_editing_an_approved_summary_needs_approval_again(decided, team):
    agent, supervisor = team
    summary = publishing.draft(decided[0], agent)
    publishing.advance(summary, supervisor, "approve")
    publishing.edit(summary, agent, "用户反映卡密无效，核实后补发，用时 1 天。")
    assert summary.status == SummaryStatus.DRAFT and summary.approved_by_id is None
    with pytest.raises(publishing.PublishRefused):
        publishing.advance(summary, agent, "publish")


def test_withdrawing_consent_through_tracking_takes_the_summary_down_at_once(app, client, decided, team):
    complaint, code = decided
    agent, supervisor = team
    summary = publishing.draft(complaint, agent)
    publishing.advance(summary, supervisor, "approve")
    publishing.advance(summary, agent, "publish")
    public_id, reference = summary.public_id, complaint.reference
    client.post("/track", data={"reference": reference, "access_code": code})
    assert "撤回公示同意" in client.get(f"/track/{reference}").get_data(as_text=True)
    client.post(f"/track/{reference}/consent")
    db.session.expire_all()
    assert db.session.scalar(sa.select(CaseSummary.status).where(CaseSummary.public_id == public_id)) == "withdrawn"
    assert services.find_by_reference(reference).consent_publish is False
    assert client.get(f"/transparency/outcomes/{public_id}").status_code == 404


def test_the_console_panel_drafts_and_shows_what_the_scrubber_still_finds(app, client, signed_in, decided):
    signed_in("agent")
    reference = decided[0].reference
    client.post(f"/staff/complaints/{reference}/summary", data={"step": "draft"})
    client.post(f"/staff/complaints/{reference}/summary", data={"step": "save", "text": "用户 13812345678 反映问题"})
    page = client.get(f"/staff/complaints/{reference}").get_data(as_text=True)
    assert "仍发现个人信息" in page and "<mark>13812345678</mark>" in page
    response = client.post(f"/staff/complaints/{reference}/summary", data={"step": "publish"}, follow_redirects=True)
    assert "不能进行这一步" in response.get_data(as_text=True)
