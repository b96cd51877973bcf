"""Kept pages in a real browser: a visitor served a kept article still gets a working form of their own."""
import pytest

pytestmark = pytest.mark.browser
ARTICLE = "/help/faq/card-code-invalid"


@pytest.fixture
def live_app_settings():
    """The portal as production runs it: public pages kept for visitors without cookies."""
    return {"PAGE_CACHE_SECONDS": 60}


def test_two_visitors_served_one_kept_article_each_vote_with_their_own_token(live_server, browser):
    for visitor in range(2):
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        response = page.goto(f"{live_server}{ARTICLE}")
        assert (response.headers.get("x-page-cache") == "hit") == (visitor == 1)
        page.get_by_label("有帮助", exact=True).check()
        page.get_by_role("button", name="提交反馈").click()
        assert page.get_by_text("感谢你的反馈！").is_visible()
        assert page.get_by_test_id("helpful-count").inner_text() == f"{visitor + 1} 人觉得有帮助"
        context.close()
