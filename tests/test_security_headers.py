"""Security baseline on every response."""


def test_security_headers_are_set(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_request_id_is_echoed(client):
    assert len(client.get("/").headers["X-Request-ID"]) == 32
    assert client.get("/", headers={"X-Request-ID": "abc12345-trace"}).headers["X-Request-ID"] == "abc12345-trace"


def test_hostile_request_id_is_replaced(client):
    echoed = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"}).headers["X-Request-ID"]
    assert "<" not in echoed


def test_session_cookie_flags(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_pages_carry_no_inline_script_or_style(client):
    for path in ("/", "/help", "/search?q=退款", "/help/guides/avoiding-scams"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page and " onclick=" not in page, path
