"""A visitor searches from the home page, opens a result and says it helped."""
import pytest

pytestmark = pytest.mark.browser


def test_search_open_result_and_vote(live_server, page, screenshot_dir):
    page.goto(f"{live_server}/")
    page.get_by_label("先搜索，也许马上就能解决").fill("卡密用不了")
    page.get_by_label("先搜索，也许马上就能解决").press("Enter")
    page.wait_for_url("**/search?q=*")
    assert page.get_by_role("searchbox").input_value() == "卡密用不了"
    first = page.locator("ol .result h2 a").first
    assert "卡密" in first.inner_text()
    page.screenshot(path=str(screenshot_dir / "search.png"), full_page=True)

    first.click()
    page.wait_for_url("**/help/faq/card-code-invalid")
    page.get_by_label("有帮助", exact=True).check()
    page.get_by_role("button", name="提交反馈").click()
    assert page.get_by_text("感谢你的反馈！").is_visible()
    assert page.get_by_text("已收到你的反馈，谢谢！").is_visible()
    page.screenshot(path=str(screenshot_dir / "voted.png"), full_page=True)


def test_live_suggestions_appear_while_typing(live_server, page):
    page.goto(f"{live_server}/help")
    page.get_by_role("searchbox").type("退款", delay=50)
    suggestion = page.get_by_role("listbox").get_by_role("link").first
    suggestion.wait_for()
    assert "退款" in suggestion.inner_text()
