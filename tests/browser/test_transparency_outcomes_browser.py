"""A visitor filters and searches the published outcomes, on a phone and on a desktop."""
import pytest

from app.transparency import outcomes, publishing
from tests.browser.conftest import DESKTOP, PHONE, WIDE_JS
from tests.factories import make_complaint, make_staff, staff_act_on

pytestmark = pytest.mark.browser


@pytest.fixture
def published(live_app):
    """Two published outcomes with worded summaries and one without; returns the stolen account's case id."""
    with live_app.app_context():
        agent, supervisor = make_staff("agent"), make_staff("supervisor")
        found = {}
        for category, text in (("account_security", "帐号被盗后游戏币被转走，客服冻结账户并找回了余额。"),
                               ("topup_not_arrived", "话费充值三天未到账，运营商通道故障，已重新直充。"), ("refund", None)):
            complaint, _ = make_complaint(category=category, consent_publish=True)
            staff_act_on(complaint, "resolve", outcome="explained", body="已核实并处理。")
            if text:
                summary = publishing.draft(complaint, agent)
                publishing.edit(summary, agent, text)
                publishing.advance(summary, supervisor, "approve")
                publishing.advance(summary, agent, "publish")
            found[category] = outcomes.case_id(complaint.id)
        return found


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_visitor_filters_searches_and_reads_a_summary(live_server, browser, published, viewport, screenshot_dir):
    page = browser.new_context(locale="zh-CN", viewport=viewport).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/transparency/outcomes")
    assert page.get_by_role("status").inner_text() == "共 3 条。"
    page.get_by_label("问题类型").select_option(label="退款问题")
    page.get_by_role("button", name="筛选", exact=True).click()
    assert page.get_by_role("status").inner_text() == "共 1 条。"
    assert page.get_by_label("问题类型").input_value() == "refund"  # the form keeps the choice
    page.get_by_role("link", name="清除筛选").click()
    page.get_by_label("搜索摘要").fill("帳號被盜")  # traditional characters find the simplified summary
    page.get_by_role("button", name="筛选", exact=True).click()
    table = page.get_by_role("table", name="已公示的处理结果")
    assert page.get_by_role("status").inner_text() == "共 1 条。"
    assert table.get_by_role("cell", name=published["account_security"]).count() == 1
    row = table.locator("tbody tr").first
    expected = "block" if viewport is PHONE else "table-row"  # a card on the phone, a table row on the desktop
    assert row.evaluate("row => getComputedStyle(row).display") == expected
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0, page.evaluate(WIDE_JS)
    page.screenshot(path=str(screenshot_dir / "outcomes-search.png"), full_page=True)
    row.get_by_role("link", name="阅读摘要").click()
    assert "帐号被盗后游戏币被转走" in page.locator("main").inner_text()
