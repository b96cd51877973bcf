"""A new visitor opens the home page, switches to English and back."""
import pytest

pytestmark = pytest.mark.browser


def test_home_page_language_switch(live_server, page, screenshot_dir):
    page.goto(f"{live_server}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", level=1).inner_text() == "有问题？先搜索，也许马上就能解决"
    nav = page.get_by_role("navigation", name="主导航")
    for label in ("首页", "帮助中心", "联系渠道", "我要投诉", "进度查询", "公示与统计"):
        assert nav.get_by_role("link", name=label).count() == 1, label
    page.screenshot(path=str(screenshot_dir / "home-zh.png"), full_page=True)

    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Help center").count() == 1
    page.screenshot(path=str(screenshot_dir / "home-en.png"), full_page=True)

    page.goto(f"{live_server}/help")
    assert page.locator("html").get_attribute("lang") == "en", "the choice sticks in a cookie"
    page.get_by_role("link", name="中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.url.endswith("/help")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_public_pages_fit_a_phone_and_a_desktop(live_server, live_app, page, snap, language):
    """Every public page changed for the phone walk, in both languages: screenshots kept, nothing scrolls sideways."""
    from tests.factories import file_complaint

    reference, code = file_complaint(live_app)
    page.goto(f"{live_server}/lang/{language}")
    page.goto(f"{live_server}/track")
    page.locator("#reference").fill(reference)
    page.locator("#access_code").fill(code)
    page.locator("form.card button[type=submit]").click()
    for name, path in (("home", "/"), ("help", "/help"), ("article", "/help/guides/avoiding-scams"),
                       ("search", "/search?q=退款"), ("contact", "/contact"), ("hotline", "/contact/hotline"),
                       ("verify", "/contact/verify?value=4006185200"), ("track", "/track"),
                       ("track-typo", "/track/TS-K94K-3GZ7-B79P-TYU"), ("owner", f"/track/{reference}"),
                       ("complaint", "/complaints/new")):
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == ("en" if language == "en" else "zh-CN")
        snap(f"{name}-{language}")
