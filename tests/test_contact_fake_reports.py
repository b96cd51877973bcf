"""Reported fake numbers: the verifier's report button, the staff inbox, and confirmed reports becoming known fakes."""
import datetime as dt

import pytest
import sqlalchemy as sa

from app.accounts.models import AuditEntry
from app.contact import reports
from app.contact.models import FakeReport, ReportStatus
from app.extensions import db
from tests.factories import make_staff

FAKE = "138 0013 8000"  # not a channel and not in content/known_fakes.yaml
FAKE_KEY = "13800138000"


def verify_page(client, value):
    return client.get("/contact/verify", query_string={"value": value}).get_data(as_text=True)


def report_fake(client, value=FAKE, note="", address="203.0.113.7"):
    return client.post("/contact/verify/report", data={"value": value, "note": note},
                       environ_base={"REMOTE_ADDR": address})


def stored_reports(app):
    with app.app_context():
        return db.session.scalars(sa.select(FakeReport).order_by(FakeReport.id)).all()


def first_report_id(app):
    return stored_reports(app)[0].id


def audit_kinds(app):
    with app.app_context():
        return [e.kind for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


# ------------------------------------------------------------------ the button on the verifier

@pytest.mark.parametrize("value", [FAKE, "kameng_kefu01", "https://kameng.example.refund-cn.example/pay"])
def test_a_value_that_is_not_official_gets_the_report_button_keeping_the_typed_value(client, value):
    page = verify_page(client, value)

    assert "举报这个号码" in page and 'action="/contact/verify/report"' in page
    assert "对方怎么联系你的、说了什么（可选）" in page and "不要填写你自己的密码、卡密" in page
    assert f'id="report-value" name="value" type="hidden" value="{value}"' in page


@pytest.mark.parametrize("value", ["400-618-5200", "https://www.kameng.example/help", "kefu@kameng.example"])
def test_an_official_value_gets_no_report_button(client, value):
    page = verify_page(client, value)

    assert "是官方渠道" in page and "举报这个号码" not in page


def test_a_known_fake_needs_no_report_button(client):
    page = verify_page(client, "kefu@kameng-service.example")

    assert "已确认的假客服" in page and "举报这个号码" not in page


def test_reporting_thanks_the_visitor_and_stores_one_report_without_the_address(app, client):
    response = report_fake(client, note="自称客服打电话，让我提供卡密")

    assert response.status_code == 302 and "/contact/verify?value=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "谢谢举报，客服核实后会提醒其他用户" in page and FAKE in page
    [stored] = stored_reports(app)
    assert (stored.kind, stored.key, stored.value, stored.status) == ("number", FAKE_KEY, FAKE, ReportStatus.OPEN)
    assert stored.note == "自称客服打电话，让我提供卡密"
    assert "203.0.113.7" not in repr([getattr(stored, c.key) for c in FakeReport.__table__.columns])
    assert len(stored.reporter) == 64


def test_a_card_code_pasted_into_the_note_is_not_kept(app, client):
    report_fake(client, note="他让我发卡密 ABCD-1234-EFGH-5678")

    assert "ABCD-1234-EFGH-5678" not in stored_reports(app)[0].note


def test_the_same_visitor_reporting_again_the_same_day_is_counted_once(app, client):
    report_fake(client)
    second = report_fake(client, value="+86 138-0013-8000")

    assert second.status_code == 302 and len(stored_reports(app)) == 1


def test_other_visitors_and_the_next_day_count_again(app, client):
    report_fake(client)
    report_fake(client, address="198.51.100.4")
    with app.app_context():
        reports.report(FAKE, "", "203.0.113.7", now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1, minutes=1))
        [group] = reports.open_reports().items
        assert (group.people, len(group.reports)) == (2, 3)
        assert reports.open_report_count() == 1


def test_an_official_value_cannot_be_reported(app, client):
    response = report_fake(client, value="400-618-5200")

    assert response.status_code == 302 and stored_reports(app) == []
    assert "不需要举报" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_overlong_note_is_explained_and_what_was_typed_is_kept(app, client):
    response = report_fake(client, note="太长" * 251)

    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "最多 500 个字" in page and "太长太长" in page and "不是官方渠道" in page
    assert stored_reports(app) == []


def test_reporting_allows_five_a_minute(client):
    for number in range(5):
        assert report_fake(client, value=f"010-1234-567{number}").status_code == 302
    response = report_fake(client, value="010-1234-5679")

    assert response.status_code == 429 and response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) > 0


# ------------------------------------------------------------------ the staff inbox

def test_anonymous_visitors_cannot_see_the_inbox_or_decide(app, client):
    report_fake(client)
    report_id = first_report_id(app)

    assert client.get("/staff/reports").status_code == 302
    assert client.post(f"/staff/reports/{report_id}", data={"decision": "confirm", "note": "x"}).status_code == 302
    assert stored_reports(app)[0].status == ReportStatus.OPEN


def test_agents_see_the_reports_grouped_by_value_but_cannot_decide(app, client, signed_in):
    report_fake(client, note="加我微信说要退款")
    report_fake(client, value="+86 13800138000", address="198.51.100.4", note="让我下载会议软件")
    report_id = first_report_id(app)
    signed_in("agent")

    page = client.get("/staff/reports").get_data(as_text=True)
    assert page.count(f'id="report-{report_id}"') == 1 and "2 人举报" in page and FAKE in page
    assert "加我微信说要退款" in page and "让我下载会议软件" in page and "只有主管可以" in page
    assert 'value="confirm"' not in page
    response = client.post(f"/staff/reports/{report_id}", data={"decision": "confirm", "note": "冒充客服"})
    assert response.status_code == 403 and stored_reports(app)[0].status == ReportStatus.OPEN


def test_a_supervisor_confirming_makes_the_verifier_warn_on_the_page_and_the_api(app, client, signed_in):
    report_fake(client)
    report_fake(client, address="198.51.100.4")
    signed_in("supervisor")

    response = client.post(f"/staff/reports/{first_report_id(app)}",
                           data={"decision": "confirm", "note": "自称客服来电，要求屏幕共享"})

    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/reports")
    assert "已确认为假客服" in client.get("/staff/reports").get_data(as_text=True)
    assert {r.status for r in stored_reports(app)} == {ReportStatus.CONFIRMED}
    page = verify_page(app.test_client(), "138-0013-8000")
    assert "已确认的假客服" in page and "自称客服来电，要求屏幕共享" in page and "举报这个号码" not in page
    api = app.test_client().get("/api/v1/channels/verify", query_string={"value": FAKE}).get_json()
    assert api["known_fake"] is True and "自称客服来电" in api["warning"]
    assert audit_kinds(app)[-1] == "fake_report_confirm"
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.subject == FAKE and entry.after["reports"] == 2 and entry.staff.role == "supervisor"


def test_confirming_needs_a_note_because_the_warning_shows_it(app, client, signed_in):
    report_fake(client)
    signed_in("supervisor")

    response = client.post(f"/staff/reports/{first_report_id(app)}", data={"decision": "confirm", "note": " "},
                           follow_redirects=True)

    assert "确认前请写明对方的手法" in response.get_data(as_text=True)
    assert stored_reports(app)[0].status == ReportStatus.OPEN


def test_dismissing_leaves_the_verifier_unchanged(app, client, signed_in):
    report_fake(client)
    signed_in("supervisor")

    client.post(f"/staff/reports/{first_report_id(app)}", data={"decision": "dismiss", "note": "正常的快递电话"})

    assert stored_reports(app)[0].status == ReportStatus.DISMISSED
    assert "没有待核实的举报" in client.get("/staff/reports").get_data(as_text=True)
    page = verify_page(app.test_client(), FAKE)
    assert "不是官方渠道" in page and "已确认的假客服" not in page and "举报这个号码" in page
    assert audit_kinds(app)[-1] == "fake_report_dismiss"


def test_a_value_already_decided_is_not_decided_twice(app, client, signed_in):
    report_fake(client)
    signed_in("supervisor")
    url = f"/staff/reports/{first_report_id(app)}"
    client.post(url, data={"decision": "dismiss", "note": ""})

    response = client.post(url, data={"decision": "confirm", "note": "冒充客服"}, follow_redirects=True)

    assert "已经有人处理过了" in response.get_data(as_text=True)
    assert stored_reports(app)[0].status == ReportStatus.DISMISSED
    assert audit_kinds(app).count("fake_report_dismiss") == 1 and "fake_report_confirm" not in audit_kinds(app)


@pytest.mark.parametrize("decision, status", [("approve", 400), ("", 400)])
def test_an_unknown_decision_is_refused(app, client, signed_in, decision, status):
    report_fake(client)
    signed_in("supervisor")

    assert client.post(f"/staff/reports/{first_report_id(app)}", data={"decision": decision}).status_code == status


def test_an_unknown_report_is_not_found(client, signed_in):
    signed_in("supervisor")

    assert client.post("/staff/reports/999", data={"decision": "dismiss"}).status_code == 404


# ------------------------------------------------------------------ merged with content/known_fakes.yaml

def test_a_confirmed_value_also_listed_in_the_yaml_file_appears_once_and_the_file_wins(app_context):
    supervisor = make_staff("supervisor")
    found = reports.report("KEFU@kameng-service.example", "", "203.0.113.7")
    reports.confirm(found.id, supervisor, "数据库里的说明")
    other = reports.report("https://pay.kameng-tuikuan.example/x", "", "203.0.113.7")  # a subdomain of a listed URL
    reports.confirm(other.id, supervisor, "数据库里的说明")

    from app.contact.verify import current_fakes
    fakes = current_fakes()

    assert [f.value for f in fakes].count("kefu@kameng-service.example") == 1
    assert "KEFU@kameng-service.example" not in [f.value for f in fakes]
    assert all(f.note != "数据库里的说明" for f in fakes)


def test_a_confirmed_fake_is_dated_by_its_first_report(app_context):
    first = reports.report(FAKE, "", "203.0.113.7", now=dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC))
    reports.report(FAKE, "", "198.51.100.4", now=dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC))
    assert reports.confirm(first.id, make_staff("supervisor"), "冒充客服", client="203.0.113.9") == 2

    from app.contact.verify import current_fakes
    [fake] = [f for f in current_fakes() if f.value == FAKE]

    assert fake.reported == dt.date(2026, 12, 1) and fake.kind == "phone"  # 01:00 on 1 December in Shanghai
