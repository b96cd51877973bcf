"""Demo data: labelled, realistic, and refused in production."""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.accounts.models import StaffMember
from app.complaints import services, sla, tally
from app.complaints.models import Complaint, ComplaintEvent, ComplaintTally
from app.complaints.states import CLOSED_STATUSES, OPEN_STATUSES, check_transition
from app.demo import bulk
from app.extensions import db
from app.timeutil import aware, utcnow
from app.transparency import privacy, publishing, stats
from app.transparency.models import CaseSummary, SummaryStatus
from tests.factories import file_complaint

PORTAL = ZoneInfo("Asia/Shanghai")


def test_seed_creates_labelled_demo_complaints_in_several_states(runner, app):
    result = runner.invoke(args=["demo", "seed", "--count", "12"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        complaints = db.session.scalars(sa.select(Complaint)).all()
        assert len(complaints) == 12
        assert all(c.is_demo and c.description.startswith("【演示数据】") for c in complaints)
        assert len({c.status for c in complaints}) >= 3
    lines = (app.config["DATA_DIR"] / "demo-credentials.txt").read_text().splitlines()
    assert len([line for line in lines if line.startswith("TS-")]) == 12
    assert [line.split()[:3] for line in lines if line.startswith("staff ")] == [
        ["staff", "agent", "demo-agent@demo.example"], ["staff", "supervisor", "demo-supervisor@demo.example"]]


def test_demo_console_login_works_and_demo_agents_handled_the_cases(runner, app, client):
    runner.invoke(args=["demo", "seed", "--count", "12"])
    lines = (app.config["DATA_DIR"] / "demo-credentials.txt").read_text().splitlines()
    _, _, email, password = next(line for line in lines if line.startswith("staff agent")).split()
    assert client.post("/staff/login", data={"email": email, "password": password}).status_code == 302
    assert client.get("/staff").status_code == 200
    with app.app_context():
        handled = db.session.scalars(sa.select(Complaint).where(Complaint.assignee_id.is_not(None))).all()
        assert handled and all(c.assignee.is_demo for c in handled)


def test_demo_staff_work_in_office_hours_and_owners_rate_with_a_spread(runner, app):
    assert runner.invoke(args=["demo", "seed", "--count", "40"]).exit_code == 0
    with app.app_context():
        staff_events = db.session.scalars(sa.select(ComplaintEvent).where(ComplaintEvent.actor == "staff")).all()
        ratings = db.session.scalars(sa.select(Complaint.rating).where(Complaint.rating.is_not(None))).all()
    hours = {aware(e.at).astimezone(ZoneInfo("Asia/Shanghai")).hour for e in staff_events}
    assert staff_events and min(hours) >= 9 and max(hours) < 21, sorted(hours)
    assert len(ratings) >= 5 and len(set(ratings)) >= 3, ratings


def test_seed_if_empty_does_nothing_the_second_time(runner, app):
    runner.invoke(args=["demo", "seed", "--count", "3"])
    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert "already exist" in result.output
    assert str(app.config["DATA_DIR"] / "demo-credentials.txt") in result.output, "says where the credentials are"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 3


def test_seed_is_refused_on_a_production_configuration(runner, app):
    app.config["DEMO_DATA_ALLOWED"] = False
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "production" in result.output


# ------------------------------------------------------------------ the bulk year of history

BULK = 1500  # above the services limit, so the bulk path writes them


def _bulk_seed(runner, count=BULK, seed=11):
    result = runner.invoke(args=["demo", "seed", "--count", str(count), "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    return result


def _rows(statement):
    return db.session.execute(statement).mappings().all()


def test_bulk_seed_writes_a_year_of_labelled_history_with_every_kind_of_case(runner, app):
    output = _bulk_seed(runner).output
    assert f"{BULK:,} / {BULK:,} complaints" in output, "prints progress"
    with app.app_context():
        complaints = _rows(sa.select(Complaint.__table__))
        assert len(complaints) == BULK and all(c["is_demo"] for c in complaints)
        assert all(c["description"].startswith("【演示数据】") for c in complaints)
        ages = [(utcnow() - aware(c["created_at"])).days for c in complaints]
        assert min(ages) == 0 and 330 <= max(ages) <= 365, "spread over the last twelve months"
        statuses = {c["status"] for c in complaints}
        assert {"resolved", "rejected", "withdrawn", "merged"} <= statuses and statuses & set(OPEN_STATUSES)
        assert any(c["reopen_count"] for c in complaints) and any(c["consent_publish"] for c in complaints)
        assert {c["intake_channel"] for c in complaints} == {"web", "api"}
        assert len({c["category"] for c in complaints}) == 8
        ratings = [c["rating"] for c in complaints if c["rating"] is not None]
        decided = [c for c in complaints if c["status"] in ("resolved", "rejected")]
        assert 0.3 < len(ratings) / len(decided) < 0.9, "many owners never rate"
        assert sum(r >= 4 for r in ratings) > 0.55 * len(ratings) and sum(r <= 2 for r in ratings) > 0.05 * len(ratings)
        assert stats.overdue_now() > 0, "some open cases are overdue right now"
    credentials = (app.config["DATA_DIR"] / "demo-credentials.txt").read_text().splitlines()
    references = [line.split() for line in credentials if line.startswith("TS-")]
    assert 3 <= len(references) <= 5
    reference, code = references[0]
    with app.app_context():
        assert services.verify_access(reference, code).is_demo, "the printed access codes work"


def test_bulk_history_agrees_with_the_state_machine_and_the_sla_rules(runner, app):
    _bulk_seed(runner)
    with app.app_context():
        complaints = {c["id"]: c for c in _rows(sa.select(Complaint.__table__))}
        events = _rows(sa.select(ComplaintEvent.__table__).order_by(ComplaintEvent.id))
        demo_staff = set(db.session.scalars(sa.select(StaffMember.id).where(StaffMember.is_demo)))
        by_complaint = {}
        for event in events:
            by_complaint.setdefault(event["complaint_id"], []).append(event)
        for complaint_id, complaint in complaints.items():
            _check_timeline(complaint, by_complaint[complaint_id], demo_staff)
            _check_clocks(complaint)
        _check_due_dates([c for c in complaints.values() if _untouched_clock(c, by_complaint[c["id"]])][:300])
        assert _tally_without_generation() == _tally_rebuilt(), "counted as the ORM's flush hook counts"
        for complaint in complaints.values():
            if complaint["status"] == "merged":
                original = complaints[complaint["duplicate_of_id"]]
                assert original["status"] != "merged" and original["order_number"] == complaint["order_number"]


def _tally_without_generation():
    rows = db.session.execute(sa.select(ComplaintTally.day, ComplaintTally.name, ComplaintTally.value,
                                        ComplaintTally.count).where(ComplaintTally.name != tally.GENERATION))
    return {tuple(row[:3]): row[3] for row in rows if row[3]}


def _tally_rebuilt():
    tally.rebuild(db.session)
    return _tally_without_generation()


def _check_timeline(complaint, events, demo_staff):
    """Status events chain from "received" to the stored status through allowed moves, in time order."""
    moves = [e for e in events if e["kind"] == "status"]
    assert moves[0]["from_status"] is None and moves[0]["to_status"] == "received"
    for before, after in zip(moves, moves[1:]):
        assert after["from_status"] == before["to_status"]
        check_transition(after["from_status"], after["to_status"], after["actor"])
    assert moves[-1]["to_status"] == complaint["status"]
    times = [aware(e["at"]) for e in events]
    assert times == sorted(times) and times[0] == aware(complaint["created_at"])
    for event in events:
        if event["actor"] == "staff":
            assert event["staff_id"] in demo_staff
            assert 9 <= aware(event["at"]).astimezone(PORTAL).hour < 21, "staff work in office hours"
    if complaint["status"] in CLOSED_STATUSES:
        assert aware(complaint["closed_at"]) == times[-1] or events[-1]["kind"] == "escalation"


def _check_clocks(complaint):
    created, closed = aware(complaint["created_at"]), aware(complaint["closed_at"])
    answered = aware(complaint["first_responded_at"])
    assert (closed is not None) == (complaint["status"] in CLOSED_STATUSES)
    if closed and answered:
        assert closed >= answered >= created
    if answered:
        assert complaint["first_response_seconds"] == int((answered - created).total_seconds())
    if complaint["status"] in ("resolved", "rejected"):
        assert answered is not None and complaint["resolution_seconds"] == int((closed - created).total_seconds())
    if complaint["rating"] is not None:
        assert complaint["status"] in ("resolved", "rejected") and 1 <= complaint["rating"] <= 5
    if complaint["status"] == "resolved" or not complaint["reopen_count"]:  # a user's reopening keeps the outcome
        assert (complaint["outcome"] is not None) == (complaint["status"] == "resolved")


def _untouched_clock(complaint, events):
    """No pause, reopening or escalation moved this complaint's dates since filing."""
    return not complaint["reopen_count"] and complaint["escalated_at"] is None and \
        not any(e["to_status"] == "awaiting_user" for e in events)


def _check_due_dates(complaints):
    assert len(complaints) > 100
    for complaint in complaints:
        expected = sla.due_dates(complaint["category"], complaint["priority"], aware(complaint["created_at"]))
        assert (aware(complaint["first_response_due"]), aware(complaint["resolution_due"])) == expected


def test_bulk_summaries_are_published_only_for_consented_decided_cases_and_are_clean(runner, app):
    _bulk_seed(runner)
    with app.app_context():
        summaries = db.session.scalars(sa.select(CaseSummary)).all()
        assert sum(s.status == SummaryStatus.PUBLISHED for s in summaries) >= 5
        for summary in summaries:
            complaint = summary.complaint
            assert complaint.is_demo and complaint.consent_publish and complaint.status in ("resolved", "rejected")
            assert aware(summary.created_at) >= aware(complaint.closed_at)
            assert privacy.find(summary.text, publishing.known_values(complaint)) == [], summary.text
            if summary.status == SummaryStatus.PUBLISHED:
                assert summary.approved_by.role == "supervisor" and summary.approved_by_id != summary.drafted_by_id
        assert len({s.public_id for s in summaries}) == len(summaries)


def test_the_same_seed_gives_the_same_history(app):
    now = dt.datetime(2026, 11, 20, 4, 30, tzinfo=dt.UTC)
    with app.app_context():
        first = _history(bulk.seed_history(600, 5, now=now), 5, now)
        second = _history(bulk.seed_history(600, 5, now=now), 5, now)
        other = _history(bulk.seed_history(600, 6, now=now), 6, now)
    assert first == second
    assert first != other


def _history(_created, seed, now):
    """Everything written, without ids and secrets; then empty the tables for the next run."""
    complaints = _rows(sa.select(Complaint.__table__).order_by(Complaint.id))
    events = _rows(sa.select(ComplaintEvent.__table__).order_by(ComplaintEvent.id))
    summaries = _rows(sa.select(CaseSummary.__table__).order_by(CaseSummary.id))
    db.session.execute(sa.delete(CaseSummary))
    db.session.execute(sa.delete(ComplaintEvent))
    db.session.execute(sa.delete(Complaint))
    db.session.commit()
    secret = {"id", "access_code_hash", "complaint_id", "staff_id", "assignee_id", "drafted_by_id", "approved_by_id"}
    return [[{k: v for k, v in row.items() if k not in secret} for row in rows]
            for rows in (complaints, events, summaries)]


def test_seed_refuses_a_database_that_holds_real_complaints(runner, app):
    file_complaint(app)
    for count in ("5", "500"):
        result = runner.invoke(args=["demo", "seed", "--count", count])
        assert result.exit_code != 0 and "real complaints" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 1
