"""Case work from the console: every action through the one state machine, one transaction, audited, versioned."""
import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from app.accounts import services as accounts
from app.accounts.models import AuditEntry, StaffAlert, StaffMember
from app.complaints import casework, lifecycle, presenters, services
from app.complaints.models import EventKind
from app.complaints.states import Status
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.timeutil import utcnow
from tests.factories import file_complaint, make_staff, staff_act
from tests.test_tracking_followup import png

VERSION_RE = re.compile(r'name="version" type="hidden" value="(\d+)"')


def _complaint(app, reference):
    with app.app_context():
        complaint = services.find_by_reference(reference)
        db.session.expunge(complaint)
        return complaint


def _version(client, reference):
    page = client.get(f"/staff/complaints/{reference}").get_data(as_text=True)
    return int(VERSION_RE.search(page).group(1))


def _act(client, reference, action, version=None, **fields):
    version = _version(client, reference) if version is None else version
    return client.post(f"/staff/complaints/{reference}/actions", data={"action": action, "version": version, **fields})


def _audit(app, kind):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == kind)).all()


@pytest.fixture
def agent(signed_in):
    return signed_in("agent")


@pytest.fixture
def reference(app):
    return file_complaint(app)[0]


# ------------------------------------------------------------------ each action

ACTIONS = [
    ("take", {}, Status.IN_REVIEW),
    ("reply", {"body": "已联系卖家核实，请稍候。"}, Status.IN_REVIEW),
    ("request_info", {"body": "请上传支付记录截图。"}, Status.AWAITING_USER),
    ("resolve", {"outcome": "full_refund", "amount": "100", "body": "已全额退款到支付宝。"}, Status.RESOLVED),
    ("reject", {"body": "经核实卡密已被你的账号使用。"}, Status.REJECTED),
    ("note", {"body": "卖家电话打不通，明天再试。"}, Status.RECEIVED),
    ("set_priority", {"priority": "urgent", "reason": "涉及诈骗"}, Status.RECEIVED),
    ("set_category", {"category": "seller_fraud", "reason": "描述是私下交易被骗"}, Status.RECEIVED),
]


@pytest.mark.parametrize(("action", "fields", "status"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_each_action_moves_the_case_and_is_audited(app, client, agent, reference, action, fields, status):
    response = _act(client, reference, action, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        complaint = services.find_by_reference(reference)
        assert complaint.status == status
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == f"action:{action}"))
        assert entry.staff.email == agent and entry.complaint_id == complaint.id
        assert entry.before["status"] == Status.RECEIVED and entry.after["status"] == status


def test_resolve_records_outcome_and_amount_and_tells_the_user(app, client, agent, reference):
    _act(client, reference, "resolve", outcome="partial_refund", amount="¥35.50", body="已退回差价 35.50 元。")
    with app.app_context():
        complaint = services.find_by_reference(reference)
        assert (complaint.outcome, complaint.outcome_amount_cents) == ("partial_refund", 3550)
        assert complaint.assignee.email == agent and complaint.first_responded_at is not None
        mail = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "user@example.com")
                                  .order_by(OutboxMessage.id)).all()[-1]
        assert "已退回差价" in mail.body and "已解决" in mail.body


def test_partial_refund_without_amount_is_refused_and_keeps_the_text(app, client, agent, reference):
    response = _act(client, reference, "resolve", outcome="partial_refund", body="部分退款说明文字")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "部分退款请填写金额" in page and "部分退款说明文字" in page
    assert _complaint(app, reference).status == Status.RECEIVED


def test_reject_needs_a_reason(app, client, agent, reference):
    response = _act(client, reference, "reject", body="  ")
    assert response.status_code == 400 and "请填写内容" in response.get_data(as_text=True)


def test_duplicate_closes_the_case_and_tells_the_user_where_it_continues(app, client, agent, reference):
    other = file_complaint(app, description="同一个订单又投诉了一次，充值一直没到账。")[0]
    assert _act(client, other, "duplicate", of=reference.lower().replace("-", " ")).status_code == 302
    with app.app_context():
        merged = services.find_by_reference(other)
        assert merged.status == Status.MERGED and merged.duplicate_of.reference == reference
        assert reference in presenters.private_view(merged)["timeline"][-1]["note"]


def test_duplicate_of_itself_or_unknown_is_refused(app, client, agent, reference):
    for target in (reference, "TS-0000-0000-0000-000", "not a reference"):
        response = _act(client, reference, "duplicate", of=target)
        assert response.status_code == 400 and "找不到要合并到的投诉编号" in response.get_data(as_text=True)


def test_invalid_transition_is_refused_with_a_clear_message(app, client, agent, reference):
    _act(client, reference, "resolve", outcome="explained", body="已解释")
    response = _act(client, reference, "request_info", body="请补充")
    assert response.status_code == 400 and "已经结束" in response.get_data(as_text=True)
    assert _complaint(app, reference).status == Status.RESOLVED


def test_reopen_is_for_supervisors(app, client, signed_in, reference):
    signed_in("agent")
    _act(client, reference, "reject", body="不符合条件")
    response = _act(client, reference, "reopen", body="复核后发现判断有误")
    assert response.status_code == 400 and "需要主管权限" in response.get_data(as_text=True)
    client.post("/staff/logout")
    signed_in("supervisor")
    assert _act(client, reference, "reopen", body="复核后发现判断有误").status_code == 302
    assert _complaint(app, reference).status == Status.REOPENED


def test_an_agent_cannot_take_a_case_a_colleague_holds(app, client, signed_in, reference):
    staff_act(app, reference, "take", "客服小王")
    signed_in("agent")
    response = _act(client, reference, "take")
    assert response.status_code == 400 and "客服小王" in response.get_data(as_text=True)


def test_assign_alerts_the_new_holder(app, client, agent, reference):
    with app.app_context():
        colleague = make_staff("agent", email="wang@kameng.example", name="客服小王")
        colleague_id = colleague.id
    assert _act(client, reference, "assign", assignee="wang@kameng.example").status_code == 302
    with app.app_context():
        assert services.find_by_reference(reference).assignee_id == colleague_id
        alert = db.session.scalar(sa.select(StaffAlert).where(StaffAlert.staff_id == colleague_id))
        assert alert.kind == "assigned"
        assert db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "wang@kameng.example"))


# ------------------------------------------------------------------ reply + status in one transaction

def test_reply_and_resolve_is_one_transaction(app, client, agent, reference, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("mail template broke")

    monkeypatch.setattr("app.complaints.notify.status_changed", broken)
    assert _act(client, reference, "resolve", outcome="explained", body="已解释说明").status_code == 500
    with app.app_context():
        complaint = services.find_by_reference(reference)
        assert complaint.status == Status.RECEIVED and complaint.outcome is None and complaint.assignee_id is None
        assert [e.kind for e in complaint.events] == [EventKind.STATUS]
        assert not db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind.startswith("action:"))).all()


def test_three_submits_take_a_case_from_the_queue_to_resolved_with_a_template(app, client, agent, reference):
    page = client.get(f"/staff/complaints/{reference}?template=resolve-full-refund").get_data(as_text=True)
    body = re.search(r'id="form-resolve".*?<textarea[^>]*>\s*(.*?)</textarea>', page, re.S).group(1)
    assert reference in body and "【请填写：金额】" in body  # the complaint gave no amount, so the agent fills it
    filled = re.sub(r"【请填写：[^】]*】", "128.00", body)
    response = _act(client, reference, "resolve", outcome="full_refund", amount="128", body=filled)
    assert response.status_code == 302
    assert _complaint(app, reference).status == Status.RESOLVED


def test_a_reply_still_holding_a_fill_in_marker_is_not_sent(app, client, agent, reference):
    response = _act(client, reference, "reply", body="已退款 【请填写：金额】 元")
    assert response.status_code == 400 and "待填写" in response.get_data(as_text=True)
    assert _complaint(app, reference).status == Status.RECEIVED


# ------------------------------------------------------------------ optimistic locking

def test_a_stale_version_answers_409_applies_nothing_and_keeps_the_text(app, client, agent, reference):
    seen = _version(client, reference)
    staff_act(app, reference, "note", "客服小王", body="我先看看")
    response = _act(client, reference, "reply", version=seen, body="这是我写了很久的回复")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "刚刚被别人修改过" in page and "这是我写了很久的回复" in page
    with app.app_context():
        kinds = [e.kind for e in services.find_by_reference(reference).events]
        assert EventKind.STAFF_REPLY not in kinds


def test_an_agents_resolve_against_a_users_withdraw_cannot_both_win(app, client, agent):
    reference, code = file_complaint(app)
    seen = _version(client, reference)
    owner = app.test_client()
    owner.post("/track", data={"reference": reference, "access_code": code})
    owner.post(f"/track/{reference}/withdraw", data={"withdraw_reason": "自己解决了"})
    response = _act(client, reference, "resolve", version=seen, outcome="explained", body="已解释")
    assert response.status_code == 409
    assert _complaint(app, reference).status == Status.WITHDRAWN


def _race(app, reference, attempts):
    """Run each attempt(complaint) in its own thread and app context at once; return what each raised."""
    barrier, outcomes = threading.Barrier(len(attempts)), [None] * len(attempts)

    def run(index, attempt):
        with app.app_context():
            try:
                barrier.wait(timeout=5)
                complaint = services.find_by_reference(reference)
                attempt(complaint)
                outcomes[index] = "applied"
            except (lifecycle.ComplaintChanged, casework.ActionRefused, services.NotAllowed) as exc:
                db.session.rollback()
                outcomes[index] = type(exc).__name__
            except Exception as exc:  # an InvalidTransition after the other side won is a refusal too
                db.session.rollback()
                outcomes[index] = type(exc).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_agents_acting_at_once_cannot_both_win(app, reference):
    with app.app_context():
        first, second = make_staff("agent", name="客服一"), make_staff("agent", name="客服二")
        version = services.find_by_reference(reference).version
        ids = first.id, second.id

    def resolve_as(member_id, outcome):
        def attempt(complaint):
            member = db.session.get(StaffMember, member_id)
            casework.perform(complaint, member, "resolve", {"outcome": outcome, "body": outcome}, version)
        return attempt

    outcomes = _race(app, reference, [resolve_as(ids[0], "explained"), resolve_as(ids[1], "replacement")])
    assert sorted(outcomes).count("applied") == 1, outcomes
    with app.app_context():
        complaint = services.find_by_reference(reference)
        statuses = [e.to_status for e in complaint.events if e.kind == EventKind.STATUS]
        assert statuses == [Status.RECEIVED, Status.RESOLVED] and complaint.version > version


def test_an_agent_and_the_user_acting_at_once_cannot_both_win(app, reference):
    with app.app_context():
        member_id = make_staff("agent").id
        version = services.find_by_reference(reference).version

    def agent_resolves(complaint):
        casework.perform(complaint, db.session.get(StaffMember, member_id), "resolve",
                         {"outcome": "explained", "body": "已解释"}, version)

    outcomes = _race(app, reference, [agent_resolves, lambda c: services.withdraw(c, "不需要了")])
    assert outcomes.count("applied") == 1, outcomes
    with app.app_context():
        closing = [e.to_status for e in services.find_by_reference(reference).events if e.kind == EventKind.STATUS][1:]
        assert len(closing) == 1 and closing[0] in (Status.RESOLVED, Status.WITHDRAWN)


# ------------------------------------------------------------------ internal notes stay internal

def test_internal_notes_never_reach_the_user_the_api_or_public_pages(app, client, agent):
    reference, code = file_complaint(app)
    _act(client, reference, "note", body="内部：卖家是老熟人，注意核查")
    _act(client, reference, "set_priority", priority="high", reason="内部原因：金额大")
    owner = app.test_client()
    owner.post("/track", data={"reference": reference, "access_code": code})
    pages = [owner.get(f"/track/{reference}").get_data(as_text=True),
             app.test_client().get(f"/track/{reference}").get_data(as_text=True),
             app.test_client().get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": code}).get_data(as_text=True),
             app.test_client().get("/transparency").get_data(as_text=True)]
    for page in pages:
        assert "卖家是老熟人" not in page and "内部原因" not in page
    with app.app_context():
        assert "卖家是老熟人" not in str(presenters.private_view(services.find_by_reference(reference)))
        mails = " ".join(m.body for m in db.session.scalars(sa.select(OutboxMessage)))
        assert "卖家是老熟人" not in mails


def test_staff_replies_show_the_display_name_never_the_email(app, client, agent, reference):
    _act(client, reference, "reply", body="你好，已收到。")
    with app.app_context():
        view = str(presenters.private_view(services.find_by_reference(reference)))
    assert agent not in view and "你好，已收到。" in view


# ------------------------------------------------------------------ masking and evidence

SENSITIVE = "卡密：ABCD-1234-EFGH-5678，身份证 110101199003071234，银行卡 6222 0212 3456 7890 128。"


def test_card_codes_id_and_bank_numbers_are_masked_until_revealed_and_each_reveal_is_audited(app, client, agent):
    reference = file_complaint(app, description="充值没到账。" + SENSITIVE)[0]
    page = client.get(f"/staff/complaints/{reference}").get_data(as_text=True)
    for secret in ("ABCD-1234-EFGH-5678", "110101199003071234", "6222 0212 3456 7890 128"):
        assert secret not in page
    assert "显示隐藏的内容" in page and "••••" in page
    revealed = client.post(f"/staff/complaints/{reference}/reveal").get_data(as_text=True)
    assert "ABCD-1234-EFGH-5678" in revealed and "110101199003071234" in revealed
    assert len(_audit(app, "reveal")) == 1
    assert "ABCD-1234-EFGH-5678" not in client.get(f"/staff/complaints/{reference}").get_data(as_text=True)


def test_evidence_opens_only_for_staff_of_that_complaint_and_is_audited(app, client, agent, tmp_path):
    reference, code = file_complaint(app)
    owner = app.test_client()
    owner.post("/track", data={"reference": reference, "access_code": code})
    owner.post(f"/track/{reference}/message", data={"body": "截图", "files": [png("shot.png")]},
               content_type="multipart/form-data")
    with app.app_context():
        evidence_id = services.find_by_reference(reference).evidence[0].id
    url = f"/staff/complaints/{reference}/evidence/{evidence_id}"
    assert app.test_client().get(url).status_code == 302
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    other = file_complaint(app)[0]
    assert client.get(f"/staff/complaints/{other}/evidence/{evidence_id}").status_code == 404
    assert [e.subject for e in _audit(app, "evidence_view")] == ["shot.png"]


# ------------------------------------------------------------------ bulk, presence, escalation, alerts

def test_bulk_assign_skips_cases_changed_since_the_list_was_shown(app, client, agent):
    first, second = file_complaint(app)[0], file_complaint(app)[0]
    with app.app_context():
        versions = {r: services.find_by_reference(r).version for r in (first, second)}
    staff_act(app, second, "note", "客服小王", body="刚看过")
    response = client.post("/staff/bulk", data={"bulk_action": "assign", "assignee": agent, "selected": [
        f"{first}@{versions[first]}", f"{second}@{versions[second]}"]}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已处理 1 件" in page and second in page
    with app.app_context():
        assert services.find_by_reference(first).assignee.email == agent
        assert services.find_by_reference(second).assignee_id is None


def test_colleagues_see_who_has_a_case_open(app, client, signed_in, reference):
    signed_in("agent", name="客服阿杰")
    client.get(f"/staff/complaints/{reference}")
    colleague = app.test_client()
    with app.app_context():
        email = make_staff("agent", name="客服小王").email
    colleague.post("/staff/login", data={"email": email, "password": "correct horse battery staple"})
    assert "客服阿杰 也正在查看" in colleague.get(f"/staff/complaints/{reference}").get_data(as_text=True)
    assert "正在查看：客服阿杰" in colleague.get("/staff").get_data(as_text=True)


def test_reloading_a_case_just_seen_costs_no_write_and_presence_still_moves_on(app, reference):
    from app.accounts import presence
    from app.accounts.models import CaseView
    from app.timeutil import aware

    with app.app_context():
        member, complaint = make_staff("agent"), services.find_by_reference(reference)
        start = utcnow()
        refresh = dt.timedelta(seconds=app.config["STAFF_PRESENCE_SECONDS"] * presence.REFRESH_SHARE)
        presence.touch(member, complaint, now=start)
        presence.touch(member, complaint, now=start + refresh / 2)
        assert aware(db.session.get(CaseView, (member.id, complaint.id)).seen_at) == start
        presence.touch(member, complaint, now=start + refresh * 2)
        assert aware(db.session.get(CaseView, (member.id, complaint.id)).seen_at) == start + refresh * 2


def test_overdue_cases_are_escalated_once_and_supervisors_alerted(app):
    reference = file_complaint(app, now=utcnow() - dt.timedelta(days=10))[0]
    file_complaint(app)
    with app.app_context():
        supervisor_id = make_staff("supervisor").id
        assert casework.escalate_overdue() == 1
        assert casework.escalate_overdue() == 0
        complaint = services.find_by_reference(reference)
        assert complaint.priority == "high" and complaint.escalated_at is not None
        assert db.session.scalar(sa.select(StaffAlert).where(StaffAlert.staff_id == supervisor_id)).kind == "escalated"
        event = complaint.events[-1]
        assert event.kind == EventKind.ESCALATION and event.kind not in presenters.private_view(complaint)["timeline"]


def test_the_holder_hears_when_the_user_answers_and_console_only_means_no_email(app, client, agent):
    reference, code = file_complaint(app)
    _act(client, reference, "request_info", body="请上传截图")
    with app.app_context():
        accounts.set_preferences(accounts.find(agent), notify_by_email=False)
    owner = app.test_client()
    owner.post("/track", data={"reference": reference, "access_code": code})
    owner.post(f"/track/{reference}/message", data={"body": "已经上传了"})
    with app.app_context():
        alert = db.session.scalar(sa.select(StaffAlert).where(StaffAlert.kind == "user_answered"))
        assert alert is not None and alert.complaint.reference == reference
        assert not db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == agent)).all()
    assert "用户补充了信息" in client.get("/staff/alerts").get_data(as_text=True)


def test_queue_is_sorted_by_next_deadline_and_filters_count(app, client, agent):
    late = file_complaint(app, now=utcnow() - dt.timedelta(days=10))[0]
    fresh = file_complaint(app)[0]
    staff_act(app, fresh, "request_info", body="请补充")
    page = client.get("/staff").get_data(as_text=True)
    assert page.index(late) < page.index(fresh)
    overdue = client.get("/staff?view=overdue").get_data(as_text=True)
    assert late in overdue and fresh not in overdue
    assert fresh in client.get("/staff?view=awaiting").get_data(as_text=True)
    assert late in client.get("/staff?q=KM202611201234567890").get_data(as_text=True)
    assert "没有符合筛选条件的投诉" in client.get("/staff?q=没有这个词").get_data(as_text=True)


def test_supervisors_see_one_agents_queue(app, client, signed_in):
    signed_in("supervisor")
    held, other = file_complaint(app)[0], file_complaint(app)[0]
    staff_act(app, held, "take", "客服小王")
    with app.app_context():
        wang = db.session.scalar(sa.select(StaffMember.id).where(StaffMember.display_name == "客服小王"))
    page = client.get(f"/staff?assignee={wang}").get_data(as_text=True)
    assert held in page and other not in page
    assert other in client.get("/staff?assignee=99999999999999").get_data(as_text=True)  # ignored, not a 500


def test_queue_pagination_refuses_absurd_pages(client, agent):
    assert client.get("/staff?page=99999999999").status_code == 400


# ------------------------------------------------------------------ every (status, action) pair from the console

def _into(app, reference, status):
    """Bring a fresh complaint into `status` through the real services."""
    steps = {
        Status.RECEIVED: [],
        Status.IN_REVIEW: [("take", {})],
        Status.AWAITING_USER: [("request_info", {"body": "请补充"})],
        Status.RESOLVED: [("resolve", {"outcome": "explained", "body": "已解释"})],
        Status.REJECTED: [("reject", {"body": "不符合条件"})],
        Status.MERGED: [("duplicate", {"of": file_complaint(app)[0]})],
    }
    if status == Status.WITHDRAWN:
        with app.app_context():
            services.withdraw(services.find_by_reference(reference), "不需要了")
        return
    if status == Status.REOPENED:
        _into(app, reference, Status.RESOLVED)
        with app.app_context():
            services.reopen(services.find_by_reference(reference), "没解决")
        return
    for action, fields in steps[status]:
        staff_act(app, reference, action, "客服小王", **fields)


OPEN = (Status.RECEIVED, Status.IN_REVIEW, Status.AWAITING_USER, Status.REOPENED)
DECIDED = (Status.RESOLVED, Status.REJECTED)
# action -> (fields, the statuses it is allowed from, the status it leads to; None keeps the status)
MATRIX = {
    "take": ({}, OPEN, None),
    "reply": ({"body": "已收到"}, OPEN, None),
    # Asking again while already waiting for the user is refused by the state machine: reply instead.
    "request_info": ({"body": "请补充截图"}, (Status.RECEIVED, Status.IN_REVIEW, Status.REOPENED), Status.AWAITING_USER),
    "resolve": ({"outcome": "explained", "body": "已解释"}, OPEN, Status.RESOLVED),
    "reject": ({"body": "不符合条件"}, OPEN, Status.REJECTED),
    "duplicate": ({}, OPEN, Status.MERGED),
    "reopen": ({"body": "复核"}, DECIDED, Status.REOPENED),
    "note": ({"body": "内部备注"}, tuple(Status), None),
}
PAIRS = [(status, action) for status in Status for action in MATRIX]


@pytest.mark.parametrize(("status", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_console_action_from_every_status(app, client, signed_in, status, action):
    signed_in("supervisor")  # a supervisor may do everything an agent may, and reopen
    reference = file_complaint(app)[0]
    _into(app, reference, status)
    fields, allowed, target = MATRIX[action]
    if action == "duplicate":
        fields = {"of": file_complaint(app)[0]}
    if status in OPEN:  # the case is held by the signed-in supervisor, as it would be when they work on it
        staff_act(app, reference, "assign", "客服小王", assignee=_supervisor_email(app))
    response = _act(client, reference, action, **fields)
    current = _complaint(app, reference).status
    if status in allowed:
        assert response.status_code == 302, response.get_data(as_text=True)
        expected = target or (Status.IN_REVIEW if status in (Status.RECEIVED, Status.REOPENED)
                              and action in ("take", "reply") else status)
        assert current == expected
    else:
        assert response.status_code == 400 and current == status


def _supervisor_email(app):
    with app.app_context():
        return db.session.scalar(sa.select(StaffMember.email).where(StaffMember.role == "supervisor"))
