"""An agent handles a complaint end to end in the console while the user follows it on the tracking page."""

import pytest

from tests.browser.test_accessibility import _violations
from tests.conftest import require
from tests.browser.test_accessibility import AXE
from tests.factories import STAFF_PASSWORD, file_complaint, make_staff

pytestmark = pytest.mark.browser


def _sign_in(page, base, email):
    page.goto(f"{base}/staff")
    page.get_by_label("工作邮箱").fill(email)
    page.get_by_label("密码").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="登录").click()


def _user_opens(page, base, reference, code):
    page.goto(f"{base}/track")
    page.get_by_label("投诉编号").fill(reference)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询进度").click()


def test_agent_takes_asks_sees_the_answer_and_resolves_with_a_template(live_server, live_app, browser, screenshot_dir):
    reference, code = file_complaint(live_app, details={"order_number": "KM202611201234567890",
                                                        "purchase_time": "2026-11-26T20:15", "topup_account": "13800138000",
                                                        "amount": 12800}, amount_cents=12800)
    with live_app.app_context():
        email = make_staff("agent", name="客服阿杰").email
    agent = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 1366}).new_page()  # a tablet
    user = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    for p in (agent, user):
        p.set_default_timeout(10_000)

    _sign_in(agent, live_server, email)
    assert agent.get_by_role("heading", name="投诉队列").is_visible()
    agent.get_by_role("link", name=reference).click()
    agent.get_by_role("button", name="接手这件投诉").click()
    assert "已接手" in agent.locator(".flashes").inner_text()
    assert agent.get_by_test_id("assignee").inner_text() == "客服阿杰"
    agent.screenshot(path=str(screenshot_dir / "taken.png"), full_page=True)

    agent.get_by_role("link", name="补充材料：充值未到账").click()
    request_box = agent.locator("#form-request_info textarea")
    assert reference in request_box.input_value()
    agent.locator("#form-request_info").get_by_role("button", name="发送并暂停计时").click()
    assert agent.get_by_test_id("staff-status").inner_text().startswith("等待你补充信息")

    _user_opens(user, live_server, reference, code)
    assert user.get_by_test_id("status").inner_text() == "等待你补充信息"
    assert "负责客服：客服阿杰" in user.get_by_test_id("holder").inner_text()
    user.get_by_label("补充说明").fill("运营商短信显示充值失败，截图已上传到订单里。")
    user.get_by_role("button", name="提交补充").click()
    assert user.get_by_test_id("status").inner_text() == "处理中"
    user.screenshot(path=str(screenshot_dir / "user-answered.png"), full_page=True)

    agent.reload()
    assert "运营商短信显示充值失败" in agent.get_by_role("heading", name="处理记录").locator("..").inner_text()
    agent.get_by_role("link", name="提醒").click()
    assert "用户补充了信息" in agent.locator("main").inner_text()
    agent.go_back()
    agent.get_by_role("link", name="结案：全额退款").click()
    resolve = agent.locator("#form-resolve")
    assert resolve.get_by_label("全额退款").is_checked()
    assert "128.00" in resolve.locator("textarea").input_value()
    resolve.get_by_label("金额（元）").fill("128")
    resolve.get_by_role("button", name="办结并通知用户").click()
    assert "已办结" in agent.locator(".flashes").inner_text()
    agent.screenshot(path=str(screenshot_dir / "resolved.png"), full_page=True)

    user.reload()
    assert user.get_by_test_id("status").inner_text() == "已解决"
    timeline = user.get_by_role("list", name="处理记录").inner_text()
    for step in ("已受理", "处理中", "客服需要你补充信息", "你的补充", "已解决", "128.00"):
        assert step in timeline, step
    user.screenshot(path=str(screenshot_dir / "user-resolved.png"), full_page=True)


STAFF_PAGES = ["/staff", "/staff?view=overdue", "/staff/dashboard", "/staff/alerts", "/staff/audit", "/staff/accounts"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_console_pages_have_no_serious_accessibility_violations(live_server, live_app, browser, language):
    require(AXE.exists(), f"axe-core is not installed at {AXE} (run `npm ci`)")
    import pyotp

    reference, _ = file_complaint(live_app, description="卡密 ABCD1234EFGH 提示已被使用，订单号 KM202611201234567890。")
    secret = pyotp.random_base32()
    with live_app.app_context():
        email = make_staff("admin", totp_secret=secret).email
    page = browser.new_context(locale="zh-CN", bypass_csp=True).new_page()
    page.goto(f"{live_server}/lang/{language}")
    assert _violations_at(page, f"{live_server}/staff/login") == []
    page.fill("#email", email)
    page.fill("#password", STAFF_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit]").click()
    problems = {path: found for path in [*STAFF_PAGES, f"/staff/complaints/{reference}"]
                if (found := _violations_at(page, f"{live_server}{path}"))}
    assert problems == {}


def _violations_at(page, url):
    page.goto(url)
    return _violations(page)
