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
    suggestion = page.get_by_role("list", name="推荐文章").get_by_role("link").first
    suggestion.wait_for()
    assert "退款" in suggestion.inner_text()


def test_article_on_a_phone_in_both_languages(live_server, page, snap):
    from tests.browser.conftest import wrapped

    page.goto(f"{live_server}/help/faq/card-code-invalid")
    assert page.get_by_test_id("title-en").count() == 0, "no English title on the Chinese page"
    assert wrapped(page, ".choice-text") == []
    snap("article-zh")
    page.get_by_label("有帮助", exact=True).check()
    page.get_by_role("button", name="提交反馈").click()
    assert page.get_by_test_id("helpful-count").inner_text() == "1 人觉得有帮助"

    page.goto(f"{live_server}/lang/en?next=/help/faq/card-code-invalid")
    assert page.get_by_test_id("title-en").is_visible()
    assert page.get_by_test_id("helpful-count").inner_text() == "1 person found this helpful"
    snap("article-en")


def test_help_search_suggests_while_typing_and_the_plain_form_works_without_javascript(live_server, page, browser,
                                                                                      snap):
    page.goto(f"{live_server}/help")
    box = page.get_by_role("searchbox")
    box.type("怎么退款", delay=30)
    first = page.locator(".suggestions a").first
    first.wait_for()
    assert page.get_by_role("status").filter(has_text="篇推荐文章").count() == 1
    box.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.closest('.suggestions') !== null"), "arrow keys reach them"
    snap("help-suggestions")

    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    plain = context.new_page()
    plain.goto(f"{live_server}/help")
    plain.get_by_role("searchbox").fill("怎么退款")
    plain.get_by_role("searchbox").press("Enter")
    plain.wait_for_url("**/search?q=*")
    assert "退款" in plain.locator("ol .result h2 a").first.inner_text()
    context.close()


def test_a_long_upset_sentence_typed_on_the_home_page_lands_on_the_right_article(live_server, page):
    page.goto(f"{live_server}/")
    box = page.get_by_label("先搜索，也许马上就能解决")
    box.fill("上周在平台买了200元的话费，页面一直显示处理中，打客服也没人接，烦死了")
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    first = page.locator("ol .result h2 a").first
    assert first.inner_text().startswith("充值后一直没到账")
    first.click()
    page.wait_for_url("**/help/faq/recharge-not-arrived")
