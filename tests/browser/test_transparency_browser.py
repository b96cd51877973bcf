"""A visitor checks the public statistics, and a user who lost a reference asks for it again."""
import pytest

from app.transparency import outcomes
from tests.factories import make_complaint, staff_act_on

pytestmark = pytest.mark.browser


@pytest.fixture
def decided_complaint(live_app):
    with live_app.app_context():
        complaint, _ = make_complaint(consent_publish=True)
        staff_act_on(complaint, "resolve", outcome="replacement", body="已补发")
        return outcomes.case_id(complaint.id)


def test_public_statistics_and_published_outcome(live_server, page, decided_complaint, screenshot_dir):
    page.goto(f"{live_server}/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="公示与统计").click()
    assert page.get_by_role("heading", level=1).inner_text() == "公示与统计"
    table = page.get_by_role("table", name="已公示的处理结果")
    assert table.get_by_role("cell", name=decided_complaint).count() == 1
    assert table.get_by_role("cell", name="已解决").count() == 1
    # On a phone (the page fixture is 390 px wide) each row is a card, and nothing scrolls sideways.
    assert table.locator("tbody tr").first.evaluate("row => getComputedStyle(row).display") == "block"
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.get_by_role("link", name="已公示的处理结果（CSV）").get_attribute("href") == "/transparency/outcomes.csv"
    page.screenshot(path=str(screenshot_dir / "transparency.png"), full_page=True)


def test_lost_reference_answers_the_same_for_known_and_unknown_contacts(live_server, page, decided_complaint):
    answers = []
    for contact in ("user@example.com", "nobody@example.com"):
        page.goto(f"{live_server}/track/lost")
        page.get_by_label("提交投诉时留下的邮箱或手机号").fill(contact)
        page.get_by_role("button").filter(has_text="发送").click()
        answers.append(page.locator("main").inner_text())
    assert answers[0] == answers[1]
    page.goto(f"{live_server}/track/lost")
    page.get_by_label("提交投诉时留下的邮箱或手机号").fill("not an email")
    page.get_by_role("button").filter(has_text="发送").click()
    assert page.get_by_text("请填写提交投诉时留下的邮箱或手机号。").is_visible()


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_statistics_page_shows_charts_what_is_late_and_published_summaries(live_server, live_app, browser, viewport,
                                                                           screenshot_dir):
    import datetime as dt

    from app.timeutil import utcnow
    from app.transparency import publishing
    from tests.factories import make_staff

    with live_app.app_context():
        make_complaint(now=utcnow() - dt.timedelta(days=9))
        complaint, _ = make_complaint(consent_publish=True, description="充值 100 元话费三天没到账，订单一直显示处理中。")
        staff_act_on(complaint, "resolve", outcome="replacement", body="运营商通道故障，已重新直充到账。")
        agent, supervisor = make_staff("agent"), make_staff("supervisor")
        summary = publishing.draft(complaint, agent)
        publishing.advance(summary, supervisor, "approve")
        publishing.advance(summary, agent, "publish")
        public_id = summary.public_id
    page = browser.new_context(locale="zh-CN", viewport=viewport).new_page()
    page.goto(f"{live_server}/transparency")
    assert "1 件投诉已超过处理时限" in page.get_by_test_id("overdue-now").inner_text()
    for name in ("仍在处理的投诉，按已等待的天数", "每月收到的投诉", "各类投诉数量"):
        chart = page.get_by_role("img", name=name)
        assert chart.is_visible() and chart.bounding_box()["width"] <= viewport["width"]
    page.screenshot(path=str(screenshot_dir / "statistics.png"), full_page=True)
    page.get_by_role("link", name="案例摘要和全部 1 条处理结果").click()
    summary_item = page.get_by_test_id("summary")
    assert summary_item.count() == 1 and public_id in summary_item.inner_text()
    summary_item.get_by_role("link").click()
    assert "补发或重新充值" in page.locator("main").inner_text() and public_id in page.title()
    page.screenshot(path=str(screenshot_dir / "summary.png"), full_page=True)
