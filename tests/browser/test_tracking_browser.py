"""A user tracks a complaint, answers the staff's question with a file, and sees the timeline update."""
import pytest
from PIL import Image

from tests.factories import file_complaint, staff_act

pytestmark = pytest.mark.browser


def test_track_and_answer_a_staff_question_with_a_file(live_server, live_app, page, screenshot_dir, tmp_path):
    reference, code = file_complaint(live_app)
    staff_act(live_app, reference, "request_info", "客服小李", body="请上传支付截图")
    screenshot = tmp_path / "支付截图.png"
    Image.new("RGB", (320, 640), "white").save(screenshot)

    page.goto(f"{live_server}/track")
    page.get_by_label("投诉编号").fill(reference.lower().replace("-", " "))
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询进度").click()

    assert page.get_by_test_id("status").inner_text() == "等待你补充信息"
    timeline = page.get_by_role("list", name="处理记录")
    assert timeline.locator("li").count() == 3
    assert "请上传支付截图" in page.get_by_role("note").inner_text()
    page.screenshot(path=str(screenshot_dir / "awaiting.png"), full_page=True)

    page.get_by_role("link", name="现在补充").click()
    page.get_by_label("补充说明").fill("支付截图在附件里")
    page.get_by_label("这些文件是").select_option(label="支付截图")
    page.get_by_label("上传证据（可多选）").set_input_files(str(screenshot))
    page.get_by_role("button", name="提交补充").click()

    assert page.get_by_test_id("status").inner_text() == "处理中"
    items = timeline.locator("li")
    assert items.count() == 6
    assert "你上传了文件：支付截图.png" in items.nth(3).inner_text()
    assert "支付截图在附件里" in items.nth(4).inner_text()
    assert "处理中" in items.last.inner_text() and items.last.locator("time").count() == 1
    assert page.get_by_role("link", name="支付截图.png").get_attribute("href").startswith(f"/track/{reference}/evidence/")
    page.screenshot(path=str(screenshot_dir / "answered.png"), full_page=True)
