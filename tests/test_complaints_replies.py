"""Reply templates for the staff console: shipped content, validation naming file and field, rendering, lookup."""
import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from app.complaints.categories import CATEGORIES
from app.complaints.replies import (ACTIONS, OUTCOMES, PLACEHOLDERS, ReplyTemplate, ReplyTemplateError,
                                    cached_replies, find_markers, load_replies, templates_for)
from app.kb import content as kb_content

CONTENT = Path(__file__).resolve().parents[1] / "content"
SHIPPED = load_replies(CONTENT)
SAMPLE = {"id": "sample", "title": "示例回复", "title_en": "Sample reply", "categories": ["refund"],
          "action": "reply", "zh": "投诉编号 {reference}。", "en": "Reference number {reference}."}
DROP = object()


def _write(content_dir, name, **changes):
    """Write content_dir/replies/<name>.md from SAMPLE with `changes` (DROP removes a field)."""
    meta = {key: value for key, value in {**SAMPLE, "id": name, **changes}.items() if value is not DROP}
    path = content_dir / "replies" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n", encoding="utf-8")
    return path


def _problems(content_dir):
    with pytest.raises(ReplyTemplateError) as info:
        load_replies(content_dir)
    return info.value.problems


def _sentences(text, separators):
    return [s for s in re.split(separators, text) if s.strip()]


# --- the shipped templates ---------------------------------------------------------------------------------

def test_every_shipped_template_loads_and_validates():
    assert 16 <= len(SHIPPED) <= 20
    assert list(SHIPPED) == sorted(SHIPPED)
    assert {path.stem for path in (CONTENT / "replies").glob("*.md")} == set(SHIPPED)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_every_category_has_a_request_info_template(category):
    specific = [t for t in SHIPPED.values() if t.action == "request_info" and category in t.categories]
    assert specific, f"no request_info template written for {category}"


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_outcome_has_a_resolve_template(outcome):
    assert any(t.action == "resolve" and t.outcome == outcome for t in SHIPPED.values())


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_has_a_template(action):
    assert any(t.action == action for t in SHIPPED.values())


@pytest.mark.parametrize("template", SHIPPED.values(), ids=list(SHIPPED))
def test_zh_and_en_bodies_use_the_same_placeholders(template):
    assert set(re.findall(r"\{(\w+)\}", template.zh)) == set(re.findall(r"\{(\w+)\}", template.en))


@pytest.mark.parametrize("template", SHIPPED.values(), ids=list(SHIPPED))
def test_titles_are_short_and_chinese(template):
    assert re.search(r"[\u4e00-\u9fff]", template.title) and len(template.title) <= 20
    assert not re.search(r"[\u4e00-\u9fff]", template.title_en)


@pytest.mark.parametrize("template", SHIPPED.values(), ids=list(SHIPPED))
def test_bodies_are_calm_plain_text(template):
    for body in (template.zh, template.en):
        assert "！" not in body and "!" not in body
        assert not re.search(r"\*\*|\]\(|^#|<[a-z]", body, re.M), "bodies are plain text, not Markdown or HTML"
        assert not re.search(r"TODO|lorem|TBD|占位", body, re.I)


# Phrasings that ask the user for a secret: the platform tells users nobody legitimate asks for these.
FORBIDDEN_PHRASES = ("提供卡密", "提供完整卡密", "发送卡密", "卡密发给", "卡密告诉", "告诉我们卡密", "告诉我们密码",
                     "提供密码", "密码发给", "提供验证码", "发送验证码", "验证码发给", "告诉我们验证码", "回复验证码",
                     "send us the card code", "send us your card code", "tell us your password",
                     "send us your password", "tell us the code", "send us the verification code")
SECRET_ZH, ASKING_ZH = re.compile(r"卡密|密码|验证码"), re.compile(r"提供|发给|发送|告诉|告知|填写|输入|回复")
SAFE_ZH = re.compile(r"不会|不要|不需要|不用|绝不|切勿|请勿|任何人|修改|遮住")
SECRET_EN = re.compile(r"card code|password|verification code|SMS code", re.I)
ASKING_EN = re.compile(r"\b(send|tell|give|provide|enter|reply)\b", re.I)
SAFE_EN = re.compile(r"\b(never|not|don't|anyone|change|cover)\b", re.I)


@pytest.mark.parametrize("template", SHIPPED.values(), ids=list(SHIPPED))
def test_no_shipped_template_asks_for_card_code_password_or_sms_code(template):
    for phrase in FORBIDDEN_PHRASES:
        assert phrase.lower() not in (template.zh + template.en).lower(), phrase
    # The agent's fill-in markers ("【请填写：…】") are instructions to staff, not requests to the user.
    zh, en = (re.sub(r"【请填写：[^】]*】|\[fill in: [^\]]*\]", "", body) for body in (template.zh, template.en))
    for sentence in _sentences(zh, r"[。；？\n]"):
        if re.search(r"密码|验证码", sentence) or (SECRET_ZH.search(sentence) and ASKING_ZH.search(sentence)):
            assert SAFE_ZH.search(sentence), sentence
    for sentence in _sentences(en, r"[.;?\n]"):
        if re.search(r"password|code", sentence, re.I) and SECRET_EN.search(sentence) and (
                ASKING_EN.search(sentence) or re.search(r"password|verification|SMS", sentence, re.I)):
            assert SAFE_EN.search(sentence), sentence


def test_evidence_requests_ask_for_screenshots_with_the_card_code_covered():
    for template in SHIPPED.values():
        if template.action == "request_info" and "卡密" in template.zh:
            assert "遮住" in template.zh and "cover" in template.en, template.id


def test_amount_is_used_only_where_money_changes_hands():
    with_amount = {t.id for t in SHIPPED.values() if "{amount}" in t.zh}
    money_outcomes = {"full_refund", "partial_refund", "seller_penalised"}
    assert with_amount == {t.id for t in SHIPPED.values() if t.outcome in money_outcomes}


@pytest.mark.parametrize("category", ["seller_fraud", "account_security"])
def test_fraud_warning_names_the_police_lines_and_private_transfers(category):
    warnings = [t for t in templates_for(category, CONTENT, action="reply") if "96110" in t.zh]
    assert warnings, f"no scam warning for {category}"
    for template in warnings:
        assert "110" in template.zh and "私下转账" in template.zh and "“客服”" in template.zh
        assert "96110" in template.en and "privately" in template.en


@pytest.mark.parametrize("template", [t for t in SHIPPED.values() if t.action == "reject"], ids=lambda t: t.id)
def test_rejections_say_what_the_user_can_still_do_within_15_days(template):
    assert "你还可以这样做" in template.zh and "15 天内" in template.zh
    assert "What you can still do" in template.en and "within 15 days" in template.en.lower()


def test_refund_times_match_the_help_center():
    quoting = [t for t in SHIPPED.values() if "即时到账" in t.zh]
    assert len(quoting) >= 4
    for template in quoting:
        assert "平台余额即时到账，支付宝/微信 1–3 个工作日，银行卡 3–7 个工作日" in template.zh, template.id
        assert "Alipay/WeChat 1–3 working days, bank cards 3–7 working days" in template.en, template.id


def test_first_reply_promises_an_answer_by_the_due_date():
    first = [t for t in templates_for("other", CONTENT, action="reply") if "已经收到" in t.zh]
    assert first and all("{due_date}" in t.zh and "{due_date}" in t.en for t in first)


# --- validation: every kind of problem names the file and the field ------------------------------------------

@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"title_en": DROP}, "title_en", "is missing or empty"),
    ({"categories": DROP}, "categories", "is missing or empty"),
    ({"zh": "  \n"}, "zh", "is missing or empty"),
    ({"categories": ["refund", "no_such_category"]}, "categories", "names unknown category 'no_such_category'"),
    ({"categories": ["*", "refund"]}, "categories", "alone"),
    ({"categories": "refund"}, "categories", "must be a list"),
    ({"zh": "请核对 {order_number}。"}, "zh", "unknown placeholder {order_number}"),
    ({"en": "Amount {amount:.2f}."}, "en", "unknown placeholder {amount:.2f}"),
    ({"zh": "投诉编号 {reference。"}, "zh", "unbalanced brace"),
    ({"en": "Reference }{reference}."}, "en", "unbalanced brace"),
    ({"zh": "合同 {{reference}}。"}, "zh", "unbalanced brace"),
    ({"outcome": "full_refund"}, "outcome", "only allowed when action is 'resolve'"),
    ({"action": "resolve"}, "outcome", "required when action is 'resolve'"),
    ({"action": "resolve", "outcome": "refunded"}, "outcome", "must be one of"),
    ({"action": "close"}, "action", "must be one of"),
    ({"id": "other-name"}, "id", "the file name says 'broken'"),
    ({"id": "Broken_Name"}, "id", "lowercase letters, digits and hyphens"),
    ({"zh": "长" * 2001}, "zh", "2001 characters; the limit is 2000"),
    ({"en": "x" * 2001}, "en", "2001 characters; the limit is 2000"),
    ({"title": 42}, "title", "must be text"),
    ({"summary": "不认识的字段"}, "summary", "is not a known field"),
])
def test_invalid_template_is_reported_with_file_and_field(tmp_path, changes, field, message):
    path = _write(tmp_path, "broken", **changes)
    problems = _problems(tmp_path)
    assert any(p.startswith(f"{path}: field {field!r}") and message in p for p in problems), problems


def test_unknown_placeholder_is_reported_with_file_and_field(tmp_path):
    path = _write(tmp_path, "typo", zh="退款 {amout} 元。")
    assert _problems(tmp_path) == [f"{path}: field 'zh' uses unknown placeholder {{amout}}; known: "
                                   "{reference}, {category}, {due_date}, {amount}, {agent}"]


def test_body_of_exactly_2000_characters_is_accepted(tmp_path):
    _write(tmp_path, "long", zh="长" * 2000, en="x" * 2000)
    assert len(load_replies(tmp_path)["long"].zh) == 2000


@pytest.mark.parametrize(("text", "message"), [
    ("no front matter at all", "missing YAML front matter"),
    ("---\nid: [unclosed\n---\n", "front matter is not valid YAML"),
    ("---\n- a list\n---\n", "front matter must be a mapping"),
])
def test_unreadable_front_matter_names_the_file(tmp_path, text, message):
    path = tmp_path / "replies" / "bad.md"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    assert any(p.startswith(f"{path}: ") and message in p for p in _problems(tmp_path))


def test_text_after_the_front_matter_is_reported(tmp_path):
    path = _write(tmp_path, "trailing")
    path.write_text(path.read_text(encoding="utf-8") + "\n正文不该写在这里。\n", encoding="utf-8")
    assert any(p.startswith(f"{path}: text after the front matter") for p in _problems(tmp_path))


def test_whitespace_after_the_front_matter_is_fine(tmp_path):
    path = _write(tmp_path, "spaced")
    path.write_text(path.read_text(encoding="utf-8") + "\n   \n", encoding="utf-8")
    assert "spaced" in load_replies(tmp_path)


def test_every_problem_in_every_file_is_reported_at_once(tmp_path):
    first = _write(tmp_path, "first", title=DROP, categories=["no_such_category"])
    second = _write(tmp_path, "second", en="{agnet}")
    _write(tmp_path, "fine")
    problems = _problems(tmp_path)
    assert len(problems) == 3
    assert sum(p.startswith(str(first)) for p in problems) == 2
    assert sum(p.startswith(str(second)) for p in problems) == 1
    assert str(first) in str(ReplyTemplateError(problems)) and str(second) in str(ReplyTemplateError(problems))


def test_absent_replies_folder_gives_no_templates(tmp_path):
    assert load_replies(tmp_path) == {}


def test_templates_come_back_sorted_by_id(tmp_path):
    for name in ("zeta", "alpha", "mid-1"):
        _write(tmp_path, name)
    assert list(load_replies(tmp_path)) == ["alpha", "mid-1", "zeta"]


def test_loaded_template_keeps_the_front_matter_values(tmp_path):
    _write(tmp_path, "done", action="resolve", outcome="explained", categories=["refund", "payment"],
           zh="已处理。\n", en="Resolved.\n")
    template = load_replies(tmp_path)["done"]
    assert template == ReplyTemplate(id="done", title="示例回复", title_en="Sample reply",
                                     categories=("refund", "payment"), action="resolve", outcome="explained",
                                     zh="已处理。", en="Resolved.")


# --- rendering ---------------------------------------------------------------------------------------------

ALL_PLACEHOLDERS = ReplyTemplate(
    id="all", title="全部", title_en="All", categories=("*",), action="reply", outcome=None,
    zh="编号 {reference}｜类型 {category}｜日期 {due_date}｜金额 {amount} 元｜客服 {agent}",
    en="Ref {reference} | category {category} | due {due_date} | {amount} yuan | agent {agent}")
FULL_CONTEXT = {"reference": "TS-7K3M-9QXA-4HRT-C2V", "category": "card_code_invalid",
                "due_date": dt.date(2026, 11, 20), "amount": Decimal("128"), "agent": "小林"}
MARKERS = {"reference": ("【请填写：投诉编号】", "[fill in: complaint reference]"),
           "category": ("【请填写：投诉类型】", "[fill in: complaint category]"),
           "due_date": ("【请填写：答复日期】", "[fill in: due date]"),
           "amount": ("【请填写：金额】", "[fill in: amount]"),
           "agent": ("【请填写：客服姓名】", "[fill in: agent name]")}


@pytest.mark.parametrize(("language", "expected"), [
    ("zh", "编号 TS-7K3M-9QXA-4HRT-C2V｜类型 卡密无效 / 用不了｜日期 2026年11月20日｜金额 128.00 元｜客服 小林"),
    ("en", "Ref TS-7K3M-9QXA-4HRT-C2V | category Card code invalid | due 20 November 2026 | 128.00 yuan | agent 小林"),
])
def test_render_fills_every_placeholder(language, expected):
    assert ALL_PLACEHOLDERS.render(language, FULL_CONTEXT) == expected


def test_markers_cover_every_placeholder():
    assert set(MARKERS) == set(PLACEHOLDERS)


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
@pytest.mark.parametrize("missing", ["absent", None, "  "])
def test_missing_value_renders_a_marker_in_both_languages(placeholder, missing):
    context = {name: value for name, value in FULL_CONTEXT.items() if name != placeholder}
    if missing != "absent":
        context[placeholder] = missing
    zh_marker, en_marker = MARKERS[placeholder]
    zh, en = ALL_PLACEHOLDERS.render("zh", context), ALL_PLACEHOLDERS.render("en", context)
    assert zh_marker in zh and find_markers(zh) == [zh_marker]
    assert en_marker in en and find_markers(en) == [en_marker]


def test_unknown_language_falls_back_to_chinese():
    assert ALL_PLACEHOLDERS.render("fr", FULL_CONTEXT) == ALL_PLACEHOLDERS.render("zh", FULL_CONTEXT)


def test_values_are_inserted_literally():
    rendered = ALL_PLACEHOLDERS.render("en", {**FULL_CONTEXT, "agent": "{amount} {0.__class__}"})
    assert rendered.endswith("agent {amount} {0.__class__}")


def test_category_text_and_datetimes_are_shown_as_given_or_formatted():
    context = {**FULL_CONTEXT, "category": "自定义类型", "due_date": dt.datetime(2026, 11, 20, 18, 0)}
    assert "类型 自定义类型｜日期 2026年11月20日 18:00" in ALL_PLACEHOLDERS.render("zh", context)
    assert "due 20 November 2026 18:00" in ALL_PLACEHOLDERS.render("en", context)


def test_category_name_stays_chinese_in_a_zh_body_under_an_english_console(app):
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert str(CATEGORIES["card_code_invalid"].name) != "卡密无效 / 用不了"  # the console is in English
        assert "类型 卡密无效 / 用不了" in ALL_PLACEHOLDERS.render("zh", FULL_CONTEXT)
        assert "category Card code invalid" in ALL_PLACEHOLDERS.render("en", FULL_CONTEXT)


@pytest.mark.parametrize("template", SHIPPED.values(), ids=list(SHIPPED))
def test_every_shipped_template_renders_fully_from_a_complete_case(template):
    for language, body in (("zh", template.zh), ("en", template.en)):
        rendered = template.render(language, FULL_CONTEXT)
        assert "{" not in rendered and "}" not in rendered
        # Only the template's own fill-ins (a reason, a time) are left for the agent.
        assert find_markers(rendered) == find_markers(body)


def test_applies_to_and_title_for():
    specific = ReplyTemplate("a", "中文标题", "English title", ("refund",), "reply", None, "中", "en")
    assert specific.applies_to("refund") and not specific.applies_to("payment")
    assert ALL_PLACEHOLDERS.applies_to("payment")
    assert specific.title_for("en") == "English title"
    assert specific.title_for("zh") == specific.title_for("de") == "中文标题"


# --- lookup and caching ------------------------------------------------------------------------------------

@pytest.fixture
def picker_content(tmp_path):
    _write(tmp_path, "a-every", categories=["*"])
    _write(tmp_path, "b-refund", categories=["refund"])
    _write(tmp_path, "c-refund-resolve", categories=["refund", "payment"], action="resolve", outcome="full_refund")
    _write(tmp_path, "d-payment", categories=["payment"], action="request_info")
    _write(tmp_path, "e-every-resolve", categories=["*"], action="resolve", outcome="explained")
    return tmp_path


def _ids(templates):
    return [t.id for t in templates]


@pytest.mark.parametrize(("category", "action", "expected"), [
    ("refund", None, ["b-refund", "c-refund-resolve", "a-every", "e-every-resolve"]),
    ("refund", "resolve", ["c-refund-resolve", "e-every-resolve"]),
    ("payment", None, ["c-refund-resolve", "d-payment", "a-every", "e-every-resolve"]),
    ("payment", "request_info", ["d-payment"]),
    ("other", None, ["a-every", "e-every-resolve"]),
    ("other", "reject", []),
])
def test_templates_for_puts_category_specific_ones_first_then_filters_by_action(picker_content, category, action,
                                                                                 expected):
    assert _ids(templates_for(category, picker_content, action=action)) == expected


def test_templates_for_rejects_an_unknown_action(picker_content):
    with pytest.raises(ValueError, match="unknown action 'close'"):
        templates_for("refund", picker_content, action="close")


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_shipped_picker_lists_specific_templates_before_general_ones(category):
    found = templates_for(category, CONTENT)
    general = ["*" in t.categories for t in found]
    assert general == sorted(general) and all(t.applies_to(category) for t in found)
    assert _ids(found) == [t.id for t in SHIPPED.values() if category in t.categories] + [
        t.id for t in SHIPPED.values() if "*" in t.categories]


def test_cached_replies_reuses_the_loaded_templates_between_checks(tmp_path, monkeypatch):
    monkeypatch.setattr(kb_content, "RECHECK_SECONDS", 3600)
    path = _write(tmp_path, "cached")
    first = cached_replies(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("示例回复", "改过的标题"), encoding="utf-8")
    assert cached_replies(tmp_path) is first


def test_cached_replies_reloads_after_a_template_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(kb_content, "RECHECK_SECONDS", 0)
    path = _write(tmp_path, "cached")
    assert cached_replies(tmp_path)["cached"].title == "示例回复"
    path.write_text(path.read_text(encoding="utf-8").replace("示例回复", "改过的标题"), encoding="utf-8")
    assert cached_replies(tmp_path)["cached"].title == "改过的标题"
    _write(tmp_path, "added")
    assert list(cached_replies(tmp_path)) == ["added", "cached"]


# --- flask kb check ----------------------------------------------------------------------------------------

def test_kb_check_fails_and_names_the_file_when_a_reply_template_is_broken(tmp_path, app, runner):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    _write(content, "broken-reply", zh="金额 {amount 元。")
    app.config["CONTENT_DIR"] = content
    result = runner.invoke(args=["kb", "check"])
    assert result.exit_code != 0
    assert "broken-reply.md: field 'zh' has an unbalanced brace" in result.output


def test_kb_check_counts_the_reply_templates(runner):
    result = runner.invoke(args=["kb", "check"])
    assert result.exit_code == 0, result.output
    assert f"{len(SHIPPED)} reply templates" in result.output
