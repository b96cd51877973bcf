"""Statistics at scale: every published figure from the tally against a hand-computed week, on both engines;
working and calendar time; the channel of intake; the shared cache, its invalidation and its single flight."""
import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.api import schemas
from app.complaints import services, sla, tally
from app.complaints.models import Complaint, ComplaintTally
from app.extensions import cache, db
from app.transparency import figures, refresh, stats
from tests.factories import VALID_COMPLAINT, make_complaint, staff_act_on

ZONE = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=ZONE).astimezone(dt.UTC)  # a Wednesday; no holiday that month


def local(day, hour):
    """A moment in November 2026, Beijing time."""
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=ZONE).astimezone(dt.UTC)


def complaint(name, filed, channel="web"):
    order = f"KM2026110{ord(name)}00000001"
    made, _ = make_complaint(now=filed, channel=channel, contact_email=f"{name}@example.com", order_number=order,
                             details={"order_number": order})
    return made


@pytest.fixture
def week(app_context):
    """Normal priority: first answer within 24 working hours, decision within 5 working days (weekends off).

    A web  Fri 20th 10:00, answered Mon 09:00 (71 h, 23 working), resolved Tue 10:00 (96 h, 48), rated 5
    B api  Mon 23rd 09:00, answered 11:00 (2 h, 2), rejected 15:00 (6 h, 6)
    C web  Wed 18th 09:00, never answered, open: both deadlines passed (Thu 19th 09:00, Wed 25th 09:00)
    D api  Tue 24th 09:00, withdrawn 10:00 unanswered: no deadline counts
    E web  Wed 25th 11:00, open, not due yet
    F web  Tue 10th 09:00, answered Wed 10:00 (25 h, 25, late), resolved Wed 18th 10:00 (193 h, 145, late), rated 2
    A and B are decided before their resolution deadlines (Fri 27th, Mon 30th), which have not passed yet.
    """
    a = complaint("a", local(20, 10))
    staff_act_on(a, "reply", now=local(23, 9), body="已收到")
    staff_act_on(a, "resolve", now=local(24, 10), outcome="full_refund", amount_cents=10000, body="已退款")
    services.rate(a, 5)
    b = complaint("b", local(23, 9), channel="api")
    staff_act_on(b, "reply", now=local(23, 11), body="已收到")
    staff_act_on(b, "reject", now=local(23, 15), body="不符合条件")
    complaint("c", local(18, 9))
    d = complaint("d", local(24, 9), channel="api")
    services.withdraw(d, "自己解决了", now=local(24, 10))
    complaint("e", local(25, 11))
    f = complaint("f", local(10, 9))
    staff_act_on(f, "reply", now=local(11, 10), body="已收到")
    staff_act_on(f, "resolve", now=local(18, 10), outcome="explained", body="已解释")
    services.rate(f, 2)


def test_every_published_figure_matches_the_hand_computed_week(week):
    payload = figures.public_figures(now=NOW)
    assert payload["totals"] == {"received": 6, "replied": 3, "open": 2, "resolved": 2, "confirmed_resolved": 1,
                                 "rejected": 1, "withdrawn": 1, "merged": 0}
    assert payload["timings"] == {
        "first_response": {"due": 4, "late": 2, "on_time_percent": 50.0, "median_hours": 25.0, "p90_hours": 71.0},
        "resolution": {"due": 2, "late": 2, "on_time_percent": 0.0, "median_hours": 96.0, "p90_hours": 193.0},
        "first_response_working": {"median_hours": 23.0, "p90_hours": 25.0},
        "resolution_working": {"median_hours": 48.0, "p90_hours": 145.0}}
    assert payload["by_category"]["topup_not_arrived"] == 6 and sum(filter(None, payload["by_category"].values())) == 6
    assert payload["by_channel"] == {"web": None, "api": None}  # 4 and 2: both small cells
    assert payload["by_outcome"]["full_refund"] is None and payload["by_outcome"]["explained"] is None
    assert payload["backlog_by_age"] == {"0-1": 1, "1-3": 0, "3-7": 0, "7-30": 1, "30+": 0}
    assert payload["overdue"] == 1
    assert payload["satisfaction"] == {"ratings": 2, "average": 3.5,
                                       "distribution": {"1": 0, "2": None, "3": 0, "4": 0, "5": None}}
    assert payload["deflection"] == {"deflected": 0, "rate_percent": 0.0}
    assert payload["monthly"][-1] == {"month": "2026-11", "received": 6, "resolved": None,
                                      "first_response_on_time": 50.0}
    assert [row["received"] for row in payload["monthly"][:-1]] == [0] * 11
    assert payload["sellers"] == [] and payload["demo_data"] is False
    schemas.Stats.model_validate(payload)


def test_the_api_serves_exactly_the_payload_of_its_moment(week, client):
    body = client.get("/api/v1/stats").get_json()
    assert body == figures.public_figures(now=dt.datetime.fromisoformat(body["generated_at"]))


def test_a_period_counts_only_complaints_filed_in_it(week):
    s = stats.summary(local(20, 0), local(26, 0), now=NOW)  # A, B, D, E
    assert (s.received, s.replied, s.first_response_due, s.first_response_late) == (4, 2, 2, 0)
    assert s.timings["first_response"]["working"] == {"median_hours": 2.0, "p90_hours": 23.0}
    assert s.by_channel == {"web": 2, "api": 2}


def test_stored_durations_are_working_and_calendar_seconds(week):
    f = db.session.scalar(sa.select(Complaint).where(Complaint.contact_email == "f@example.com"))
    assert (f.first_response_seconds, f.first_response_working_seconds) == (25 * 3600, 25 * 3600)
    assert (f.resolution_seconds, f.resolution_working_seconds) == (193 * 3600, 145 * 3600)
    clock = sla.WorkingClock(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert clock.between(local(10, 9), local(18, 10)) == sla.working_time_between(local(10, 9), local(18, 10))


def test_rebuilding_gives_the_tally_kept_by_the_writes(week):
    def cells():
        rows = db.session.execute(sa.select(ComplaintTally.day, ComplaintTally.name, ComplaintTally.value,
                                            ComplaintTally.count).where(ComplaintTally.name != tally.GENERATION,
                                                                        ComplaintTally.count != 0))
        return sorted(tuple(row) for row in rows)
    kept = cells()
    assert tally.rebuild(db.session) == 6
    assert cells() == kept and figures.public_figures(now=NOW)["totals"]["received"] == 6


def test_the_channel_is_hidden_like_any_small_cell(app_context):
    for index in range(5):
        complaint(chr(ord("g") + index), NOW - dt.timedelta(hours=2))
    complaint("z", NOW - dt.timedelta(hours=2), channel="api")
    payload = figures.public_figures(now=NOW)
    assert payload["by_channel"] == {"web": None, "api": None}
    reasons = {entry["cell"]: entry["reason"] for entry in payload["suppressed"]}
    assert reasons["by_channel.api"] == "small_cell" and reasons["by_channel.web"] == "complementary"
    rows = {(section, key): value for section, key, value in figures.flat_rows(payload)}
    assert (rows[("by_channel", "api")], rows[("by_channel", "web")]) == ("<5", "*")


def test_complaints_filed_through_the_api_are_counted_as_api(client, app_context):
    response = client.post("/api/v1/complaints", json={**VALID_COMPLAINT, "consent_privacy": True})
    assert response.status_code == 201, response.get_json()
    assert db.session.scalar(sa.select(Complaint.intake_channel)) == "api"


def test_a_state_change_invalidates_the_cache_and_the_refresh_runs_in_the_background(app_context):
    app_context.config["TRANSPARENCY_BACKGROUND_REFRESH"] = True
    late = complaint("a", dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    assert figures.cached_public_figures()["overdue"] == 1
    staff_act_on(late, "resolve", outcome="explained", body="已解释")
    assert figures.cached_public_figures()["overdue"] == 1  # answered from the cache while it refreshes
    db.session.rollback()  # end this read, as a request would, before waiting for the refresh
    refresh.wait_for_refreshes()
    assert figures.cached_public_figures()["overdue"] == 0


def test_the_page_follows_a_state_change_through_its_background_refresh(client, app_context):
    app_context.config["TRANSPARENCY_BACKGROUND_REFRESH"] = True
    late = complaint("a", dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    assert "1 件投诉已超过处理时限" in client.get("/transparency").get_data(as_text=True)
    staff_act_on(late, "resolve", outcome="explained", body="已解释")
    db.session.rollback()
    assert "1 件投诉已超过处理时限" in client.get("/transparency").get_data(as_text=True)  # served, not waited for
    refresh.wait_for_refreshes()
    assert "0 件投诉已超过处理时限" in client.get("/transparency").get_data(as_text=True)


def test_two_threads_missing_the_cache_compute_once(app):
    calls, started, release, results = [], threading.Event(), threading.Event(), []

    def compute():
        calls.append(1)
        started.set()
        release.wait(10)
        return "figures"

    def read():
        with app.app_context():
            results.append(refresh.cached("single-flight", compute))
    first, second = threading.Thread(target=read), threading.Thread(target=read)
    first.start()
    assert started.wait(10)
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert results == ["figures", "figures"] and len(calls) == 1


def test_another_process_computing_is_waited_for(app_context):
    fingerprint = refresh.current_fingerprint()
    cache.set("transparency:elsewhere", (0, fingerprint, "stale"), timeout=0)
    assert cache.add("transparency:elsewhere:lock", 1)  # as if another worker were computing it now
    app_context.config["TRANSPARENCY_MAX_AGE_SECONDS"] = 3600
    cache.set("transparency:elsewhere", (dt.datetime.now().timestamp(), fingerprint, "theirs"), timeout=0)
    assert refresh.cached("elsewhere", lambda: "mine") == "theirs"


def test_the_rebuild_command_recounts_every_complaint(week, runner):
    db.session.execute(sa.delete(ComplaintTally))
    db.session.commit()
    result = runner.invoke(args=["complaints", "rebuild-stats"])
    assert result.exit_code == 0 and "Counted 6 complaints" in result.output
    assert figures.public_figures(now=NOW)["totals"]["received"] == 6


def test_an_upgraded_database_is_recounted_once(week, runner):
    db.session.execute(sa.delete(ComplaintTally))
    db.session.execute(sa.update(Complaint).values(tally_keys=sa.null()))  # as the migration leaves old rows
    db.session.commit()
    assert "Counted 6 complaints" in runner.invoke(args=["complaints", "rebuild-stats", "--if-stale"]).output
    assert "counts every complaint" in runner.invoke(args=["complaints", "rebuild-stats", "--if-stale"]).output
    assert figures.public_figures(now=NOW)["totals"]["received"] == 6


def test_workers_share_the_figures_through_redis(tmp_path, database_url, search_index_dir):
    import os
    import uuid

    from app import create_app
    from tests.conftest import require

    url = os.environ.get("TEST_REDIS_URL")
    require(url, "TEST_REDIS_URL is not set, so the shared statistics cache was not tested")
    prefix = f"test-{uuid.uuid4().hex}:"
    workers = [create_app("testing", DATA_DIR=tmp_path / name, SQLALCHEMY_DATABASE_URI=database_url,
                          SEARCH_INDEX_DIR=search_index_dir, REDIS_URL=url, CACHE_KEY_PREFIX=prefix)
               for name in ("one", "two")]
    calls = []
    for worker in workers:
        with worker.app_context():
            assert refresh.cached("shared", lambda: calls.append(1) or {"received": 0}) == {"received": 0}
    assert len(calls) == 1
