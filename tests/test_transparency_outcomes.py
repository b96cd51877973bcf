"""Published outcomes: filters, Chinese full-text search, the timely flag, summaries, 400s and CSV = JSON."""
import csv
import datetime as dt
import io

import pytest

from app.transparency import outcomes, publishing
from app.transparency.models import SummaryStatus
from tests.factories import make_complaint, make_staff, staff_act_on

FILED = dt.datetime(2026, 10, 31, 17, 0, tzinfo=dt.UTC)  # 2026-11-01 01:00 in Shanghai: filed in November


def decided(category="topup_not_arrived", action="resolve", now=None, summary=None, state=SummaryStatus.PUBLISHED,
            consent=True):
    """A decided complaint, with a worded summary `summary` brought to `state` when given; returns its case id."""
    complaint, _ = make_complaint(category=category, consent_publish=consent, now=now,
                                  description="充值的钱一直没有到，请帮忙查一下。")
    fields = {"outcome": "explained"} if action == "resolve" else {}
    staff_act_on(complaint, action, body="已核实并处理。", **fields)
    if summary is not None:
        _summarise(complaint, summary, state)
    return outcomes.case_id(complaint.id)


def _summarise(complaint, text, state):
    agent, supervisor = make_staff("agent"), make_staff("supervisor")
    summary = publishing.draft(complaint, agent)
    publishing.edit(summary, agent, text)
    steps = {SummaryStatus.DRAFT: [], SummaryStatus.APPROVED: ["approve"],
             SummaryStatus.PUBLISHED: ["approve", "publish"], SummaryStatus.WITHDRAWN: ["approve", "publish", "withdraw"]}
    for step in steps[state]:
        publishing.advance(summary, supervisor if step == "approve" else agent, step)
    return summary


def api(client, **args):
    response = client.get("/api/v1/outcomes", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def cases(client, **args):
    return {item["case"] for item in api(client, **args)["items"]}


def csv_rows(client, **args):
    response = client.get("/transparency/outcomes.csv", query_string=args)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def mixed(app_context):
    """Five published outcomes across categories, outcomes and months, three with worded summaries."""
    return {
        "stolen": decided("account_security", summary="用户的帐号被盗后游戏币被转走，客服冻结账户并找回了余额。"),
        "topup": decided("topup_not_arrived", summary="话费充值三天未到账，运营商通道故障，已重新直充。"),
        "refund": decided("refund", action="reject", summary="用户要求退钱，但商品已经使用，按规则不予退款。"),
        "november": decided("payment", now=FILED),
        "plain": decided("card_code_invalid"),
    }


def test_filters_narrow_by_category_outcome_and_filing_month(client, mixed):
    assert cases(client, category="refund") == {mixed["refund"]}
    assert cases(client, outcome="rejected") == {mixed["refund"]}
    assert cases(client, outcome="resolved") == set(mixed.values()) - {mixed["refund"]}
    november = api(client, month="2026-11")["items"]
    assert [item["case"] for item in november] == [mixed["november"]] and november[0]["filed_month"] == "2026-11"
    assert cases(client, month="2026-10") == set()
    assert cases(client, category="payment", outcome="resolved", month="2026-11") == {mixed["november"]}


@pytest.mark.parametrize("query, expected", [
    ("帐号被盗", {"stolen"}),
    ("帳號被盜", {"stolen"}),  # traditional characters fold to simplified, as in the help center
    ("账户 盗号", {"stolen"}),  # synonyms of both words
    ("没到账", {"topup"}),  # the text says 未到账
    ("退款", {"refund"}),
    ("refund", {"refund"}),  # the synonym group carries the English word too
    ("卡密无效", {"plain"}),  # a category name is searched even without a summary
    ("话费 退款", set()),  # every word must match
])
def test_search_uses_the_help_centers_chinese_analysis(client, mixed, query, expected):
    assert cases(client, q=query) == {mixed[key] for key in expected}


def test_search_combines_with_filters_and_the_category_name(client, mixed):
    assert cases(client, q="话费", category="topup_not_arrived") == {mixed["topup"]}
    assert cases(client, q="话费", category="refund") == set()
    assert cases(client, q="直充 充值未到账") == {mixed["topup"]}  # one word in the text, one in the category name


def test_timely_means_decided_within_the_resolution_deadline(client, app_context):
    on_time = decided()
    late = decided(now=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    flags = {item["case"]: item["timely"] for item in api(client)["items"]}
    assert flags == {on_time: True, late: False}


@pytest.mark.parametrize("state", [SummaryStatus.DRAFT, SummaryStatus.APPROVED, SummaryStatus.WITHDRAWN])
def test_only_a_published_summary_is_attached_or_searched(client, app_context, state):
    case = decided(summary="这份摘要还没有公开，里面提到了独特词语蓝鲸。", state=state)
    item = api(client)["items"][0]
    assert item["case"] == case and item["summary"] is None
    assert cases(client, q="蓝鲸") == set()
    assert "蓝鲸" not in client.get("/transparency/outcomes").get_data(as_text=True)


def test_a_published_summary_comes_with_its_row(client, app_context):
    decided(summary="充值未到账的摘要，提到了独特词语蓝鲸。")
    summary = api(client, q="蓝鲸")["items"][0]["summary"]
    assert summary["text"] == "充值未到账的摘要，提到了独特词语蓝鲸。"
    assert summary["url"] == f"/transparency/outcomes/{summary['id']}"
    assert client.get(summary["url"]).status_code == 200
    page = client.get("/transparency/outcomes", query_string={"q": "蓝鲸"}).get_data(as_text=True)
    assert summary["id"] in page and summary["url"] in page


def test_withdrawing_a_published_summary_drops_it_from_search_at_once(client, app_context):
    complaint, _ = make_complaint(consent_publish=True)
    staff_act_on(complaint, "resolve", outcome="explained", body="已解释")
    summary = _summarise(complaint, "提到独特词语蓝鲸的摘要。", SummaryStatus.PUBLISHED)
    assert len(cases(client, q="蓝鲸")) == 1
    publishing.advance(summary, make_staff("agent"), "withdraw")
    assert cases(client, q="蓝鲸") == set()


@pytest.mark.parametrize("args", [{"category": "nope"}, {"outcome": "withdrawn"}, {"month": "2026-13"},
                                  {"month": "26-11"}, {"month": "1999-01"}, {"month": "２０２６-１１"}, {"page": "0"}, {"page": "abc"},
                                  {"page": "10001"}])
def test_invalid_filters_and_absurd_pages_answer_400_everywhere(client, app_context, args):
    response = client.get("/api/v1/outcomes", query_string=args)
    assert response.status_code == 400 and "error" in response.get_json()
    assert client.get("/transparency/outcomes", query_string=args).status_code == 400
    if "page" not in args:
        assert client.get("/transparency/outcomes.csv", query_string=args).status_code == 400


def test_the_page_explains_a_bad_filter_and_keeps_what_was_typed(client, app_context):
    response = client.get("/transparency/outcomes", query_string={"month": "2026/11", "q": "帐号"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "月份请按“年-月”填写，例如 2026-11。" in page and 'value="2026/11"' in page and 'value="帐号"' in page
    assert 'aria-invalid="true"' in page


def test_the_filter_errors_are_translated(client):
    client.get("/lang/en")
    english = client.get("/transparency/outcomes", query_string={"month": "x"})
    assert english.status_code == 400 and "Give the month as year-month" in english.get_data(as_text=True)


def test_the_page_keeps_filters_in_its_pagination_and_download_links(client, app_context):
    for _ in range(21):
        decided("refund")
    decided("payment")
    page = client.get("/transparency/outcomes", query_string={"category": "refund"}).get_data(as_text=True)
    assert "共 21 条。" in page and "第 1 页，共 2 页。" in page
    assert 'href="/transparency/outcomes?category=refund&amp;page=2"' in page
    assert 'href="/transparency/outcomes.csv?category=refund"' in page
    assert '<option value="refund" selected>' in page
    second = client.get("/transparency/outcomes", query_string={"category": "refund", "page": 2}).get_data(as_text=True)
    assert second.count("<tr><td") == 1


def test_an_empty_result_offers_to_clear_the_filters(client, mixed):
    page = client.get("/transparency/outcomes", query_string={"q": "完全不存在的词语"}).get_data(as_text=True)
    assert "共 0 条。" in page and "没有符合筛选条件的处理结果。" in page and "清除筛选，查看全部处理结果" in page


@pytest.mark.parametrize("args", [{}, {"q": "帐号"}, {"outcome": "resolved", "month": "2026-11"}, {"category": "refund"}])
def test_the_csv_agrees_with_the_json_under_the_same_filters(client, mixed, args):
    items, page = [], 1
    while True:
        body = api(client, page=page, **args)
        items += body["items"]
        if page >= body["pages"]:
            break
        page += 1
    assert len(items) == body["total"]
    rows = csv_rows(client, **args)
    expected = [{"case": i["case"], "category": i["category"], "filed_month": i["filed_month"], "outcome": i["outcome"],
                 "days_to_close": str(i["days_to_close"]), "timely": str(i["timely"]),
                 "first_response_on_time": str(i["first_response_on_time"]), "rating": str(i["rating"] or ""),
                 "demo": str(i["demo"]), "summary_id": (i["summary"] or {}).get("id", ""),
                 "summary_url": (i["summary"] or {}).get("url", ""), "summary_text": (i["summary"] or {}).get("text", "")}
                for i in items]
    assert rows == expected


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")，帐号摘要", "+1 帐号摘要", "-2 帐号摘要", "@SUM 帐号摘要"])
def test_formulas_in_a_filtered_csv_are_neutralised(client, app_context, text):
    decided(summary=text)
    rows = csv_rows(client, q="帐号")
    assert [row["summary_text"] for row in rows] == ["'" + text]
    assert api(client, q="帐号")["items"][0]["summary"]["text"] == text


def test_each_published_summary_is_analysed_once_per_process(client, app_context, monkeypatch):
    decided(summary="第一份摘要，帐号被盗。")
    decided(summary="第二份摘要，充值未到账。")
    analysed = []
    real = outcomes._analyse_into
    monkeypatch.setattr(outcomes, "_analyse_into", lambda index, ids: (analysed.extend(ids), real(index, ids)))
    assert len(cases(client, q="帐号")) == 1 and len(analysed) == 2
    assert len(cases(client, q="第二份")) == 1 and len(analysed) == 2
    decided(summary="第三份摘要，帐号冻结。")
    assert len(cases(client, q="帐号")) == 2 and len(analysed) == 3
