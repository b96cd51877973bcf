"""The access-code lockout under concurrent guessing, on both engines, and the housekeeping of its rows."""
import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from app.complaints import reference as refs
from app.complaints.models import AccessLockout
from app.extensions import db, limiter
from app.timeutil import utcnow
from tests.factories import file_complaint
from tests.security.helpers import lockout_rows

GUESSERS = 24


def api_answer(client, reference, code):
    """What the API told a guesser: locked (429), owner (the full view), or public (a wrong code)."""
    response = client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": code})
    if response.status_code == 429:
        return "locked"
    assert response.status_code == 200, response.get_data(as_text=True)
    return "owner" if "timeline" in response.get_json() else "public"


def wrong_codes(right, n):
    codes = set()
    while len(codes) < n:
        code = refs.new_access_code()
        if code != right:
            codes.add(code)
    return sorted(codes)


def guess_concurrently(app, send, codes):
    """Send every code at once, one thread each; return the status codes."""
    barrier = threading.Barrier(len(codes))
    statuses = []

    def guess(code):
        client = app.test_client()
        barrier.wait()
        statuses.append(send(client, code))

    threads = [threading.Thread(target=guess, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.fixture
def unlimited(monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)  # the per-client rate limit would hide the lockout


def test_concurrent_wrong_codes_get_at_most_five_guesses_on_the_api(app, unlimited):
    reference, code = file_complaint(app)

    def send(client, guess):
        return api_answer(client, reference, guess)

    answers = guess_concurrently(app, send, wrong_codes(code, GUESSERS))
    assert answers.count("public") <= app.config["ACCESS_CODE_MAX_FAILURES"], answers
    assert set(answers) == {"public", "locked"}
    # The lock holds for the right code too, until it expires.
    assert api_answer(app.test_client(), reference, code) == "locked"


def test_concurrent_wrong_codes_get_at_most_five_guesses_on_the_web(app, unlimited):
    reference, code = file_complaint(app)

    def send(client, guess):
        page = client.post("/track", data={"reference": reference, "access_code": guess}).get_data(as_text=True)
        return "locked" if "输错次数过多" in page else "wrong" if "不正确" in page else page[:200]

    statuses = guess_concurrently(app, send, wrong_codes(code, GUESSERS))
    assert statuses.count("wrong") <= app.config["ACCESS_CODE_MAX_FAILURES"], statuses
    assert set(statuses) <= {"wrong", "locked"}


def test_web_and_api_share_one_count(app, client, unlimited):
    reference, code = file_complaint(app)
    for guess in wrong_codes(code, 3):
        client.post("/track", data={"reference": reference, "access_code": guess})
    for guess in wrong_codes(code, 2):
        assert api_answer(client, reference, guess) == "public"
    assert api_answer(client, reference, code) == "locked"


def test_the_right_code_clears_the_count(app, client, unlimited):
    reference, code = file_complaint(app)
    for guess in wrong_codes(code, 4):
        api_answer(client, reference, guess)
    assert api_answer(client, reference, code) == "owner"
    assert lockout_rows(app) == 0
    for guess in wrong_codes(code, 4):
        assert api_answer(client, reference, guess) == "public"


def test_attempts_while_locked_do_not_extend_the_lock(app, client, unlimited):
    reference, code = file_complaint(app)
    for guess in wrong_codes(code, 5):
        client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": guess})
    with app.app_context():
        until = db.session.get(AccessLockout, reference).locked_until
    for guess in wrong_codes(code, 3):
        assert api_answer(client, reference, guess) == "locked"
    with app.app_context():
        row = db.session.get(AccessLockout, reference)
        assert row.locked_until == until and row.failures == 0


# ------------------------------------------------------------------ housekeeping (13.13)

def add_lockout(app, reference, hours_ago, locked_for_minutes=None):
    now = utcnow()
    with app.app_context():
        db.session.add(AccessLockout(
            reference=reference, failures=2, updated_at=now - dt.timedelta(hours=hours_ago),
            locked_until=now + dt.timedelta(minutes=locked_for_minutes) if locked_for_minutes is not None else None))
        db.session.commit()


def test_purge_lockouts_removes_abandoned_rows_and_keeps_recent_and_locked_ones(app, runner):
    with app.app_context():
        old, expired, recent, locked = (refs.new_reference() for _ in range(4))
    add_lockout(app, old, hours_ago=48)  # guesses at a reference that does not exist, long ago
    add_lockout(app, expired, hours_ago=30, locked_for_minutes=-60 * 29)  # its lock ended a day ago
    add_lockout(app, recent, hours_ago=1)
    add_lockout(app, locked, hours_ago=30, locked_for_minutes=30)  # still locked: keep
    result = runner.invoke(args=["complaints", "purge-lockouts", "--older-than-hours", "24"])
    assert result.exit_code == 0 and "Removed 2 stale access-code lockouts" in result.output
    with app.app_context():
        assert set(db.session.scalars(sa.select(AccessLockout.reference))) == {recent, locked}


def test_guesses_at_unknown_references_leave_rows_that_the_purge_removes(app, client, runner, unlimited):
    with app.app_context():
        unknown = [refs.new_reference() for _ in range(3)]
    for reference in unknown:
        client.get(f"/api/v1/complaints/{reference}", headers={"X-Access-Code": refs.new_access_code()})
    assert lockout_rows(app) == 3
    with app.app_context():
        db.session.execute(sa.update(AccessLockout).values(updated_at=utcnow() - dt.timedelta(days=2)))
        db.session.commit()
    assert "Removed 3" in runner.invoke(args=["complaints", "purge-lockouts"]).output
    assert lockout_rows(app) == 0
