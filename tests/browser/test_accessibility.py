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
