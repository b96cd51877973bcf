"""Demo data: labelled, realistic, and refused in production."""
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.complaints.models import Complaint, ComplaintEvent
from app.extensions import db
from app.timeutil import aware


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
