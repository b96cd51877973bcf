"""Chinese by default, English on request; the choice sticks in a cookie; every string is translated."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# ASCII punctuation touching a Chinese character ("(报错截图)", "名称:值", "好的,谢谢") ...
ASCII_NEXT_TO_CJK = re.compile(rf"(?<=[{CJK}])[:(),;?!]|[:(),;?!](?=[{CJK}])")
# ... and any ASCII comma or semicolon in Chinese text ("5 MB,JPG"), except a thousands separator (1,000).
ASCII_COMMA = re.compile(r"(?<!\d),|,(?!\d{3}\b)|;")
# Not prose: code spans and blocks, URLs, link targets, autolinks and HTML tags, reply placeholders like {reference}.
NOT_PROSE = re.compile(r"```.*?```|`[^`\n]*`|https?://\S+|\]\([^)\s]*\)|<[^>\n]*>|\{[a-z_]+\}", re.S)
# Interface placeholders stand for Chinese words (%(name)s) or numbers (%(n)d) once filled in.
PLACEHOLDER_TEXT, PLACEHOLDER_NUMBER = re.compile(r"%\(\w+\)s"), re.compile(r"%\(\w+\)d|%%")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """Extract the interface strings afresh (macros included), the way `pybabel extract` is run in the README."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "--ignore-dirs", ".* __pycache__ node_modules", "-o", str(pot), "."], cwd=ROOT, capture_output=True,
                   check=True)
    with open(pot, "rb") as f:
        return [m for m in read_po(f) if m.id]


def _ascii_punctuation(text):
    """Return the ASCII punctuation marks that sit inside Chinese prose in `text`, with some context."""
    found = []
    for line in NOT_PROSE.sub(" ", text).splitlines():
        if re.search(f"[{CJK}]", line):
            found += [line[max(0, m.start() - 8):m.end() + 8] for pattern in (ASCII_NEXT_TO_CJK, ASCII_COMMA)
                      for m in pattern.finditer(line)]
    return found


def _chinese_content():
    """Yield (where, text) for every article body and every Chinese reply template in content/."""
    for path in sorted((ROOT / "content").glob("*/*.md")):
        front, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
        meta = yaml.safe_load(front.removeprefix("---\n")) or {}
        yield path.relative_to(ROOT), body if "zh" not in meta else meta["zh"]


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


def test_every_interface_string_has_an_english_translation(catalogue):
    """Compare the freshly extracted catalogue with the English translations."""
    root = ROOT
    wanted = {m.id for m in catalogue}
    assert len(wanted) > 400, "the extraction found the interface strings"
    with open(root / "app/translations/en/LC_MESSAGES/messages.po", "rb") as f:
        translated = {m.id for m in read_po(f) if m.id and m.string}
    assert sorted(wanted - translated, key=str) == []


def test_chinese_interface_strings_use_full_width_punctuation(catalogue):
    """"（可选）", "名称：值", "好的，谢谢": no ASCII ( ) : , ; ? ! inside Chinese text (times like 10:00 are fine)."""
    found = {}
    for message in catalogue:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            filled = PLACEHOLDER_NUMBER.sub("1", PLACEHOLDER_TEXT.sub("字", text))
            if problems := _ascii_punctuation(filled):
                found[text] = problems
    assert found == {}


def test_articles_and_reply_templates_use_full_width_punctuation():
    found = {str(where): problems for where, text in _chinese_content() if (problems := _ascii_punctuation(text))}
    assert found == {}


@pytest.mark.parametrize("text, wrong", [
    ("上传证据(可选)", True), ("这是卡盟的字:字。", True), ("不超过 5 MB,JPG、PNG", True), ("工作日 9:00–18:00;", True),
    ("工作日 10:00–11:00、14:00–16:00", False), ("金额 1,000 元", False), ("见 [退款政策](/help/faq/refund-policy)。", False),
    ("打开 `https://kameng.example/a,b` 即可", False), ("Call us (9:00-18:00), thanks!", False),
])
def test_the_punctuation_check_itself(text, wrong):
    assert bool(_ascii_punctuation(text)) is wrong


@pytest.mark.parametrize("size, shown", [(0, "0 B"), (512, "512 B"), (4000, "3.9 KB"), (3891, "3.8 KB"),
                                         (5 * 1024 * 1024, "5.0 MB")])
def test_one_file_size_format_everywhere(size, shown):
    from app.i18n import filesize
    assert filesize(size) == shown


def test_no_template_formats_file_sizes_by_itself():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "app/templates").rglob("*.html")
                 if re.search(r"/ ?1024|filesizeformat", path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("language, joined", [("zh", "邮件、短信"), ("en", "Email, SMS")])
def test_lists_are_joined_as_the_reader_language_writes_them(app, language, joined):
    from app.i18n import join_list
    with app.test_request_context(headers={"Accept-Language": language}):
        assert join_list(["邮件", "短信"] if language == "zh" else ["Email", "SMS"]) == joined


def test_no_template_or_view_joins_with_a_chinese_comma_by_itself():
    pattern = re.compile(r"""['"]、['"]\s*\.join|join\(\s*['"]、['"]\s*\)""")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "app").rglob("*")
                 if path.suffix in (".py", ".html") and path.name != "i18n.py"
                 and pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("language, message", [("zh", "不是有效的选择。"), ("en", "Not a valid choice.")])
def test_built_in_form_messages_follow_the_reader_language_on_every_request(app, language, message):
    from wtforms import SelectField

    from app.forms import PortalForm

    class ChoiceForm(PortalForm):
        class Meta:
            csrf = False
        choice = SelectField(choices=[("a", "A"), ("b", "B")])

    for _ in range(2):  # the catalogue is loaded once per language, then served from memory
        with app.test_request_context("/", method="POST", data={"choice": "z"}, headers={"Accept-Language": language}):
            form = ChoiceForm()
            assert not form.validate()
            assert form.choice.errors == [message]


def test_templates_follow_a_forced_locale_and_return_to_the_request_language(app):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        before = render_template_string("{{ _('搜索') }}")
        with force_locale("en"):
            forced = render_template_string("{{ _('搜索') }}")
        after = render_template_string("{{ _('搜索') }}")
    assert (before, forced, after) == ("搜索", "Search", "搜索")
