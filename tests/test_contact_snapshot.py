"""Channel statuses, weeks and heatmaps are computed once per hour, demand blend and holiday calendar."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app.contact import hints
from app.contact.calendar import load_calendar
from app.contact.channels import current_directory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def searches(monkeypatch):
    """Count the hour-by-hour status searches actually run."""
    runs = []
    search = hints.Estimator._search

    def counted(self, channel, first, hints_wanted):
        runs.append((channel.id, first))
        return search(self, channel, first, hints_wanted)

    monkeypatch.setattr(hints.Estimator, "_search", counted)
    return runs


def _statuses(moment, with_demand=False):
    return hints.current_estimator(moment, with_demand=with_demand).statuses(moment)


def test_statuses_are_searched_once_per_hour(app, searches):
    with app.test_request_context():
        _statuses(at("2026-11-24T10:05"))
        per_view = len(searches)
        later = _statuses(at("2026-11-24T10:40"))
        assert len(searches) == per_view  # the same hour: served from the snapshot
        _statuses(at("2026-11-24T11:00"))
        assert len(searches) == 2 * per_view  # a new hour: searched again

    assert per_view == len(later) and all(status.at == at("2026-11-24T10:40") for status in later)


def test_a_reused_status_equals_a_fresh_computation(app):
    with app.test_request_context():
        _statuses(at("2026-11-24T10:05"), with_demand=True)
        reused = _statuses(at("2026-11-24T10:40"), with_demand=True)
        estimator = hints.current_estimator(at("2026-11-24T10:40"))
        fresh = hints.Estimator(estimator.directory, estimator.calendar, estimator.demand).statuses(
            at("2026-11-24T10:40"))

    assert reused == fresh


def test_a_changed_holiday_calendar_recomputes_the_statuses(app, searches, monkeypatch, tmp_path):
    monday = at("2027-01-04T09:30")  # the hotline opens at 09:00 on weekdays, at 10:00 on holidays
    with app.test_request_context():
        hotline = current_directory().get("hotline")
        before = hints.current_estimator(monday, with_demand=False).status(hotline, monday)
        (tmp_path / "holidays.yaml").write_text(
            "years:\n  2027:\n    source: test\n    complete: true\n    days:\n"
            "      - {date: 2027-01-04, day_off: true, name: 测试假日, name_en: Test holiday}\n", encoding="utf-8")
        monkeypatch.setattr(hints, "current_calendar", lambda: load_calendar(tmp_path))
        runs_before = len(searches)
        after = hints.current_estimator(monday, with_demand=False).status(hotline, monday)

    assert before.open_now and not after.open_now
    assert after.opens_at == at("2027-01-04T10:00")
    assert len(searches) == runs_before + 1


def test_the_contact_page_renders_the_heatmap_once_per_snapshot(app, client, monkeypatch):
    renders = []
    render = hints.Snapshot.fragment

    def counted(self, *key, caller):
        return render(self, *key, caller=lambda: renders.append(key) or caller())

    monkeypatch.setattr(hints.Snapshot, "fragment", counted)
    first = client.get("/contact").get_data(as_text=True)
    second = client.get("/contact").get_data(as_text=True)
    english = client.get("/contact", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert [key[0] for key in renders].count("heatmap") == 2  # Chinese once, English once
    assert first.count("<td class=\"slot-") == 168 and second.count("<td class=\"slot-") == 168
    assert "Quiet" in english or "Closed" in english


def test_the_home_section_is_reused_only_while_the_statuses_stay_the_same(app):
    from flask import render_template

    def home_section(moment):
        statuses = hints.current_estimator(moment, with_demand=False).statuses(moment, hints=False)
        return render_template("main/_home_channels.html", channel_statuses=statuses)

    with app.test_request_context("/"):
        evening = home_section(at("2026-11-24T20:30"))  # the hotline closes at 21:00 on weekdays
        later_that_hour = home_section(at("2026-11-24T20:55"))
        closed = home_section(at("2026-11-24T21:30"))

    assert later_that_hour == evening and "今天 21:00 结束" in evening
    assert closed != evening and "明天 09:00 开始服务" in closed
