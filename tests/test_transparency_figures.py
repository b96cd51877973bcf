"""Honest public figures: late is late, small cells hidden, page, API and CSV agree, on SQLite and PostgreSQL."""
import csv
import datetime as dt
import io

import pytest

from app.complaints import services
from app.timeutil import utcnow
from app.transparency import figures, stats
from tests.factories import make_complaint, staff_act_on

NOW = utcnow()


@pytest.fixture
def history(app_context):
    """A hand-computed history. First-response SLA: 24 working hours (8 for high priority).

    A  filed 30 days ago, answered after 1 hour, resolved after 2 days, rated 5      → on time, on time
    B  filed 30 days ago, answered after 20 days, rejected at once                  → late, late
    C  filed 30 days ago, never answered, still open                                → late, late (open counts)
    D  filed 30 days ago, withdrawn after 1 hour without an answer                  → not counted
    E  filed 1 hour ago, not answered yet                                            → not yet due
    """
    ago = NOW - dt.timedelta(days=30)
    a, _ = make_complaint(now=ago, contact_email="a@example.com")
    staff_act_on(a, "reply", now=ago + dt.timedelta(hours=1), body="已收到")
    staff_act_on(a, "resolve", now=ago + dt.timedelta(days=2), outcome="full_refund", amount_cents=10000, body="已退款")
    services.rate(a, 5)
    b, _ = make_complaint(now=ago, contact_email="b@example.com")
    staff_act_on(b, "reject", now=ago + dt.timedelta(days=20), body="不符合条件")
    make_complaint(now=ago, contact_email="c@example.com")
    d, _ = make_complaint(now=ago, contact_email="d@example.com")
    services.withdraw(d, "自己解决了", now=ago + dt.timedelta(hours=1))
    make_complaint(now=NOW - dt.timedelta(hours=1), contact_email="e@example.com")


def test_late_is_counted_as_late_including_open_cases(history):
    s = stats.summary(now=NOW)
    assert (s.received, s.replied, s.resolved, s.rejected, s.withdrawn, s.open) == (5, 2, 1, 1, 1, 2)
    assert (s.first_response_due, s.first_response_late, s.first_response_on_time) == (3, 2, 33.3)
    assert (s.resolution_due, s.resolution_late, s.resolved_on_time) == (3, 2, 33.3)
    assert s.confirmed_resolved == 1 and s.satisfaction == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}


def test_timings_are_medians_and_90th_percentiles(history):
    calendar = {phase: s.timings[phase]["calendar"] for phase in s.timings} if (s := stats.summary(now=NOW)) else {}
    assert calendar["first_response"] == {"median_hours": 1.0, "p90_hours": 480.0}
    assert calendar["resolution"] == {"median_hours": 48.0, "p90_hours": 480.0}


def test_backlog_and_overdue_now(history):
    assert stats.backlog_by_age(NOW) == [1, 0, 0, 0, 1]  # exactly 30 days old is past 7–30
    assert stats.overdue_now(NOW) == 1


def test_small_cells_are_hidden_in_the_api_and_one_more_when_a_total_would_reveal_it(app_context):
    for _ in range(6):
        make_complaint(category="refund", contact_email="x@example.com")
    make_complaint(category="payment", contact_email="y@example.com",
                   details={"payment_method": "alipay", "amount": 100, "purchase_time": "2026-11-26T20:15"})
    payload = figures.public_figures(now=NOW)
    assert payload["totals"]["received"] == 7
    assert payload["by_category"]["payment"] is None and payload["by_category"]["refund"] is None
    assert payload["by_category"]["other"] == 0
    reasons = {entry["cell"]: entry["reason"] for entry in payload["suppressed"]}
    assert reasons["by_category.payment"] == "small_cell" and reasons["by_category.refund"] == "complementary"


def test_page_api_and_csv_hide_the_same_cells(client, app_context):
    for _ in range(3):
        make_complaint(category="refund", contact_email="x@example.com")
    api = client.get("/api/v1/stats").get_json()
    assert api["by_category"]["refund"] is None
    rows = list(csv.DictReader(io.StringIO(client.get("/transparency/statistics.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    assert {(r["section"], r["key"]): r["value"] for r in rows}[("by_category", "refund")] == "<5"
    page = client.get("/transparency").get_data(as_text=True)
    assert '<span title="少于 5 件">&lt;5</span>' in page


def test_api_period_filter_and_errors(client, app_context):
    make_complaint(now=NOW - dt.timedelta(days=400), contact_email="old@example.com")
    make_complaint(contact_email="new@example.com")
    month = NOW.strftime("%Y-%m")
    assert client.get(f"/api/v1/stats?from={month}&to={month}").get_json()["totals"]["received"] == 1
    assert client.get("/api/v1/stats").get_json()["totals"]["received"] == 2
    for bad in ("from=2026-13", "to=yesterday", "from=2026-11&to=2026-01", "from=1999-12", "to=２０２６-１１"):
        response = client.get(f"/api/v1/stats?{bad}")
        assert response.status_code == 400 and "error" in response.get_json()
    body = client.get("/api/v1/stats").get_json()
    assert set(body) >= {"totals", "by_category", "by_outcome", "monthly", "timings", "backlog_by_age", "overdue",
                         "satisfaction", "deflection", "suppressed", "generated_at"}
    assert len(body["monthly"]) == 12


def test_the_page_shows_what_is_overdue_now_and_the_cache_follows_state_changes(client, app_context):
    late, _ = make_complaint(now=NOW - dt.timedelta(days=10))
    assert "1 件投诉已超过处理时限" in client.get("/transparency").get_data(as_text=True)
    staff_act_on(late, "resolve", outcome="explained", body="已解释")
    assert "0 件投诉已超过处理时限" in client.get("/transparency").get_data(as_text=True)


def test_outcomes_api_pages_filters_and_agrees_with_the_csv(client, app_context):
    for category in ("refund", "refund", "payment"):
        complaint, _ = make_complaint(category=category, consent_publish=True, contact_email="p@example.com",
                                      details={"payment_method": "alipay", "amount": 100, "order_number": "KM202611201234567890",
                                               "purchase_time": "2026-11-26T20:15"})
        staff_act_on(complaint, "resolve", outcome="explained", body="已解释")
    body = client.get("/api/v1/outcomes?category=refund").get_json()
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    assert {item["category"] for item in body["items"]} == {"refund"}
    rows = list(csv.DictReader(io.StringIO(client.get("/transparency/outcomes.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))
    everything = client.get("/api/v1/outcomes").get_json()["items"]
    assert [r["case"] for r in rows] == [item["case"] for item in everything]
    for bad in ("category=nope", "outcome=withdrawn", "page=0", "page=abc"):
        response = client.get(f"/api/v1/outcomes?{bad}")
        assert response.status_code == 400 and "error" in response.get_json()


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd"])
def test_csv_cells_that_look_like_formulas_are_neutralised(value):
    from app.transparency.views import _inert

    assert _inert(value) == "'" + value and _inert(5) == 5 and _inert("正常文字") == "正常文字"


def test_sellers_found_at_fault_five_times_are_published_with_their_resolution_share(client, app_context):
    def complaint_about(seller, outcome):
        complaint, _ = make_complaint(category="seller_fraud", contact_email="s@example.com",
                                      details={"seller_id": seller, "order_number": "KM202611201234567890"})
        if outcome:
            staff_act_on(complaint, "resolve", outcome=outcome, body="已处理")
    for _ in range(5):
        complaint_about("Shop 8848", "seller_penalised")
    complaint_about("ＳＨＯＰ  8848", None)  # the same shop, typed another way, still open
    for _ in range(4):
        complaint_about("小店A", "seller_penalised")
    for _ in range(5):
        complaint_about("13812345678", "seller_penalised")  # a phone number is never published as a seller
    sellers = client.get("/api/v1/stats").get_json()["sellers"]
    assert sellers == [{"seller": "shop 8848", "at_fault": 5, "complaints": 6, "resolved": 5, "resolved_percent": 83.3}]
    assert "shop 8848" in client.get("/transparency").get_data(as_text=True)


def test_monthly_trend_counts_in_the_portals_calendar_months(app_context):
    import zoneinfo

    zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    local_now = NOW.astimezone(zone)
    first_of_month = local_now.replace(day=1, hour=0, minute=30, second=0, microsecond=0)
    # 00:30 on the 1st in Beijing is still the previous month in UTC: it belongs to this month here.
    make_complaint(now=first_of_month.astimezone(dt.UTC), contact_email="m1@example.com")
    late, _ = make_complaint(now=NOW - dt.timedelta(hours=1), contact_email="m2@example.com")
    staff_act_on(late, "resolve", outcome="explained", body="已解释")
    rows = stats.monthly(12, NOW)
    assert len(rows) == 12 and rows[-1]["month"] == local_now.strftime("%Y-%m")
    expected = 2 if first_of_month <= local_now - dt.timedelta(hours=1) else 1
    assert rows[-1]["received"] == expected and rows[-1]["resolved"] == 1
    assert sum(row["received"] for row in rows[:-1]) == 0
