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
    assert page.get_by_text("支付截图.png").is_visible()
    page.screenshot(path=str(screenshot_dir / "submitted.png"), full_page=True)
