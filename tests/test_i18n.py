"""Chinese by default, English on request; the choice sticks in a cookie."""


def test_chinese_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "帮助中心" in page


def test_accept_language_decides_the_first_visit(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Help center" in page


def test_language_switch_sets_a_cookie_and_returns_to_the_page(client):
    response = client.get("/lang/en?next=/help")
    assert response.status_code == 302
    assert response.headers["Location"] == "/help"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert 'lang="en"' in client.get("/help").get_data(as_text=True)
    client.get("/lang/zh?next=/")
    assert 'lang="zh-CN"' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_language_switch_refuses_to_redirect_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert client.get("/lang/en", query_string={"next": target}).headers["Location"] == "/"
