"""The channel directory: validation, agreement with the published facts, pages, API and demand blending."""
import datetime as dt
import os
import shutil
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from flask import render_template

from app import counters
from app.complaints.demand import complaints_per_hour
from app.contact import demand
from app.contact.channels import ContactContentError, load_directory
from app.contact.hints import home_channel_statuses
from config import BASE_DIR

CONTENT = BASE_DIR / "content"
SHANGHAI = ZoneInfo("Asia/Shanghai")
LABELS = {"quiet", "normal", "busy", "very_busy"}


def hours(day_schedule):
    return [hour for hour, is_open in enumerate(day_schedule.open) if is_open]


def test_directory_agrees_with_the_published_contact_facts():
    directory = load_directory(CONTENT)
    hotline, chat, weibo = directory.get("hotline"), directory.get("chat"), directory.get("weibo")

    assert hotline.value == "400-618-5200" and hotline.staffed
    assert all(hours(day) == list(range(9, 21)) for day in hotline.week)
    assert hours(hotline.holiday) == list(range(10, 18))
    assert chat.staffed and all(hours(day) == list(range(8, 24)) for day in chat.week) and chat.holiday is None
    assert directory.get("email").value == "kefu@kameng.example"
    assert directory.get("complaint-email").value == "tousu@kameng.example"
    assert weibo.value == "@卡盟服务中心" and hours(weibo.week[0]) == list(range(9, 18)) and not weibo.week[5].open[10]
    assert "kameng_service" in directory.get("wechat").value
    assert directory.get("complaint-form").href == "/complaints/new"
    assert not directory.get("complaint-form").value.startswith("/"), "people read words, never a path"


def test_every_channel_that_refuses_complaints_points_to_one_that_takes_them():
    directory = load_directory(CONTENT)

    for channel in directory.channels:
        if not channel.accepts_complaints:
            assert directory.get(channel.complaints_instead).accepts_complaints


def _broken_channels(tmp_path, old, new):
    text = (CONTENT / "channels.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "channels.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("old, new, field", [
    ('mon: "09:00-21:00"', 'mon: "9-21"', r"channels\[0\] \(hotline\)\.hours\.mon"),
    ("handling_minutes: 6", "handling_minutes: 0", r"\(hotline\)\.handling_minutes"),
    ("complaints_instead: complaint-email", "complaints_instead: weibo", r"\(email\)\.complaints_instead"),
    ("[0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 12,", "[0, 0, 0, 0, 0, 0, 0, 0, 3, 9, 12,", r"roster\.mon.*hour 8 is closed"),
    ("  - id: chat", "  - id: verify", r"channels\[1\] \(verify\)\.id"),
])
def test_invalid_channels_file_names_the_file_and_field(tmp_path, old, new, field):
    content = _broken_channels(tmp_path, old, new)

    with pytest.raises(ContactContentError, match=r"channels\.yaml: .*" + field):
        load_directory(content)


def test_contact_page_lists_every_channel_with_status_and_an_accessible_heatmap(client):
    page = client.get("/contact").get_data(as_text=True)

    for text in ("400-618-5200", "kefu@kameng.example", "tousu@kameng.example", "@卡盟服务中心", "kameng_service"):
        assert text in page
    assert "服务中" in page or "休息中" in page
    assert "<caption" in page and '<th scope="col">周一</th>' in page and '<th scope="row">10:00</th>' in page
    assert "Erlang C" in page and "估计" in page
    assert "/contact/verify" in page


def test_contact_page_counts_the_visit_in_the_shanghai_hour(app, client):
    client.get("/contact")

    with app.app_context():
        buckets = counters.totals("contact_visit")
    assert buckets == {dt.datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H"): 1}


def test_staffed_channel_page_shows_its_week(client):
    page = client.get("/contact/hotline").get_data(as_text=True)

    assert "客服热线" in page and "法定节假日" in page and "10:00–18:00" in page
    assert 'class="slot-' in page and "下一个空闲时段" in page


def test_channel_without_complaints_says_where_to_go_instead(client):
    page = client.get("/contact/email").get_data(as_text=True)

    assert "不受理正式投诉" in page and "/contact/complaint-email" in page
    assert "<table" not in page


def test_unknown_channel_page_is_404(client):
    assert client.get("/contact/no-such-channel").status_code == 404


def test_api_channels_at_a_holiday_moment(client):
    response = client.get("/api/v1/channels?at=2026-10-01T10:00:00%2B08:00")

    body = response.get_json()
    assert response.status_code == 200 and body["at"] == "2026-10-01T10:00:00+08:00"
    assert body["holiday"]["is_holiday"] and body["holiday"]["name"] == "国庆节"
    channels = {c["id"]: c for c in body["channels"]}
    assert set(channels["hotline"]) == {"id", "name", "name_en", "kind", "value", "href", "open_now", "opens_at",
                                        "closes_at", "expected_wait_minutes", "label", "next_good_time"}
    hotline, email, weibo = channels["hotline"], channels["email"], channels["weibo"]
    assert hotline["open_now"] and hotline["closes_at"] == "2026-10-01T18:00:00+08:00"
    assert hotline["label"] in LABELS and hotline["expected_wait_minutes"] >= 0 and hotline["next_good_time"]
    assert email["open_now"] and email["expected_wait_minutes"] is None and email["label"] is None
    assert email["next_good_time"] is None
    assert not weibo["open_now"] and weibo["opens_at"] == "2026-10-08T09:00:00+08:00"


@pytest.mark.parametrize("query", ["at=2026-10-01T10:00:00+08:00", "at=2026-10-01%2010:00", "at=2026-10-01T02:00Z"])
def test_api_accepts_common_spellings_of_at(client, query):
    body = client.get(f"/api/v1/channels?{query}").get_json()

    assert body["at"] == "2026-10-01T10:00:00+08:00"


def test_api_defaults_to_now(client):
    body = client.get("/api/v1/channels").get_json()

    assert body["at"].endswith("+08:00") and len(body["channels"]) == 7


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T10:00:00", "2026-10-01T25:00"])
def test_api_rejects_a_malformed_at(client, value):
    response = client.get("/api/v1/channels", query_string={"at": value})

    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"]["code"] == 400


def test_api_week_grid_is_seven_by_twenty_four(client):
    body = client.get("/api/v1/channels/hotline/week").get_json()

    grid = body["grid"]
    assert len(grid) == 7 and all(len(day) == 24 for day in grid)
    monday_ten, monday_three = grid[0][10], grid[0][3]
    assert set(monday_ten) == {"weekday", "hour", "open", "agents", "expected_wait_minutes", "label"}
    assert (monday_ten["weekday"], monday_ten["hour"], monday_ten["open"]) == (1, 10, True)
    assert monday_ten["agents"] > 0 and monday_ten["label"] in LABELS
    assert not monday_three["open"] and monday_three["label"] is None
    assert grid[6][0]["weekday"] == 7


def test_api_week_of_a_channel_without_roster_has_no_estimates(client):
    grid = client.get("/api/v1/channels/email/week").get_json()["grid"]

    assert all(slot["open"] and slot["label"] is None and slot["agents"] is None for day in grid for slot in day)


def test_api_week_of_an_unknown_channel_is_404_json(client):
    response = client.get("/api/v1/channels/nope/week")

    assert response.status_code == 404 and response.get_json()["error"]["code"] == 404


def test_home_channel_statuses_feed_the_home_section(app):
    with app.test_request_context("/"):
        statuses = home_channel_statuses()
        html = render_template("main/_home_channels.html", channel_statuses=statuses)

    assert [s.channel.id for s in statuses][:2] == ["hotline", "chat"]
    assert all(s.now is None for s in statuses)
    assert "400-618-5200" in html and "/contact/hotline" in html


def test_without_observations_the_baseline_is_used_unchanged():
    baseline = Counter({(0, 10): 100, (0, 15): 50})

    model = demand.blend(baseline, Counter())

    assert model.multiplier(0, 10) == 1.0 and model.multiplier(0, 15) == 1.0 and not model.has_data


def test_observations_reshape_but_do_not_rescale_the_baseline():
    baseline = Counter({(0, 10): 100, (0, 15): 100})
    observed = Counter({(0, 15): 2000, (0, 10): 0, (0, 3): 999})  # 03:00 is closed: ignored

    model = demand.blend(baseline, observed)

    assert model.multiplier(0, 15) > 1 > model.multiplier(0, 10)
    assert model.multiplier(0, 15) <= demand.MULTIPLIER_RANGE[1]
    assert model.enough_data(0, 15) and not model.enough_data(0, 10)


def test_the_factory_feeds_complaints_per_hour_into_observed_demand(app):
    assert complaints_per_hour in app.extensions[demand.SOURCES_KEY]


def test_given_sources_and_contact_visits_feed_observed_demand(app):
    now = dt.datetime(2026, 11, 23, 15, 20, tzinfo=SHANGHAI)  # a Monday

    def complaints_filed(since, until):
        yield dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC), 3  # 15:00 in Shanghai
        yield dt.datetime(2026, 1, 1, 10, 0, tzinfo=SHANGHAI), 50  # outside the window

    demand.init_app(app, sources=[complaints_filed])
    with app.app_context():
        demand.record_contact_visit(now)
        demand.record_contact_visit(now - dt.timedelta(weeks=9))  # older than the window
        observed = demand.observed_by_slot(now + dt.timedelta(hours=1), weeks=4)

    assert observed == Counter({(0, 15): 4})


def test_changed_channels_file_is_reloaded(tmp_path):
    path = tmp_path / "channels.yaml"
    shutil.copy(CONTENT / "channels.yaml", path)
    os.utime(path, ns=(1, 1))
    assert load_directory(tmp_path).get("hotline").purpose.startswith("紧急情况")

    path.write_text(path.read_text(encoding="utf-8").replace("purpose: 紧急情况", "purpose: 急事"), encoding="utf-8")
    os.utime(path, ns=(2, 2))

    assert load_directory(tmp_path).get("hotline").purpose.startswith("急事")


RAW_PATH = r"(?<![\w.:/])/(complaints|track|contact|transparency|help|search)\b"


def _visible(page):
    import html
    import re
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)))


def _now(monkeypatch, text):
    moment = dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
    monkeypatch.setattr("app.contact.views.portal_now", lambda timezone: moment)


def test_home_and_contact_pages_name_channels_in_words_never_a_path(client):
    import re
    urls = ["/", "/contact"] + [f"/contact/{c.id}" for c in load_directory(CONTENT).channels]
    shown = {url: re.findall(RAW_PATH, _visible(client.get(url).get_data(as_text=True))) for url in urls}
    assert {url: found for url, found in shown.items() if found} == {}
    assert '<a href="/complaints/new">在本站填写投诉表</a>' in client.get("/").get_data(as_text=True)


def test_wait_estimates_read_as_plain_chinese_with_the_method_in_a_details_box(client, monkeypatch):
    _now(monkeypatch, "2026-11-24T10:30")  # a Tuesday morning: the hotline and chat are open
    for url in ("/contact", "/contact/hotline"):
        page = client.get(url).get_data(as_text=True)
        assert "来访" not in page and "，约" in page and "的来电 20 秒内接通" in page and "（估计值）" in page
        for jargon in ("Erlang C", "排班计划的基线"):
            where = page.index(jargon)
            assert page.rfind("<details", 0, where) > page.rfind("</details>", 0, where), (url, jargon)
        assert "<summary>怎么估算的</summary>" in page
    assert "的咨询 20 秒内有人接入" in client.get("/contact/chat").get_data(as_text=True)


def test_a_channel_closing_at_midnight_ends_today_at_24(client, monkeypatch):
    _now(monkeypatch, "2026-11-24T22:30")  # online chat is open until 24:00
    page = client.get("/contact/chat").get_data(as_text=True)
    assert "今天 24:00 结束" in page and "明天 00:00 结束" not in page


def test_each_staffed_channel_gets_one_plain_best_time_line(client):
    page = client.get("/contact").get_data(as_text=True)
    assert "最好打的时段：工作日 09:00–10:00、14:00–19:00；周末 09:00–11:00、12:00–19:00" in page
    assert 'data-testid="best-times-chat">最快有人接入的时段：工作日' in page
    english = client.get("/contact/hotline", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Best times to call: weekdays 09:00–10:00, 14:00–19:00; weekends 09:00–11:00, 12:00–19:00" in english


def test_a_handful_of_observations_leaves_the_baseline_exactly_as_the_page_says():
    baseline = Counter({(0, 10): 100, (0, 15): 50})

    model = demand.blend(baseline, Counter({(0, 10): 4, (0, 15): 3}))  # every slot below MIN_SLOT_OBSERVATIONS

    assert model.multiplier(0, 10) == 1.0 and model.multiplier(0, 15) == 1.0 and not model.has_data


def test_the_grid_says_it_rests_on_the_baseline_only_while_it_does(client, app):
    assert "目前本站观测数据还不够" in client.get("/contact/hotline").get_data(as_text=True)
    now = dt.datetime.now(SHANGHAI)
    with app.app_context():
        for _ in range(demand.MIN_SLOT_OBSERVATIONS):
            demand.record_contact_visit(now.replace(hour=10) - dt.timedelta(days=7))
    app.extensions.pop("contact_demand", None)
    page = client.get("/contact/hotline").get_data(as_text=True)
    assert "目前本站观测数据还不够" not in page and "标 * 的时段本站观测还很少" in page
