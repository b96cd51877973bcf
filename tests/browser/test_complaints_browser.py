"""A user files a complaint end to end with an evidence file, as in a real browser."""
import re

import pytest
from PIL import Image

pytestmark = pytest.mark.browser


@pytest.fixture
def screenshot_file(tmp_path):
    path = tmp_path / "支付截图.png"
    image = Image.new("RGB", (300, 200), "white")
    image.save(path, "PNG")
    return path


def test_whole_complaint_journey_with_evidence(live_server, page, screenshot_file, screenshot_dir):
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="提交投诉").click()
    page.get_by_label("充值未到账").check()
    page.get_by_label("请描述发生了什么").fill("昨晚 8 点在平台充了 100 元话费，到现在还没到账，订单显示已完成。")
    page.get_by_role("button", name="下一步").click()

    assert page.get_by_role("heading", name="这些文章也许能马上解决").is_visible()
    page.get_by_role("link", name="没解决，继续投诉").click()

    page.get_by_label("订单号").fill("KM2026 1126 2015 3182 74")
    page.get_by_label("购买时间").fill("2026-11-26 20:15")
    page.get_by_label("充值的账号").fill("13800138000")
    page.get_by_label("这些文件是").select_option("payment_record")
    page.get_by_label("上传证据（可多选）").set_input_files(str(screenshot_file))
    page.get_by_role("button", name="上传文件").click()
    assert page.get_by_text("支付截图.png").is_visible()
    assert page.get_by_label("订单号").input_value() == "KM2026 1126 2015 3182 74", "typed values survive an upload"
    page.get_by_role("button", name="下一步").click()

    page.get_by_label("邮箱").fill("not-an-email")
    page.get_by_role("button", name="下一步").click()
    assert page.get_by_text("邮箱格式不正确").is_visible()
    assert page.get_by_label("邮箱").input_value() == "not-an-email"
    page.get_by_label("邮箱").fill("buyer@example.com")
    page.get_by_label(re.compile("我已阅读并同意隐私说明")).check()
    page.get_by_role("button", name="下一步").click()

    assert page.get_by_text(re.compile(r"完整度：\d+ 分")).is_visible()
    page.screenshot(path=str(screenshot_dir / "review.png"), full_page=True)
    page.get_by_role("button", name="提交投诉").click()

    reference = page.get_by_test_id("reference").inner_text()
    assert re.fullmatch(r"TS(-[0-9A-Z]{4}){3}-[0-9A-Z]{3}", reference)
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", page.get_by_test_id("access-code").inner_text())
    assert page.get_by_text("支付截图.png").first.is_visible()  # the checksum table, folded, names it again
    page.screenshot(path=str(screenshot_dir / "submitted.png"), full_page=True)


def test_phone_journey_options_uploads_scam_advice_and_receipt(live_server, page, screenshot_file, snap):
    """On a 390 px phone: options never break mid-word, the upload button speaks Chinese, codes copy in one line."""
    from tests.browser.conftest import wrapped

    page.goto(f"{live_server}/complaints/new")
    assert page.locator(".choice-list-stacked").count() == 1, "eight categories stack as a list"
    assert wrapped(page, ".choice-text") == []
    snap("describe")
    page.get_by_label("其他问题").check()
    page.get_by_label("请描述发生了什么").fill("有人冒充客服让我转账到个人账户，我的 500 元没了，还让我交解冻费。")
    page.get_by_role("button", name="下一步").click()

    actions = page.get_by_test_id("scam-actions").get_by_role("link")
    assert actions.all_inner_texts() == ["拨打 110 报警", "拨打反诈专线 96110", "继续填写我的投诉"]
    assert actions.first.get_attribute("href") == "tel:110"
    assert page.get_by_role("button", name="已解决，不用投诉了").count() == 0
    snap("suggestions-scam")
    actions.last.click()

    assert page.get_by_text("选择文件", exact=True).is_visible()
    assert page.get_by_text("还没有选择文件").is_visible()
    upload = page.get_by_label("上传证据（可多选）")
    assert upload.bounding_box()["width"] <= 1, "the native control is visually hidden"
    page.get_by_label("这些文件是").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.type") == "file", "the hidden input still takes the focus"
    assert page.locator(".file-button").evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    upload.set_input_files(str(screenshot_file))
    assert page.locator(".file-names").inner_text() == "支付截图.png"
    snap("details")
    page.get_by_role("button", name="上传文件").click()
    page.get_by_role("button", name="下一步").click()

    assert wrapped(page, ".choice-text") == []
    snap("contact")
    page.get_by_label("邮箱").fill("buyer@example.com")
    page.get_by_label(re.compile("我已阅读并同意隐私说明")).check()
    page.get_by_role("button", name="下一步").click()
    snap("review")
    page.get_by_role("button", name="提交投诉").click()

    reference = page.get_by_test_id("reference").inner_text()
    assert wrapped(page, ".code") == [], "neither code breaks in the middle on a phone"
    assert page.get_by_text("文件校验码（用于证明文件未被改动）").is_visible()
    assert not page.locator("code.hash").is_visible(), "the SHA-256 stays folded"
    assert "buyer@example.com" in page.get_by_test_id("code-note").inner_text()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.get_by_role("button", name="复制投诉编号").click()
    assert page.evaluate("() => navigator.clipboard.readText()") == reference
    assert page.get_by_role("button", name="复制投诉编号").inner_text() == "已复制"
    snap("submitted")
    page.get_by_text("文件校验码（用于证明文件未被改动）").click()
    assert page.locator("code.hash").is_visible()


def test_the_journey_in_english_on_phone_and_desktop(live_server, page, screenshot_file, snap):
    page.goto(f"{live_server}/lang/en?next=/complaints/new")
    assert page.locator("html").get_attribute("lang") == "en"
    from tests.browser.conftest import wrapped
    assert wrapped(page, ".choice-list-inline .choice-text") == []
    snap("describe-en")
    page.locator("input[name=category]").first.check()
    page.locator("textarea[name=description]").fill("昨晚 8 点在平台充了 100 元话费，到现在还没到账，订单显示已完成。")
    page.locator("form button[type=submit]").click()
    snap("suggestions-en")
    page.goto(f"{live_server}/complaints/new/details")
    assert page.get_by_text("Choose files", exact=True).is_visible()
    snap("details-en")


def test_an_email_only_deployment_says_so_on_the_contact_step(live_server, live_app, page, snap):
    live_app.config["NOTIFY_CHANNELS"] = ("email",)  # what MAIL_BACKEND=smtp derives: no SMS gateway
    page.goto(f"{live_server}/complaints/new")
    page.get_by_label("充值未到账").check()
    page.get_by_label("请描述发生了什么").fill("昨晚 8 点在平台充了 100 元话费，到现在还没到账，订单显示已完成。")
    page.get_by_role("button", name="下一步").click()
    page.goto(f"{live_server}/complaints/new/contact")
    assert page.get_by_label("短信").count() == 0
    assert "本站暂时不能发送短信" in page.get_by_test_id("notify-note").inner_text()
    page.get_by_label("手机号").fill("13800138000")
    page.get_by_label(re.compile("我已阅读并同意隐私说明")).check()
    page.get_by_role("button", name="下一步").click()
    assert page.locator("#contact_email-error").inner_text() == "要用邮件通知你，请填写邮箱。"
    snap("contact-email-only")


def test_without_javascript_the_native_controls_remain(browser, live_server, screenshot_dir):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/complaints/new")
    page.get_by_label("充值未到账").check()
    page.get_by_label("请描述发生了什么").fill("昨晚 8 点在平台充了 100 元话费，到现在还没到账，订单显示已完成。")
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("link", name="没解决，继续投诉").click()
    assert page.get_by_label("上传证据（可多选）").bounding_box()["width"] > 100, "the native input shows"
    assert not page.get_by_text("选择文件", exact=True).is_visible()
    page.screenshot(path=str(screenshot_dir / "details-no-js.png"), full_page=True)
    context.close()
