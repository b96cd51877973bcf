"""The personal-data scrubber (app/transparency/privacy/) over a corpus of real-style complaint text, and its CLI."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.transparency import privacy
from app.transparency.privacy import PLACEHOLDERS, TYPES, Finding, find, scrub

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "pii_corpus.yaml").read_text(encoding="utf-8"))
PII, CLEAN = CORPUS["pii"], CORPUS["clean"]


def _id(text):
    return text[:24]


def test_the_corpus_is_large_and_covers_every_kind():
    assert len(PII) >= 100 and len(CLEAN) >= 30
    expected = "".join(case["scrubbed"] for case in PII)
    for kind, placeholder in PLACEHOLDERS.items():
        assert expected.count(placeholder) >= 5, f"fewer than 5 corpus sentences for {kind}"


@pytest.mark.parametrize("case", PII, ids=[_id(case["text"]) for case in PII])
def test_personal_data_is_replaced_and_nothing_else_changes(case):
    assert scrub(case["text"]).text == case["scrubbed"]


@pytest.mark.parametrize("text", CLEAN, ids=[_id(text) for text in CLEAN])
def test_text_without_personal_data_comes_out_unchanged(text):
    assert find(text) == []
    assert scrub(text).text == text


@pytest.mark.parametrize("case", PII, ids=[_id(case["text"]) for case in PII])
def test_scrubbed_text_passes_the_publish_check(case):
    """Placeholders are not personal data themselves, so a scrubbed summary can be published."""
    scrubbed = scrub(case["text"]).text
    assert find(scrubbed) == []
    assert scrub(scrubbed).text == scrubbed


@pytest.mark.parametrize("case", PII, ids=[_id(case["text"]) for case in PII])
def test_findings_index_the_original_text_in_order(case):
    text, found = case["text"], find(case["text"])
    assert found and all(f.type in TYPES for f in found)
    assert all(0 <= f.start < f.end <= len(text) for f in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    rebuilt, position = [], 0
    for f in found:
        rebuilt += [text[position:f.start], PLACEHOLDERS[f.type]]
        position = f.end
    assert "".join(rebuilt + [text[position:]]) == case["scrubbed"]


# --- Mapping back to the original characters --------------------------------------------------------------------

def test_a_full_width_number_is_found_at_its_own_characters():
    text = "电话１３９１２３４５６７８，谢谢"
    [finding] = find(text)
    assert finding == Finding("phone", 2, 13)
    assert text[finding.start:finding.end] == "１３９１２３４５６７８"


def test_zero_width_characters_inside_a_number_go_with_it_and_the_others_stay():
    text = "QQ：1234\u200b5678\u200d 加我\u200b"
    result = scrub(text)
    assert result.text == "QQ：[QQ]\u200d 加我\u200b"
    assert text[result.found[0].start:result.found[0].end] == "1234\u200b5678"


def test_chinese_numerals_are_found_at_their_own_characters():
    text = "手机：一三九 幺二三四 五六七八。"
    [finding] = find(text)
    assert text[finding.start:finding.end] == "一三九 幺二三四 五六七八"


def test_the_rest_of_the_text_keeps_its_original_characters():
    """Detection reads a simplified, half-width shadow copy; the output keeps traditional and full-width text."""
    result = scrub("我的電話：１３９１２３４５６７８（週末也可以打），帳號ｗａｎｇ＿２０２６")
    assert result.text == "我的電話：[手机号]（週末也可以打），帳號[账号]"


def test_characters_that_expand_under_nfkc_do_not_shift_offsets():
    text = "Ⅻ月的ﬁfa点卡，客服⑩次没接，电话 13912345678"
    [finding] = find(text)
    assert text[finding.start:finding.end] == "13912345678"


def test_symbols_put_inside_a_number_or_a_label_do_not_hide_it():
    assert scrub("加威❤信 pianzi_01，电话 139★1234★5678").text == "加威❤信 [微信]，电话 [手机号]"


# --- The complaint's own values ---------------------------------------------------------------------------------

def test_a_known_value_is_found_in_any_spacing_and_width():
    known = ["KM202611201530000001", "13912345678"]
    text = "单号 ｋｍ 2026 1120 1530 0000 01，机主手机 139-1234-5678"
    assert scrub(text, known=known).text == "单号 [订单号]，机主手机 [手机号]"


def test_a_known_value_is_found_even_where_no_rule_would_see_it():
    assert scrub("游戏里叫 DragonSlayer 的就是我", known=["dragonslayer"]).text == "游戏里叫 [账号] 的就是我"


def test_a_known_value_can_carry_its_type():
    assert scrub("张伟说卡密不对", known=[("name", "张伟")]).text == "[姓名]说卡密不对"


def test_a_known_e_mail_matches_whatever_its_case():
    assert scrub("请回复 Zhang.San@Example.COM", known=["zhang.san@example.com"]).text == "请回复 [邮箱]"


def test_a_known_value_is_not_matched_inside_a_longer_code():
    assert scrub("卡号后几位 A123456789B", known=["12345678"]).text == "卡号后几位 A123456789B"


def test_a_very_short_known_value_is_ignored():
    assert scrub("充了 12 个月会员", known=["12"]).text == "充了 12 个月会员"


def test_a_known_value_of_an_unknown_type_is_refused():
    with pytest.raises(ValueError, match="unknown personal-data type"):
        find("随便", known=[("shoe_size", "42")])


# --- Rules the issue spells out -----------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["110105199003071234", "110105199003071239"])
def test_an_id_number_with_a_valid_birth_date_goes_whatever_its_check_digit(number):
    assert scrub(f"身份证 {number}").text == "身份证 [身份证号]"


def test_an_id_label_removes_even_an_impossible_birth_date():
    assert scrub("身份证号 440106199013321234").text == "身份证号 [身份证号]"


@pytest.mark.parametrize("card", ["6222021234567890128", "6222 0212 3456 7891", "4392 2500 1234 5679"])
def test_bank_cards_go_by_luhn_or_by_groups_of_four(card):
    assert scrub(f"扣款卡 {card} 被冻结").text == "扣款卡 [银行卡号] 被冻结"


@pytest.mark.parametrize("text", ["客服热线 400-618-5200", "热线 400 618 5200 转 2", "支付宝 95188", "打 10086",
                                  "微信号 kameng_service", "邮件 kefu@kameng.example", "tousu@kameng.example"])
def test_our_own_channels_and_service_numbers_stay(text):
    assert scrub(text).text == text


@pytest.mark.parametrize("text", ["299元", "¥65.5", "1,200 块", "648 元", "2026-11-20", "11月20日", "20:15",
                                  "2026年11月20日 20:15:30", "3 天 12 小时", "充值了 100 元话费"])
def test_amounts_dates_and_durations_stay(text):
    assert scrub(text).text == text


def test_an_amount_next_to_a_number_stays_while_the_number_goes():
    assert scrub("QQ 12345678 充了 13800 元").text == "QQ [QQ] 充了 13800 元"


def test_a_city_stays_while_the_street_address_goes():
    assert scrub("寄到广州市天河区体育西路 103 号").text == "寄到广州市[地址]"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ["1" * 50000 + "a", "1-" * 30000, "a." * 30000 + "@", "幸福小区" * 10000,
                                  "卡密 AB12 " * 10000, ":" * 30000 + "1"])
def test_hostile_input_is_scrubbed_in_linear_time(text):
    scrub(text)


def test_the_tagger_is_loaded_only_when_chinese_text_needs_it():
    code = ("import sys; from app.transparency import privacy; "
            "privacy.find('call 13912345678'); print('jieba.posseg' in sys.modules); "
            "privacy.find('卖家王小明不发货'); print('jieba.posseg' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parent.parent)
    assert result.stdout.split() == ["False", "True"]


# --- The CLI ------------------------------------------------------------------------------------------------------

def test_cli_scrubs_a_file(runner, tmp_path):
    source = tmp_path / "summary.txt"
    source.write_text("卖家王小明，电话13912345678\n热线 400-618-5200 没人接\n", encoding="utf-8")
    result = runner.invoke(args=["privacy", "scrub", str(source)])
    assert result.exit_code == 0, result.output
    assert result.output == "卖家[姓名]，电话[手机号]\n热线 400-618-5200 没人接\n"


def test_cli_scrubs_standard_input(runner):
    result = runner.invoke(args=["privacy", "scrub"], input="QQ 12345678")
    assert result.exit_code == 0, result.output
    assert result.output == "QQ [QQ]\n"


def test_cli_jsonl_answers_each_line_in_order(runner):
    lines = [{"text": "V信 abc_123"}, {"text": "没有个人信息，充了 100 元"},
             {"text": "订单 KM202611201530000001", "known": ["a@b.example"]},
             {"text": "邮箱 a@b.example", "known": [["email", "a@b.example"]]}]
    stdin = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n\n"
    result = runner.invoke(args=["privacy", "scrub", "--jsonl"], input=stdin)
    assert result.exit_code == 0, result.output
    assert "[微信]" in result.output  # written as UTF-8, not \u escapes
    assert [json.loads(line) for line in result.output.splitlines()] == [
        {"text": "V信 [微信]", "found": [{"type": "wechat", "start": 3, "end": 10}]},
        {"text": "没有个人信息，充了 100 元", "found": []},
        {"text": "订单 [订单号]", "found": [{"type": "order_number", "start": 3, "end": 23}]},
        {"text": "邮箱 [邮箱]", "found": [{"type": "email", "start": 3, "end": 14}]},
    ]


@pytest.mark.parametrize("line, message", [("not json", "line 1: not JSON"),
                                           ('{"body": "x"}', 'line 1: expected an object with a "text" string'),
                                           ('{"text": "x", "known": "a"}', 'line 1: "known" must be a list'),
                                           ('{"text": "x", "known": [["shoe", "42"]]}', "line 1: a \"known\" type")])
def test_cli_jsonl_names_the_line_it_cannot_read(runner, line, message):
    result = runner.invoke(args=["privacy", "scrub", "--jsonl"], input=line + "\n")
    assert result.exit_code != 0
    assert message in result.output


def test_load_warms_the_models_once():
    privacy.load()
    assert privacy.models.tagger() is privacy.models.tagger()
