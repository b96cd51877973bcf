"""A visitor reads the contact page, its week table, and checks a number claiming to be customer service."""
import pytest

pytestmark = pytest.mark.browser


def test_contact_page_and_verifier(live_server, page, screenshot_dir):
    page.goto(f"{live_server}/contact")

    assert page.get_by_role("heading", level=1).inner_text() == "官方联系渠道"
    assert page.get_by_role("link", name="400-618-5200").get_attribute("href") == "tel:4006185200"
    table = page.get_by_role("table", name="客服热线：常规一周每小时的预计等待（估计值，不含节假日）")
    assert table.get_by_role("columnheader", name="周一").count() == 1
    assert table.get_by_role("row").count() == 25
    page.screenshot(path=str(screenshot_dir / "contact.png"), full_page=True)

    page.get_by_role("link", name="核对号码、账号或链接的真假").click()
    page.get_by_label("对方的电话、QQ、微信号、邮箱或链接").fill("+86 400 618 5200")
    page.get_by_role("button", name="核对").click()
    assert page.get_by_role("heading", name="是官方渠道").is_visible()

    page.get_by_label("对方的电话、QQ、微信号、邮箱或链接").fill("https://kameng-tuikuan.example/refund")
    page.get_by_role("button", name="核对").click()
    assert page.get_by_role("heading", name="已确认的假客服").is_visible()
    assert page.get_by_role("link", name="怎么分辨真假客服，被骗了怎么办").get_attribute("href") == \
        "/help/faq/fake-customer-service"
    page.screenshot(path=str(screenshot_dir / "verify-fake.png"), full_page=True)

    page.get_by_label("对方的电话、QQ、微信号、邮箱或链接").fill("")
    page.get_by_role("button", name="核对").click()
    assert page.locator("#value-error").inner_text() == "请输入要核对的号码、账号或链接。"
    assert page.get_by_label("对方的电话、QQ、微信号、邮箱或链接").get_attribute("aria-invalid") == "true"


def test_wait_estimates_on_a_phone_read_plainly_with_the_method_folded(live_server, page, snap):
    page.goto(f"{live_server}/contact")
    assert page.get_by_test_id("best-times-hotline").inner_text().startswith("最好打的时段：")
    assert page.get_by_test_id("best-times-chat").inner_text().startswith("最快有人接入的时段：")
    method = page.locator("details.how-estimated").first
    assert not method.get_by_text("Erlang C", exact=False).is_visible(), "jargon stays in the box until opened"
    assert "来访" not in page.locator("main").inner_text()
    snap("contact-zh")
    method.locator("summary").click()
    assert method.get_by_text("Erlang C", exact=False).is_visible()

    page.goto(f"{live_server}/contact/hotline")
    assert page.get_by_test_id("best-times-hotline").is_visible()
    snap("hotline-zh")
    page.goto(f"{live_server}/contact/complaint-form")
    assert page.get_by_role("link", name="在本站填写投诉表").get_attribute("href") == "/complaints/new"
    snap("complaint-form-zh")

    page.goto(f"{live_server}/lang/en?next=/contact")
    assert page.get_by_test_id("best-times-hotline").inner_text().startswith("Best times to call: weekdays")
    snap("contact-en")
    page.goto(f"{live_server}/contact/hotline")
    snap("hotline-en")
