"""Chinese by default, English on request; the choice sticks in a cookie; every string is translated."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po


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


def test_every_interface_string_has_an_english_translation(tmp_path):
    """Extract the catalogue afresh (macros included) and compare with the English translations."""
    root = Path(__file__).resolve().parents[1]
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "--ignore-dirs", ".* __pycache__ node_modules", "-o", str(pot), "."], cwd=root, capture_output=True,
                   check=True)
    with open(pot, "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    assert len(wanted) > 400, "the extraction found the interface strings"
    with open(root / "app/translations/en/LC_MESSAGES/messages.po", "rb") as f:
        translated = {m.id for m in read_po(f) if m.id and m.string}
    assert sorted(wanted - translated, key=str) == []
