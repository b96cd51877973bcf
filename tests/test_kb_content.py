"""The knowledge base: required articles, validation with file and field named, safe rendering."""
import re
import shutil
from pathlib import Path

import pytest

from app.kb.content import ContentError, load_knowledge_base, render_markdown

CONTENT = Path(__file__).resolve().parents[1] / "content"
REQUIRED_FAQ = """complaint-not-handled complaint-processing-time how-to-submit-complaint complaint-evidence
check-complaint-progress lost-reference-number supplement-complaint complaint-withdraw dispute-escalation
contact-hotline online-chat social-media-channels fake-customer-service card-code-invalid recharge-not-arrived
order-paid-not-delivered refund-policy refund-not-received wrong-item-purchased seller-unresponsive
seller-reputation seller-fraud-report account-frozen account-stolen payment-methods duplicate-charge invoice
transaction-records game-ban-after-purchase price-difference minor-purchase-refund privacy-of-complaint
resolution-statistics calm-communication""".split()
REQUIRED_GUIDES = """safe-trading-basics choosing-reliable-sellers keeping-transaction-records
writing-effective-complaint contact-channels-guide after-submitting avoiding-scams platform-rules-overview
virtual-goods-types""".split()


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(CONTENT)


def _chinese_chars(text):
    return len(re.findall(r"[\u4e00-\u9fff]", text))


def test_every_required_article_exists(kb):
    assert set(REQUIRED_FAQ) <= {a.slug for a in kb.by_type("faq")}
    assert set(REQUIRED_GUIDES) <= {a.slug for a in kb.by_type("guide")}


def test_faq_answers_are_150_to_600_characters(kb):
    for article in kb.by_type("faq"):
        assert 150 <= _chinese_chars(article.text) and len(article.text) <= 700, article.slug


def test_guides_have_headings_and_checklists(kb):
    for article in kb.by_type("guide"):
        assert len(article.toc) >= 3, article.slug
        assert 'type="checkbox"' in article.html, article.slug


def test_no_placeholder_text(kb):
    for article in kb.articles.values():
        assert not re.search(r"TODO|lorem|ipsum|TBD|占位", article.body_markdown, re.I), article.slug


def _copy_content(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def test_missing_field_names_file_and_field(tmp_path):
    content = _copy_content(tmp_path)
    path = content / "faq" / "invoice.md"
    path.write_text(path.read_text(encoding="utf-8").replace("summary_en:", "summary_english:"), encoding="utf-8")
    with pytest.raises(ContentError, match=r"invoice\.md: field 'summary_en'"):
        load_knowledge_base(content)


def test_broken_related_slug_names_file_and_slug(tmp_path):
    content = _copy_content(tmp_path)
    path = content / "faq" / "invoice.md"
    text = re.sub(r"related: \[", "related: [no-such-article, ", path.read_text(encoding="utf-8"), count=1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=r"invoice\.md: field 'related' names unknown article 'no-such-article'"):
        load_knowledge_base(content)


def test_kb_check_command_fails_on_bad_content(tmp_path, app):
    content = _copy_content(tmp_path)
    (content / "faq" / "broken.md").write_text("no front matter here", encoding="utf-8")
    app.config["CONTENT_DIR"] = content
    result = app.test_cli_runner().invoke(args=["kb", "check"])
    assert result.exit_code != 0
    assert "broken.md" in result.output


def test_kb_check_command_passes_on_shipped_content(runner):
    result = runner.invoke(args=["kb", "check"])
    assert result.exit_code == 0, result.output
    assert "34 FAQ" in result.output or "FAQ articles" in result.output
    assert "fewer than" not in result.output


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src='https://evil.example'></iframe>",
])
def test_raw_html_in_content_cannot_inject_script(hostile):
    html, _ = render_markdown(f"正文\n\n{hostile}\n")
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html and "<iframe" not in html


def test_chinese_headings_get_readable_anchors():
    html, toc = render_markdown("## 付款之前\n\n内容\n")
    assert toc == [(2, "付款之前", "付款之前")]
    assert 'id="付款之前"' in html


def test_every_article_has_five_to_twelve_own_asked_as_phrasings(kb):
    for article in kb.articles.values():
        assert 5 <= len(article.asked_as) <= 12, article.slug
        assert len(set(article.asked_as)) == len(article.asked_as), article.slug
        assert not set(article.asked_as) & set(article.keywords), f"{article.slug}: asked_as repeats keywords"


def test_asked_as_that_is_not_a_list_names_file_and_field(tmp_path):
    content = _copy_content(tmp_path)
    path = content / "faq" / "invoice.md"
    path.write_text(re.sub(r"^asked_as: .*$", "asked_as: 能开发票吗", path.read_text(encoding="utf-8"), flags=re.M),
                    encoding="utf-8")
    with pytest.raises(ContentError, match=r"invoice\.md: field 'asked_as' must be a list"):
        load_knowledge_base(content)


def test_kb_check_reports_articles_with_fewer_than_five_asked_as(tmp_path, app):
    content = _copy_content(tmp_path)
    path = content / "faq" / "invoice.md"
    path.write_text(re.sub(r"^asked_as: .*$", "asked_as: [能开发票吗, 发票怎么申请]", path.read_text(encoding="utf-8"),
                           flags=re.M), encoding="utf-8")
    (content / "guides" / "after-submitting.md").write_text(
        re.sub(r"^asked_as: .*\n", "", (CONTENT / "guides" / "after-submitting.md").read_text(encoding="utf-8"),
               flags=re.M), encoding="utf-8")
    app.config["CONTENT_DIR"] = content
    result = app.test_cli_runner().invoke(args=["kb", "check"])
    assert result.exit_code == 0, result.output
    assert "2 articles have fewer than 5" in result.output
    assert "faq/invoice: 2" in result.output and "guide/after-submitting: 0" in result.output


def test_stop_phrases_are_loaded_with_the_articles(kb):
    assert {"请问", "到底", "气死了", "打客服也没人接"} <= set(kb.stop_phrases)
    assert not any(phrase.startswith("#") for phrase in kb.stop_phrases)
