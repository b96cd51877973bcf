"""Friendly error pages in the site layout, JSON for the API, never a stack trace."""
import pytest
from flask import abort


@pytest.fixture
def failing_app(app):
    @app.get("/_test/abort/<int:code>")
    def _abort(code):
        abort(code)

    @app.get("/_test/crash")
    def _crash():
        raise RuntimeError("secret internals")

    return app


@pytest.mark.parametrize("code, words", [
    (400, "请求有误"), (403, "无权访问"), (404, "页面不存在"), (413, "文件太大"), (429, "操作太频繁"),
    (500, "服务器出错了"), (503, "服务暂时不可用"),
])
def test_error_pages_use_the_site_layout(failing_app, code, words):
    response = failing_app.test_client().get(f"/_test/abort/{code}")
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert words in page and 'class="site-header"' in page


def test_error_pages_are_bilingual(failing_app):
    page = failing_app.test_client().get("/_test/abort/404", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Page not found" in page


def test_unhandled_exception_shows_no_stack_trace(failing_app):
    response = failing_app.test_client().get("/_test/crash")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_unknown_page_offers_a_search_box(client):
    page = client.get("/help/faq/no-such-article").get_data(as_text=True)
    assert 'role="search"' in page


def test_the_413_page_states_the_configured_upload_limits(failing_app):
    failing_app.config.update(EVIDENCE_MAX_FILES=3, EVIDENCE_MAX_BYTES=2 * 1024 * 1024)
    client = failing_app.test_client()
    assert "每个文件不超过 2 MB，最多 3 个" in client.get("/_test/abort/413").get_data(as_text=True)
    english = client.get("/_test/abort/413", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "up to 3 files, 2 MB each" in english


def test_every_503_tells_the_client_when_to_retry(failing_app):
    response = failing_app.test_client().get("/_test/abort/503")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
