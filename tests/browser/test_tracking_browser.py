"""A user tracks a complaint, answers the staff's question with a file, and sees the timeline update."""
import re

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


def test_owner_sees_a_stepper_rates_on_a_phone_and_finds_it_again_on_this_device(live_server, live_app, page, snap):
    from tests.browser.conftest import wrapped

    reference, code = file_complaint(live_app)
    staff_act(live_app, reference, "take", "客服阿杰")
    page.goto(f"{live_server}/track")
    page.get_by_label("投诉编号").fill(reference)
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询进度").click()

    stepper = page.get_by_role("list", name="处理进度")
    assert stepper.locator("li").count() == 4 and stepper.locator("[aria-current=step]").count() == 1
    assert "处理中" in stepper.locator("[aria-current=step]").inner_text()
    assert re.search("预计 .* 前(首次回复|处理完成)", page.get_by_test_id("progress-now").inner_text())
    assert "负责客服：客服阿杰" in page.get_by_test_id("holder").inner_text()
    assert wrapped(page, ".progress-label") == [] and wrapped(page, ".code") == []
    snap("owner-in-review")

    staff_act(live_app, reference, "resolve", "客服阿杰", outcome="replacement", body="已为你补发卡密。")
    page.reload()
    assert "已办结" in stepper.locator("[aria-current=step]").inner_text()
    assert page.locator(".choice-list-stacked").count() == 1, "five scores stack as a list"
    assert wrapped(page, ".choice-text") == []
    snap("owner-rate")

    page.goto(f"{live_server}/track")
    device = page.get_by_test_id("device-complaints")
    assert device.get_by_role("heading").inner_text() == "我在这台设备上查过的投诉"
    assert device.get_by_role("link", name=reference).is_visible() and "已解决" in device.inner_text()
    snap("track-device")
    device.get_by_role("button", name=re.compile("在此设备上退出查看")).click()
    assert page.get_by_test_id("device-complaints").count() == 0


def test_a_mistyped_link_opens_the_lookup_with_the_hint(live_server, page, snap):
    page.goto(f"{live_server}/track/TS-K94K-3GZ7-B79P-TYU")
    assert page.get_by_label("投诉编号").input_value() == "TS-K94K-3GZ7-B79P-TYU"
    assert "可能是 V" in page.locator("#reference-error").inner_text()
    assert page.get_by_label("投诉编号").get_attribute("aria-invalid") == "true"
    snap("track-typo")
