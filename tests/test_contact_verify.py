"""The "is this really customer service?" check: normalising formats, fakes, the page and the API."""
import pytest

from app.contact.channels import ContactContentError, load_directory
from app.contact.verify import load_known_fakes, normalize, verify
from config import BASE_DIR

CONTENT = BASE_DIR / "content"


def check(value):
    return verify(value, load_directory(CONTENT), load_known_fakes(CONTENT))


@pytest.mark.parametrize("value, channel", [
    ("400-618-5200", "hotline"),
    ("400 618 5200", "hotline"),
    ("+86 400 618 5200", "hotline"),
    ("0086-400-618-5200", "hotline"),
    ("(400) 618-5200", "hotline"),
    ("４００－６１８－５２００", "hotline"),
    ("tel:4006185200", "hotline"),
    ("KEFU@KAMENG.EXAMPLE", "email"),
    (" tousu@kameng.example ", "complaint-email"),
    ("ｋａｍｅｎｇ＿ｓｅｒｖｉｃｅ", "wechat"),
    ("@卡盟服务中心", "weibo"),
    ("noreply@kameng.example", "complaint-form"),
])
def test_official_values_are_recognised_whatever_the_format(value, channel):
    verdict = check(value)

    assert verdict.official and verdict.channel.id == channel


def test_a_url_on_the_official_domain_is_official_without_a_channel():
    verdict = check("https://www.kameng.example/help")

    assert verdict.official and verdict.channel is None


@pytest.mark.parametrize("value", ["400-618-5201", "12345678", "kefu@kameng.example.cn", "kameng_kefu01",
                                   "https://kameng.example.refund-cn.example/pay"])
def test_unofficial_values_are_not_official(value):
    verdict = check(value)

    assert not verdict.official and verdict.channel is None and verdict.known_fake is None


def test_lookalike_names_are_flagged():
    assert check("https://kameng.example.refund-cn.example/pay").lookalike
    assert check("卡盟官方客服").lookalike
    assert not check("12345678").lookalike


@pytest.mark.parametrize("value", ["https://kameng-tuikuan.example/refund", "http://www.kameng-tuikuan.example/x?id=1",
                                   "KEFU@kameng-service.example"])
def test_known_fakes_are_recognised(value):
    verdict = check(value)

    assert not verdict.official and verdict.known_fake is not None


@pytest.mark.parametrize("value, expected", [
    ("+86 138 0013 8000", ("number", "13800138000")),
    ("86-400-618-5200", ("number", "4006185200")),
    ("www.Example.com/path", ("url", "example.com")),
    ("Kefu @ Kameng.example", ("email", "kefu@kameng.example")),
    ("@Some Name", ("account", "somename")),
])
def test_normalize(value, expected):
    assert normalize(value) == expected


def test_invalid_known_fakes_file_names_the_file_and_field(tmp_path):
    (tmp_path / "known_fakes.yaml").write_text("fakes:\n  - {value: 123, kind: fax, reported: 2026-11-01, "
                                               "note: x, note_en: x}\n", encoding="utf-8")

    with pytest.raises(ContactContentError, match=r"known_fakes\.yaml: fakes\[0\]\.kind"):
        load_known_fakes(tmp_path)


def test_verify_page_confirms_an_official_number_and_keeps_what_was_typed(client):
    page = client.get("/contact/verify", query_string={"value": "+86 400 618 5200"}).get_data(as_text=True)

    assert "是官方渠道" in page and "客服热线" in page
    assert 'value="+86 400 618 5200"' in page


def test_verify_page_warns_about_an_unknown_number(client):
    page = client.get("/contact/verify", query_string={"value": "010-1234 5678"}).get_data(as_text=True)

    assert "不是官方渠道" in page and "屏幕共享" in page and "/help/faq/fake-customer-service" in page
    assert "已确认的假客服" not in page


def test_verify_page_warns_strongly_about_a_known_fake(client):
    page = client.get("/contact/verify", query_string={"value": "https://kameng-tuikuan.example/refund"})

    text = page.get_data(as_text=True)
    assert "已确认的假客服" in text and "2026-11-02" in text and "96110" in text


def test_verify_page_without_a_value_shows_only_the_form(client):
    page = client.get("/contact/verify").get_data(as_text=True)

    assert '<form method="get"' in page and 'class="error"' not in page and "verdict-heading" not in page


@pytest.mark.parametrize("value, message", [("   ", "请输入要核对的号码"), ("1" * 201, "最多 200 个字符")])
def test_verify_page_explains_an_empty_or_overlong_value_next_to_the_field(client, value, message):
    page = client.get("/contact/verify", query_string={"value": value}).get_data(as_text=True)

    assert 'id="value-error"' in page and message in page and "verdict-heading" not in page


def test_api_verify_official_and_fake(client):
    official = client.get("/api/v1/channels/verify", query_string={"value": "４００ ６１８ ５２００"}).get_json()
    fake = client.get("/api/v1/channels/verify", query_string={"value": "kefu@kameng-service.example"}).get_json()

    assert (official["official"], official["channel"], official["warning"]) == (True, "hotline", None)
    assert fake["official"] is False and fake["channel"] is None and fake["known_fake"] is True
    assert "冒充客服" in fake["warning"]


@pytest.mark.parametrize("query", [{}, {"value": ""}, {"value": "x" * 201}])
def test_api_verify_rejects_missing_or_overlong_values(client, query):
    response = client.get("/api/v1/channels/verify", query_string=query)

    assert response.status_code == 400 and "value" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("pasted, channel", [("400-618-5200 转 1", "hotline"), ("电话：400 618 5200", "hotline"),
                                             ("微信 kameng_service", "wechat"), ("微信号：kameng_service", "wechat")])
def test_labels_and_extensions_people_paste_are_ignored(client, pasted, channel):
    data = client.get("/api/v1/channels/verify", query_string={"value": pasted}).get_json()
    assert data["official"] is True and data["channel"] == channel
