"""Input normalisation for real-world formats, and clear localised errors."""
import datetime as dt

import pytest

from app.complaints import validation

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000",
                                 "+8613800138000", "0086-138-0013-8000", "１３８００１３８０００", "(+86) 138.0013.8000"])
def test_mainland_mobile_numbers_in_any_common_format(raw):
    assert validation.clean_phone(raw) == "13800138000"


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "010-12345678", "abc", "+1 415 555 0100"])
def test_invalid_phone_numbers_are_refused(raw, app_context):
    with pytest.raises(ValueError, match="手机号"):
        validation.clean_phone(raw)


@pytest.mark.parametrize("raw, expected", [
    ("KM202611201234567890", "KM202611201234567890"), ("km 2026 1120 1234 5678 90", "KM202611201234567890"),
    ("ＫＭ２０２６１１２０１２３４５６７８９０", "KM202611201234567890"), ("KM-2026-1120-1234-5678-90", "KM202611201234567890"),
])
def test_order_numbers_are_normalised(raw, expected):
    assert validation.clean_order_number(raw) == expected


@pytest.mark.parametrize("raw", ["KM123", "202611201234567890", "KM20261120123456789X"])
def test_bad_order_numbers_say_where_to_find_them(raw, app_context):
    with pytest.raises(ValueError, match="我的订单"):
        validation.clean_order_number(raw)


@pytest.mark.parametrize("raw, cents", [("100", 10000), ("99.5", 9950), ("¥1,299.00", 129900), ("50元", 5000),
                                        ("１００", 10000)])
def test_amounts_in_yuan_become_cents(raw, cents):
    assert validation.clean_amount(raw) == cents


@pytest.mark.parametrize("raw", ["0", "-5", "1.234", "abc", "2000000"])
def test_bad_amounts_are_refused(raw, app_context):
    with pytest.raises(ValueError):
        validation.clean_amount(raw)


@pytest.mark.parametrize("raw", ["2026-11-20T14:30", "2026-11-20 14:30", "2026/11/20 14:30", "2026年11月20日 14:30"])
def test_purchase_times_in_common_formats(raw, app_context):
    assert validation.clean_datetime(raw, NOW) == "2026-11-20T14:30"


def test_future_purchase_time_is_refused(app_context):
    with pytest.raises(ValueError, match="不能晚于"):
        validation.clean_datetime("2027-01-01 10:00", NOW)


@pytest.mark.parametrize("raw", ["user@example.com", " User@Example.COM ", "张三@例子.中国"])
def test_emails_are_accepted_and_normalised(raw):
    assert "@" in validation.clean_email(raw)


def test_contact_needs_at_least_one_way_to_reach_the_user(app_context):
    _, errors = validation.clean_contact("", "", "email")
    assert "contact_email" in errors


def test_sms_notifications_need_a_phone(app_context):
    _, errors = validation.clean_contact("a@example.com", "", "sms")
    assert "notify_via" in errors


def test_short_descriptions_ask_for_what_happened(app_context):
    with pytest.raises(ValueError, match="发生了什么"):
        validation.clean_description("不行")


def test_required_details_per_category(app_context):
    clean, errors = validation.clean_details("topup_not_arrived", {"order_number": "KM202611201234567890"}, NOW)
    assert clean == {"order_number": "KM202611201234567890"}
    assert set(errors) == {"purchase_time", "topup_account"}


def test_a_channel_the_deployment_cannot_deliver_is_refused(app_context):
    app_context.config["NOTIFY_CHANNELS"] = ("email",)
    _, errors = validation.clean_contact("a@example.com", "13800138000", "sms")
    assert str(errors["notify_via"]) == "暂时不能通过短信通知你，请改用邮件。"
    assert validation.clean_contact("a@example.com", "13800138000", "email")[1] == {}


@pytest.mark.parametrize("backend, wanted, offered", [
    ("smtp", None, ("email",)), ("file", None, ("email", "sms")), ("console", ("email",), ("email",)),
])
def test_notify_channels_follow_what_the_mail_backend_delivers(backend, wanted, offered):
    from config import notify_channels
    assert notify_channels(backend, wanted) == offered


def test_sms_over_smtp_is_a_configuration_error():
    from config import notify_channels
    with pytest.raises(RuntimeError, match="delivers only"):
        notify_channels("smtp", ("email", "sms"))


def test_an_smtp_deployment_offers_email_only(tmp_path):
    from app import create_app
    app = create_app("testing", MAIL_BACKEND="smtp", DATA_DIR=tmp_path, SEARCH_AUTO_REINDEX=False)
    assert app.config["NOTIFY_CHANNELS"] == ("email",)
