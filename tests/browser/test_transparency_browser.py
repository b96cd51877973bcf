"""A visitor checks the public statistics, and a user who lost a reference asks for it again."""
import pytest

from tests.factories import make_complaint, staff_act_on

pytestmark = pytest.mark.browser


@pytest.fixture
def decided_complaint(live_app):
    with live_app.app_context():
        complaint, _ = make_complaint(consent_publish=True)
        staff_act_on(complaint, "resolve", outcome="replacement", body="已补发")
        return complaint.id


def test_public_statistics_and_published_outcome(live_server, page, decided_complaint, screenshot_dir):
    page.goto(f"{live_server}/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="公示与统计").click()
    assert page.get_by_role("heading", level=1).inner_text() == "公示与统计"
    table = page.get_by_role("table", name="已公示的处理结果")
    assert table.get_by_role("cell", name=f"C{decided_complaint:05d}").count() == 1
    assert table.get_by_role("cell", name="已解决").count() == 1
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
