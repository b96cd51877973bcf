"""Public statistics and outcomes: correct figures, consent respected, nothing personal published."""
import csv
import io

import pytest

from app.complaints import services
from app.transparency import outcomes
from tests.factories import make_complaint, staff_act_on

SECRET_BITS = ("13912345678", "zhang.san@example.com", "KM202611209999999999", "张三的游戏账号 zs_2026")


@pytest.fixture
def decided(app_context):
    """Three complaints: resolved with consent, rejected without consent, one still open."""
    published, _ = make_complaint(consent_publish=True, contact_email="zhang.san@example.com",
                                  contact_phone="13912345678", order_number="KM202611209999999999",
                                  description="张三的游戏账号 zs_2026 充值 100 元没到账，请尽快处理。")
    staff_act_on(published, "resolve", outcome="replacement", body="已补发")
    services.rate(published, 4)
    private, _ = make_complaint(consent_publish=False, contact_email="other@example.com", order_number=None)
    staff_act_on(private, "reject", body="不符合退款条件")
    make_complaint(contact_email="third@example.com", order_number=None)
    return published


def test_statistics_page_counts_received_closed_and_open(client, decided):
    page = client.get("/transparency").get_data(as_text=True)
    assert "公示与统计" in page
    assert 'class="stat">3<' in page and 'class="stat">2<' in page and 'class="stat">1<' in page


def test_only_consented_decided_complaints_are_published(client, decided):
    page = client.get("/transparency/outcomes").get_data(as_text=True)
    assert outcomes.case_id(decided.id) in page and f"C{decided.id:05d}" not in page
    assert "共 1 条" in page


@pytest.mark.parametrize("path", ["/transparency", "/transparency/outcomes", "/transparency/outcomes.csv",
                                  "/transparency/statistics.csv", "/"])
def test_nothing_personal_is_ever_published(client, decided, path):
    body = client.get(path).get_data(as_text=True)
    for secret in SECRET_BITS + (decided.reference,):
        assert secret not in body, (path, secret)


def test_outcomes_csv_has_a_bom_and_allow_listed_columns(client, decided):
    response = client.get("/transparency/outcomes.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [{"case": outcomes.case_id(decided.id), "category": "topup_not_arrived", "filed_month": rows[0]["filed_month"],
                     "outcome": "resolved", "days_to_close": rows[0]["days_to_close"],
                     "timely": "True", "first_response_on_time": "True", "rating": "4", "demo": "False",
                     "summary_id": "", "summary_url": "", "summary_text": ""}]


def test_statistics_csv_carries_the_same_figures_as_the_api(client, decided):
    rows = list(csv.DictReader(io.StringIO(client.get("/transparency/statistics.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    figures = {(r["section"], r["key"]): r["value"] for r in rows}
    api = client.get("/api/v1/stats").get_json()
    assert figures[("totals", "received")] == str(api["totals"]["received"]) == "3"
    assert figures[("satisfaction", "average")] == "4.0"
    assert figures[("overdue", "now")] == str(api["overdue"])


def test_empty_state_explains_what_gets_published(client):
    page = client.get("/transparency").get_data(as_text=True)
    assert "还没有可以公示的处理结果" in page


def test_home_page_shows_recent_statistics_once_complaints_exist(client, decided):
    assert "最近 30 天的处理情况" in client.get("/").get_data(as_text=True)


def test_demo_data_is_labelled_on_the_public_pages(client, runner):
    runner.invoke(args=["demo", "seed", "--count", "6"])
    assert "包含演示数据" in client.get("/transparency").get_data(as_text=True)
