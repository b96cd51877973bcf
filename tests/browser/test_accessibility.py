"""axe-core finds no serious or critical accessibility problems on the main pages, in both languages."""
from pathlib import Path

import pytest

from tests.conftest import require

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["/", "/help", "/help/faq/card-code-invalid", "/help/guides/avoiding-scams", "/search?q=退款",
         "/search?q=xqzvbn", "/contact", "/contact/hotline", "/contact/verify?value=12345", "/complaints/new",
         "/track", "/track/lost", "/transparency", "/transparency/outcomes", "/no-such-page"]


@pytest.fixture
def axe_page(browser):
    require(AXE.exists(), f"axe-core is not installed at {AXE} (run `npm ci`)")
    # The site's CSP forbids injected scripts, so the checking context bypasses it.
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def _violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_main_pages_have_no_serious_accessibility_violations(live_server, axe_page, language):
    axe_page.goto(f"{live_server}/lang/{language}")
    problems = {}
    for path in PAGES:
        axe_page.goto(f"{live_server}{path}")
        found = _violations(axe_page)
        if found:
            problems[path] = found
    assert problems == {}


def test_complaint_steps_with_errors_stay_accessible(live_server, axe_page):
    axe_page.goto(f"{live_server}/complaints/new")
    axe_page.get_by_role("button", name="下一步").click()
    assert axe_page.locator(".error").count() >= 2
    assert _violations(axe_page) == []


def test_live_search_suggestions_stay_accessible(live_server, axe_page):
    axe_page.goto(f"{live_server}/help")
    axe_page.get_by_role("searchbox").type("怎么退款", delay=30)
    axe_page.locator(".suggestions a").first.wait_for()
    assert _violations(axe_page) == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_pages_changed_for_phones_stay_accessible(live_server, live_app, axe_page, language):
    """Scam advice, the upload button, the receipt, the progress stepper and the device list, on a phone."""
    from tests.factories import file_complaint, staff_act

    axe_page.set_viewport_size({"width": 390, "height": 844})
    axe_page.goto(f"{live_server}/lang/{language}?next=/complaints/new")
    problems = {}

    def check(name):
        if found := _violations(axe_page):
            problems[name] = found

    check("describe")
    axe_page.locator("input[name=category][value=other]").check()
    axe_page.locator("textarea[name=description]").fill("有人冒充客服让我转账到个人账户，我的 500 元没了，还让我交解冻费。")
    axe_page.locator("form button[type=submit]").click()
    check("suggestions-scam")
    axe_page.goto(f"{live_server}/complaints/new/details")
    check("details")
    axe_page.locator("button[value=next]").click()
    check("contact")
    axe_page.locator("#contact_email").fill("buyer@example.com")
    axe_page.locator("#consent_privacy").check()
    axe_page.locator("form button[type=submit]").click()
    axe_page.locator("button[data-once]").click()
    check("submitted")

    reference, code = file_complaint(live_app)
    staff_act(live_app, reference, "take", "客服阿杰")
    axe_page.goto(f"{live_server}/track")
    axe_page.locator("#reference").fill(reference)
    axe_page.locator("#access_code").fill(code)
    axe_page.locator("form.card button[type=submit]").click()
    check("owner")
    axe_page.goto(f"{live_server}/track")
    check("track-device-list")
    axe_page.goto(f"{live_server}/track/TS-K94K-3GZ7-B79P-TYU")
    check("track-typo")
    assert problems == {}
