"""Browser fixtures: a live portal in a thread and headless Debian Chromium driven by Playwright."""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.conftest import require

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def playwright_instance():
    require(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def live_app_settings():
    """Config overrides for `live_app`; a test module overrides this fixture to serve the portal otherwise."""
    return {}


@pytest.fixture
def live_app(tmp_path, sqlite_template, search_index_dir, live_app_settings):
    """The portal on a fresh SQLite database, as a browser user would meet it."""
    database = tmp_path / "portal.sqlite3"
    shutil.copy(sqlite_template, database)
    return create_app("testing", DATA_DIR=tmp_path / "data", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
                      SEARCH_INDEX_DIR=search_index_dir, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False,
                      **live_app_settings)


@pytest.fixture
def live_server(live_app):
    """Serve `live_app` on a free localhost port; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir(request):
    """A per-test output directory for screenshots (kept under test-results/)."""
    path = Path(__file__).resolve().parents[2] / "test-results" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
# Labels, codes and options that a line break splits in two: each text's line boxes, counted by their tops.
WRAPPED_JS = """selector => [...document.querySelectorAll(selector)].filter(el => {
  const range = document.createRange(); range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
}).map(el => el.textContent.trim())"""

WIDE_JS = """() => [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > innerWidth)
  .map(el => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 30)}`).slice(-3)"""


def wrapped(page, selector):
    """Return the texts matched by `selector` that wrap onto more than one line."""
    return page.evaluate(WRAPPED_JS, selector)


@pytest.fixture
def snap(page, screenshot_dir):
    """Screenshot the current page on a phone (390 px) and a desktop, and check nothing overflows sideways."""
    def take(name):
        # A click that submits a form may still be navigating: measure the page it lands on, not the one it left.
        page.wait_for_load_state("load")
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} scrolls sideways on the {label} by {overflow}px: {page.evaluate(WIDE_JS)}"
            page.screenshot(path=str(screenshot_dir / f"{name}-{label}.png"), full_page=True)
        page.set_viewport_size(PHONE)
    return take
