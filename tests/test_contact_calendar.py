"""Holidays, 调休 working days, the fallback for unknown years and the Asia/Shanghai clock."""
import datetime as dt
import shutil
import time
from zoneinfo import ZoneInfo

import pytest

from app.contact import calendar as contact_calendar
from app.contact.calendar import load_calendar, portal_now, portal_time
from app.contact.channels import ContactContentError, load_directory
from app.contact.hints import Estimator
from config import BASE_DIR

CONTENT = BASE_DIR / "content"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def estimator():
    return Estimator(load_directory(CONTENT), load_calendar(CONTENT))


def test_national_day_is_a_public_holiday():
    day = load_calendar(CONTENT).day(dt.date(2026, 10, 1))

    assert day.is_holiday and day.name == "国庆节" and day.confirmed


@pytest.mark.parametrize("date", [dt.date(2026, 2, 14), dt.date(2026, 10, 10)])
def test_adjusted_saturdays_are_working_days(date):
    day = load_calendar(CONTENT).day(date)

    assert date.weekday() == 5
    assert day.kind == "adjusted_workday" and not day.is_holiday


def test_channel_closed_on_holidays_opens_after_the_spring_festival(estimator):
    weibo = estimator.directory.get("weibo")

    status = estimator.status(weibo, at("2026-02-15T10:00:00"))

    assert not status.open_now
    assert status.opens_at == at("2026-02-24T09:00:00")


def test_working_days_only_channel_is_open_on_an_adjusted_saturday(estimator):
    status = estimator.status(estimator.directory.get("wechat"), at("2026-02-14T10:00:00"))

    assert status.open_now and status.closes_at == at("2026-02-14T18:00:00")


def test_hotline_keeps_holiday_hours_on_national_day(estimator):
    hotline = estimator.directory.get("hotline")

    before = estimator.status(hotline, at("2026-10-01T09:30:00"))
    during = estimator.status(hotline, at("2026-10-01T10:00:00"))

    assert not before.open_now and before.opens_at == at("2026-10-01T10:00:00")
    assert during.open_now and during.closes_at == at("2026-10-01T18:00:00")
    assert during.now.label in {"quiet", "normal", "busy", "very_busy"}


def test_next_good_time_is_an_open_quiet_hour(estimator):
    hotline = estimator.directory.get("hotline")

    status = estimator.status(hotline, at("2026-11-23T10:15:00"))  # a Monday, in the morning peak

    good = estimator.slot(hotline, status.next_good_time)
    assert status.next_good_time > status.at
    assert good.open and good.label == "quiet"


def test_year_unknown_to_the_library_falls_back_to_weekdays_and_fixed_dates():
    calendar = load_calendar(CONTENT)

    new_year, ordinary, saturday = (calendar.day(dt.date(2027, 1, 1)), calendar.day(dt.date(2027, 3, 10)),
                                    calendar.day(dt.date(2027, 3, 13)))

    assert new_year.is_holiday and new_year.name == "元旦" and not new_year.confirmed
    assert ordinary.kind == "workday" and not ordinary.confirmed
    assert saturday.kind == "weekend"


def test_fallback_year_is_reported_as_unconfirmed(estimator):
    assert estimator.schedule_confirmed(at("2026-11-23T10:00:00"))
    assert not estimator.schedule_confirmed(at("2026-12-28T10:00:00"))
    assert not estimator.schedule_confirmed(at("2027-03-10T10:00:00"))


def test_contact_page_shows_the_pending_schedule_notice_near_2027(client, monkeypatch):
    monkeypatch.setattr("app.contact.views.portal_now", lambda timezone: at("2027-03-10T10:00:00"))

    page = client.get("/contact").get_data(as_text=True)

    assert "节假日安排待官方公布" in page


def test_api_answers_a_2027_date_with_the_fallback(client):
    body = client.get("/api/v1/channels?at=2027-10-01T10:00:00%2B08:00").get_json()

    assert body["holiday"] == {"is_holiday": True, "name": "国庆节", "confirmed": False}
    hotline = next(c for c in body["channels"] if c["id"] == "hotline")
    assert hotline["open_now"] and hotline["closes_at"] == "2027-10-01T18:00:00+08:00"


def _content_with_holidays(tmp_path, text):
    shutil.copy(CONTENT / "channels.yaml", tmp_path / "channels.yaml")
    (tmp_path / "holidays.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_holidays_file_completes_an_unknown_year(tmp_path):
    content = _content_with_holidays(tmp_path, """
years:
  2027:
    source: test notice
    complete: true
    days:
      - {date: 2027-02-06, day_off: false, name: 春节调休上班}
      - {date: 2027-02-08, day_off: true, name: 春节, name_en: Spring Festival}
""")
    calendar = load_calendar(content)

    assert calendar.day(dt.date(2027, 2, 6)).kind == "adjusted_workday"
    assert calendar.day(dt.date(2027, 2, 8)).is_holiday
    assert calendar.day(dt.date(2027, 3, 10)).confirmed


def test_holidays_file_overrides_the_library(tmp_path):
    content = _content_with_holidays(tmp_path, """
years:
  2026:
    days:
      - {date: 2026-11-24, day_off: true, name: 临时休假}
""")

    assert load_calendar(content).day(dt.date(2026, 11, 24)).name == "临时休假"


def test_invalid_holidays_file_names_the_file_and_field(tmp_path):
    content = _content_with_holidays(tmp_path, """
years:
  2027:
    days:
      - {date: 2028-01-01, day_off: true, name: 元旦}
""")

    with pytest.raises(ContactContentError, match=r"holidays\.yaml: years\.2027\.days\[0\]\.date"):
        load_calendar(content)


@pytest.fixture
def utc_server(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_server_in_utc_still_answers_in_shanghai_time(utc_server, client):
    assert time.localtime().tm_gmtoff == 0
    assert portal_now("Asia/Shanghai").utcoffset() == dt.timedelta(hours=8)
    late_utc = dt.datetime(2026, 9, 30, 18, 30, tzinfo=dt.timezone.utc)
    assert portal_time(late_utc, "Asia/Shanghai") == at("2026-10-01T02:30:00")

    body = client.get("/api/v1/channels?at=2026-09-30T18:30:00Z").get_json()

    assert body["at"] == "2026-10-01T02:30:00+08:00"
    assert body["holiday"]["is_holiday"] and body["holiday"]["name"] == "国庆节"


def test_naive_times_are_taken_as_shanghai_local_time():
    assert portal_time(dt.datetime(2026, 10, 1, 10), "Asia/Shanghai") == at("2026-10-01T10:00:00")
    assert contact_calendar.FIXED_DATE_HOLIDAYS[(10, 1)][0] == "国庆节"
