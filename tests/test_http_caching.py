"""Browser caching: hashed static names cached for a year, ETags and 304s for pages, per-language fragments."""
import datetime as dt
import json
import re
import runpy
from types import SimpleNamespace

from app.http_caching import hashed_names
from config import BASE_DIR

STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _static_links(page):
    return STATIC_LINK.findall(page)


def test_pages_link_static_files_by_content_hash(client, app):
    links = _static_links(client.get("/").get_data(as_text=True))

    assert "/static/css/site.css" not in links and "/static/js/site.js" not in links
    assert any(re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", link) for link in links)
    assert any(re.fullmatch(r"/static/js/site\.[0-9a-f]{12}\.js", link) for link in links)


def test_a_hashed_static_file_is_immutable_for_a_year_and_is_the_real_file(client, app):
    link = next(link for link in _static_links(client.get("/").get_data(as_text=True)) if link.endswith(".css"))

    response = client.get(link)

    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    assert response.data == (BASE_DIR / "app" / "static" / "css" / "site.css").read_bytes()


def test_the_plain_static_name_still_works_with_a_short_cache(client):
    response = client.get("/static/css/site.css")

    assert response.status_code == 200
    assert response.cache_control.max_age == 300 and not response.cache_control.immutable


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "site.js"
    script.write_text("console.log(1);")
    before = hashed_names(tmp_path)["js/site.js"]
    script.write_text("console.log(2);")

    assert before != hashed_names(tmp_path)["js/site.js"]
    assert before.startswith("js/site.") and before.endswith(".js")


def test_a_revisit_with_the_pages_etag_gets_a_304_without_a_body(client):
    first = client.get("/help/faq/recharge-not-arrived")
    etag = first.headers["ETag"]

    again = client.get("/help/faq/recharge-not-arrived", headers={"If-None-Match": etag})

    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
    assert again.status_code == 304 and again.data == b""


def test_a_stale_etag_gets_the_full_page(client):
    response = client.get("/help", headers={"If-None-Match": '"not-this-one"'})

    assert response.status_code == 200 and response.headers["ETag"] != '"not-this-one"'


def test_a_visitor_with_cookies_gets_a_private_tag(client):
    client.set_cookie("lang", "en")

    response = client.get("/help")

    assert response.headers.get("ETag") and "private" in response.headers["Cache-Control"]


def test_pages_marked_no_store_get_no_etag(client):
    response = client.get("/track")

    assert "no-store" in response.headers["Cache-Control"] and "ETag" not in response.headers


def _article_bodies(app):
    return sorted(language for _owner, language, key in app.extensions["fragments"]._entries if key == ("body",))


def test_the_article_body_is_rendered_once_per_language(client, app):
    client.get("/help/faq/recharge-not-arrived")
    chinese = client.get("/help/faq/recharge-not-arrived").get_data(as_text=True)
    assert _article_bodies(app) == ["zh"]

    english = client.get("/help/faq/recharge-not-arrived", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert _article_bodies(app) == ["en", "zh"]
    assert 'data-testid="title-en"' in english and 'data-testid="title-en"' not in chinese


def test_gunicorn_settings_spread_connections_and_preload():
    settings = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))

    assert settings["worker_class"] == "gthread" and settings["preload_app"] and settings["reuse_port"]
    assert settings["workers"] >= 2 and settings["timeout"] > 5  # longer than the app's own lock timeouts


def test_gunicorn_access_log_lines_are_json(tmp_path):
    from gunicorn.config import Config

    settings = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = settings["JsonAccessLogger"](config)
    response = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "abcd1234")], sent=512)
    environ = {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "GET", "PATH_INFO": "/search",
               "QUERY_STRING": 'q="退款"', "HTTP_USER_AGENT": 'agent "quoted"'}

    logger.access(response, None, environ, dt.timedelta(milliseconds=12.5))

    line = json.loads((tmp_path / "access.log").read_text(encoding="utf-8").splitlines()[-1])
    assert line["path"] == "/search" and line["query"] == 'q="退款"' and line["status"] == 200
    assert line["duration_ms"] == 12.5 and line["request_id"] == "abcd1234" and line["bytes"] == 512
