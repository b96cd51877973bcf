"""Staff sign-in: one answer for every failure, lockout, audit, fresh sessions, idle sign-out, TOTP, next=, limits."""
import datetime as dt
import re
import time
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from app.accounts import services as accounts
from app.accounts.models import AuditEntry
from app.extensions import db
from app.staff.access import ENROLMENT_ENDPOINTS, PUBLIC_ENDPOINTS
from app.timeutil import utcnow
from tests.factories import STAFF_PASSWORD, file_complaint, make_staff, staff_login
from tests.test_staff_access import console_requests

WRONG_PASSWORD = "not the password at all"
UNKNOWN_EMAIL = "nobody@kameng.example"
GENERIC_MESSAGE = "邮箱、密码或验证码不正确"


def new_staff(app, role="agent", **kwargs):
    """Create a staff member in its own app context; return the email."""
    with app.app_context():
        return make_staff(role, **kwargs).email


def stored(app, email):
    """The stored sign-in state of an account."""
    with app.app_context():
        member = accounts.find(email)
        return {"active": member.active, "failed_logins": member.failed_logins, "locked_until": member.locked_until,
                "totp_secret": member.totp_secret, "totp_last_step": member.totp_last_step}


def sign_in_trail(app):
    """(kind, subject, reason) of every sign-in audit entry, oldest first."""
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind.in_(["login_success",
                                                                                     "login_failure"]))
                                     .order_by(AuditEntry.id))
        return [(e.kind, e.subject, (e.after or {}).get("reason")) for e in entries]


def error_text(response, field="password"):
    """The error message rendered next to `field`, or None."""
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return found.group(1).strip() if found else None


def generic_message(client):
    """The message an unknown email gets: what every other refusal must look like."""
    return error_text(staff_login(client, UNKNOWN_EMAIL))


def location(response):
    return response.headers.get("Location")


def sent_to_sign_in(response):
    return response.status_code == 302 and urlsplit(location(response)).path == "/staff/login"


def signed_in_now(client):
    return client.get("/staff").status_code == 200


def wrong_code(secret):
    """A six-digit code the authenticator does not show in the accepted window."""
    totp, now = pyotp.TOTP(secret), time.time()
    valid = {totp.at(now + drift) for drift in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555", "666666")
                if code not in valid)


def next_code(secret):
    """The code of the next time step (accepted as clock drift): the current step may already be used up."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def lock(app, email):
    """Lock the account for the next 15 minutes, as five wrong passwords would."""
    with app.app_context():
        member = accounts.find(email)
        member.failed_logins, member.locked_until = 0, utcnow() + dt.timedelta(minutes=15)
        db.session.commit()


# ------------------------------------------------------------------ password step

def test_the_right_password_signs_in_to_the_queue(app, client):
    email = new_staff(app)
    response = staff_login(client, email)
    assert response.status_code == 302 and location(response) == "/staff"
    assert client.get("/staff").status_code == 200


def test_the_email_is_matched_whatever_its_case_and_spaces(app, client):
    email = new_staff(app)
    assert location(staff_login(client, f"  {email.upper()} ")) == "/staff"


def test_unknown_email_and_wrong_password_get_the_same_answer(app, client):
    email = new_staff(app)
    unknown = staff_login(client, UNKNOWN_EMAIL)
    wrong = staff_login(client, email, WRONG_PASSWORD)
    assert unknown.status_code == wrong.status_code == 400
    assert error_text(unknown) == error_text(wrong)
    assert GENERIC_MESSAGE in error_text(unknown)
    assert not signed_in_now(client)


@pytest.mark.parametrize("case", ["unknown email", "wrong password", "right password", "disabled", "locked"])
def test_every_sign_in_attempt_runs_one_argon2_verification(app, client, case):
    # The same work whatever the answer, so timing does not tell which emails have accounts.
    email = new_staff(app)
    if case == "disabled":
        with app.app_context():
            accounts.update(accounts.find(email), actor=None, active=False)
    if case == "locked":
        lock(app, email)
    typed_email = UNKNOWN_EMAIL if case == "unknown email" else email
    password = WRONG_PASSWORD if case == "wrong password" else STAFF_PASSWORD
    # PasswordHasher has __slots__, so the method is patched on its class.
    with patch.object(PasswordHasher, "verify", autospec=True, side_effect=PasswordHasher.verify) as verify:
        staff_login(client, typed_email, password)
    assert verify.call_count == 1


def make_unusable(app, email, case):
    """Disable the account, or lock it with wrong passwords."""
    if case == "disabled":
        with app.app_context():
            accounts.update(accounts.find(email), actor=None, active=False)
    else:
        lock(app, email)


@pytest.mark.parametrize("case", ["disabled", "locked"])
def test_a_disabled_or_locked_account_gets_the_generic_answer_to_the_right_password(app, client, case):
    email = new_staff(app)
    make_unusable(app, email, case)
    expected = generic_message(client)
    response = staff_login(client, email)
    assert response.status_code == 400 and error_text(response) == expected
    assert not signed_in_now(client)


# ------------------------------------------------------------------ lockout

def test_five_wrong_passwords_lock_out_even_the_right_password(app, client):
    email = new_staff(app)
    expected = generic_message(client)
    for _ in range(5):
        assert staff_login(client, email, WRONG_PASSWORD).status_code == 400
    assert stored(app, email)["locked_until"] is not None

    sixth = staff_login(client, email)
    assert sixth.status_code == 400 and error_text(sixth) == expected
    assert not signed_in_now(client)
    assert sign_in_trail(app)[-1] == ("login_failure", email, "locked")


def test_four_wrong_passwords_do_not_lock(app, client):
    email = new_staff(app)
    for _ in range(4):
        staff_login(client, email, WRONG_PASSWORD)
    assert location(staff_login(client, email)) == "/staff"


def test_a_successful_sign_in_starts_the_count_of_failures_again(app, client):
    email = new_staff(app)
    for _ in range(4):
        staff_login(client, email, WRONG_PASSWORD)
    staff_login(client, email)
    assert stored(app, email)["failed_logins"] == 0


def test_the_right_password_works_again_once_the_lock_has_passed(app, client):
    email = new_staff(app)
    for _ in range(5):
        staff_login(client, email, WRONG_PASSWORD)
    with app.app_context():
        accounts.find(email).locked_until = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    assert location(staff_login(client, email)) == "/staff"
    assert stored(app, email)["locked_until"] is None


@pytest.mark.parametrize("minutes_later, accepted", [(14, False), (16, True)])
def test_the_lock_lasts_fifteen_minutes(app_context, minutes_later, accepted):
    email = make_staff().email
    start = utcnow()
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.check_password(email, WRONG_PASSWORD, now=start)
    later = start + dt.timedelta(minutes=minutes_later)
    if accepted:
        assert accounts.check_password(email, STAFF_PASSWORD, now=later).email == email
    else:
        with pytest.raises(accounts.LoginFailed):
            accounts.check_password(email, STAFF_PASSWORD, now=later)


# ------------------------------------------------------------------ audit

def test_every_sign_in_failure_and_success_is_audited_with_the_typed_email(app, client):
    email = new_staff(app)
    staff_login(client, UNKNOWN_EMAIL)
    staff_login(client, email, WRONG_PASSWORD)
    staff_login(client, email)
    assert sign_in_trail(app) == [("login_failure", UNKNOWN_EMAIL, "unknown_email"),
                                  ("login_failure", email, "wrong_password"),
                                  ("login_success", email, None)]


@pytest.mark.parametrize("case, reason", [("disabled", "disabled"), ("locked", "locked")])
def test_refusals_of_the_right_password_are_audited_with_their_reason(app, client, case, reason):
    email = new_staff(app)
    make_unusable(app, email, case)
    staff_login(client, email)
    assert sign_in_trail(app) == [("login_failure", email, reason)]


def test_the_audit_entry_names_the_account_and_the_client_address(app, client):
    email = new_staff(app)
    staff_login(client, email, WRONG_PASSWORD)
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.kind == "login_failure"))
        assert entry.staff.email == email and entry.client == "127.0.0.1"


# ------------------------------------------------------------------ sessions

def test_signing_in_starts_a_new_session(app, client):
    email = new_staff(app)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    staff_login(client, email)
    with client.session_transaction() as session:
        assert "planted" not in session and "_user_id" in session


def test_an_old_session_cookie_is_useless_after_logout(app, client):
    email = new_staff(app)
    staff_login(client, email)
    old_cookie = client.get_cookie("session").value
    assert sent_to_sign_in(client.post("/staff/logout"))
    assert not signed_in_now(client)

    client.set_cookie("session", old_cookie)
    assert sent_to_sign_in(client.get("/staff"))


def test_signing_in_again_ends_the_older_session(app, client):
    email = new_staff(app)
    staff_login(client, email)
    other_device = app.test_client()
    staff_login(other_device, email)
    assert signed_in_now(other_device)
    assert sent_to_sign_in(client.get("/staff"))


@pytest.mark.parametrize("idle_minutes, still_signed_in", [(5, True), (29, True), (31, False), (120, False)])
def test_thirty_minutes_without_activity_sign_out(app, client, idle_minutes, still_signed_in):
    email = new_staff(app)
    staff_login(client, email)
    assert signed_in_now(client)
    with client.session_transaction() as session:
        session["staff_last_seen"] = int(time.time()) - idle_minutes * 60

    response = client.get("/staff/dashboard")
    assert (response.status_code == 200) is still_signed_in
    if not still_signed_in:
        assert sent_to_sign_in(response)
        assert parse_qs(urlsplit(location(response)).query)["next"] == ["/staff/dashboard"]
        assert not signed_in_now(client)


def test_activity_within_the_window_keeps_the_session(app, client):
    email = new_staff(app)
    staff_login(client, email)
    for _ in range(3):  # 3 × 20 minutes: an hour in all, but never 30 minutes idle
        with client.session_transaction() as session:
            session["staff_last_seen"] = int(time.time()) - 20 * 60
        assert client.get("/staff").status_code == 200
    with client.session_transaction() as session:
        assert session["staff_last_seen"] >= time.time() - 5


def set_last_seen(client, minutes_ago):
    with client.session_transaction() as session:
        session["staff_last_seen"] = int(time.time()) - minutes_ago * 60
        return session["staff_last_seen"]


def test_the_open_case_pages_heartbeat_does_not_count_as_activity(app, client):
    reference, _ = file_complaint(app)
    staff_login(client, new_staff(app))
    assert client.get(f"/staff/complaints/{reference}").status_code == 200
    last_seen = set_last_seen(client, 20)
    assert client.post(f"/staff/complaints/{reference}/presence").status_code == 200
    with client.session_transaction() as session:
        assert session["staff_last_seen"] == last_seen


def test_a_heartbeat_after_thirty_idle_minutes_signs_out(app, client):
    reference, _ = file_complaint(app)
    staff_login(client, new_staff(app))
    client.get(f"/staff/complaints/{reference}")
    set_last_seen(client, 31)
    assert sent_to_sign_in(client.post(f"/staff/complaints/{reference}/presence"))
    assert not signed_in_now(client)


def test_an_idle_sign_out_on_a_form_post_does_not_return_to_the_post_only_url(app, client):
    staff_login(client, new_staff(app))
    client.get("/staff")
    set_last_seen(client, 31)
    response = client.post("/staff/alerts/read")
    assert sent_to_sign_in(response) and "next" not in parse_qs(urlsplit(location(response)).query)


def test_an_idle_sign_out_also_ends_the_session_token(app, client):
    staff_login(client, new_staff(app))
    client.get("/staff")
    old_cookie = client.get_cookie("session").value
    set_last_seen(client, 31)
    client.get("/staff")

    client.set_cookie("session", old_cookie)
    set_last_seen(client, 0)  # the old session, made to look recently active again
    assert sent_to_sign_in(client.get("/staff"))
    with app.app_context():
        kinds = list(db.session.scalars(sa.select(AuditEntry.kind).order_by(AuditEntry.id)))
    assert "idle_logout" in kinds


# ------------------------------------------------------------------ two-factor sign-in

@pytest.fixture
def unenrolled_supervisor(app, client):
    """A supervisor signed in with the password only, not yet enrolled; returns the email."""
    email = new_staff(app, "supervisor")
    assert location(staff_login(client, email)) == "/staff"
    return email


def enrolment_secret(client):
    client.get("/staff/totp/setup")
    with client.session_transaction() as session:
        return session["staff_totp_enrol"]


def test_a_supervisor_without_two_factor_is_sent_to_set_it_up_from_every_console_page(app, client,
                                                                                       unenrolled_supervisor):
    walk = [(method, path, endpoint) for method, path, endpoint in console_requests(app)
            if endpoint not in PUBLIC_ENDPOINTS | ENROLMENT_ENDPOINTS]
    not_sent = [(method, path, response.status_code, location(response))
                for method, path, response in ((m, p, client.open(p, method=m)) for m, p, _ in walk)
                if location(response) != "/staff/totp/setup"]
    assert not_sent == []
    assert len(walk) > 15


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_members_who_need_two_factor_cannot_skip_enrolment(app, client, role):
    email = new_staff(app, role)
    staff_login(client, email)
    assert location(client.get("/staff")) == "/staff/totp/setup"
    assert client.get("/staff/totp/setup").status_code == 200


def test_the_setup_page_draws_the_qr_code_inline(client, unenrolled_supervisor):
    page = client.get("/staff/totp/setup")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in body
    assert "<img" not in body
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", body)
    with client.session_transaction() as session:
        assert session["staff_totp_enrol"] in body


def test_the_setup_page_keeps_its_secret_when_reloaded(client, unenrolled_supervisor):
    assert enrolment_secret(client) == enrolment_secret(client)


def test_a_wrong_enrolment_code_is_refused(app, client, unenrolled_supervisor):
    secret = enrolment_secret(client)
    response = client.post("/staff/totp/setup", data={"code": wrong_code(secret)})
    assert error_text(response, "code")
    assert stored(app, unenrolled_supervisor)["totp_secret"] is None
    assert location(client.get("/staff")) == "/staff/totp/setup"


def test_the_right_code_enrols_and_the_next_sign_in_asks_for_a_code(app, client, unenrolled_supervisor):
    secret = enrolment_secret(client)
    response = client.post("/staff/totp/setup", data={"code": pyotp.TOTP(secret).now()})
    assert location(response) == "/staff"
    assert client.get("/staff").status_code == 200
    assert stored(app, unenrolled_supervisor)["totp_secret"] == secret

    client.post("/staff/logout")
    assert location(staff_login(client, unenrolled_supervisor)) == "/staff/login/totp"
    assert not signed_in_now(client)
    assert location(client.post("/staff/login/totp", data={"code": next_code(secret)})) == "/staff"
    assert signed_in_now(client)


def test_an_enrolled_member_cannot_replace_their_secret_without_a_reset(app, client, signed_in):
    email = signed_in("supervisor")
    before = stored(app, email)["totp_secret"]
    assert location(client.get("/staff/totp/setup")) == "/staff"
    planted = pyotp.random_base32()
    with client.session_transaction() as session:
        session["staff_totp_enrol"] = planted
    client.post("/staff/totp/setup", data={"code": pyotp.TOTP(planted).now()})
    assert stored(app, email)["totp_secret"] == before


def test_after_an_admin_reset_the_member_enrols_a_new_secret(app, client, signed_in):
    email = signed_in("supervisor")
    old_secret = stored(app, email)["totp_secret"]
    with app.app_context():
        accounts.update(accounts.find(email), actor=None, reset_totp=True)
    assert location(staff_login(client, email)) == "/staff"
    assert location(client.get("/staff")) == "/staff/totp/setup"
    secret = enrolment_secret(client)
    assert location(client.post("/staff/totp/setup", data={"code": pyotp.TOTP(secret).now()})) == "/staff"
    assert stored(app, email)["totp_secret"] == secret != old_secret


@pytest.mark.parametrize("role", ["agent", "supervisor", "admin"])
def test_an_enrolled_member_of_any_role_goes_through_the_code_step(app, client, role):
    secret = pyotp.random_base32()
    email = new_staff(app, role, totp_secret=secret)
    assert location(staff_login(client, email)) == "/staff/login/totp"
    assert not signed_in_now(client)
    assert location(client.post("/staff/login/totp", data={"code": pyotp.TOTP(secret).now()})) == "/staff"
    assert signed_in_now(client)


def test_a_wrong_code_gets_the_generic_answer_and_is_audited(app, client):
    secret = pyotp.random_base32()
    email = new_staff(app, "supervisor", totp_secret=secret)
    expected = generic_message(client)
    staff_login(client, email)
    response = client.post("/staff/login/totp", data={"code": wrong_code(secret)})
    assert response.status_code == 400 and error_text(response, "code") == expected
    assert not signed_in_now(client)
    assert sign_in_trail(app)[-1] == ("login_failure", email, "wrong_totp")


def test_five_wrong_codes_lock_the_account(app, client):
    secret = pyotp.random_base32()
    email = new_staff(app, "supervisor", totp_secret=secret)
    expected = generic_message(client)
    staff_login(client, email)
    for _ in range(5):
        client.post("/staff/login/totp", data={"code": wrong_code(secret)})
    assert stored(app, email)["locked_until"] is not None

    right_code = client.post("/staff/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert right_code.status_code == 400 and error_text(right_code, "code") == expected
    password = staff_login(client, email)
    assert password.status_code == 400 and error_text(password) == expected
    assert not signed_in_now(client)


def test_wrong_passwords_and_wrong_codes_add_up_to_the_lockout(app, client):
    secret = pyotp.random_base32()
    email = new_staff(app, "supervisor", totp_secret=secret)
    for _ in range(3):
        staff_login(client, email, WRONG_PASSWORD)
    staff_login(client, email)
    for _ in range(2):
        client.post("/staff/login/totp", data={"code": wrong_code(secret)})
    assert stored(app, email)["locked_until"] is not None


def test_a_code_cannot_be_used_twice(app, client):
    secret = pyotp.random_base32()
    email = new_staff(app, "supervisor", totp_secret=secret)
    code = pyotp.TOTP(secret).now()
    staff_login(client, email)
    assert location(client.post("/staff/login/totp", data={"code": code})) == "/staff"
    client.post("/staff/logout")

    staff_login(client, email)
    replayed = client.post("/staff/login/totp", data={"code": code})
    assert replayed.status_code == 400 and GENERIC_MESSAGE in error_text(replayed, "code")
    assert not signed_in_now(client)
    assert sign_in_trail(app)[-1] == ("login_failure", email, "wrong_totp")


def test_the_enrolment_code_cannot_be_used_again_to_sign_in(app, client, unenrolled_supervisor):
    secret = enrolment_secret(client)
    code = pyotp.TOTP(secret).now()
    client.post("/staff/totp/setup", data={"code": code})
    client.post("/staff/logout")
    staff_login(client, unenrolled_supervisor)
    assert client.post("/staff/login/totp", data={"code": code}).status_code == 400


def test_a_member_disabled_between_password_and_code_is_not_signed_in(app, client):
    secret = pyotp.random_base32()
    email = new_staff(app, "supervisor", totp_secret=secret)
    staff_login(client, email)
    with app.app_context():
        accounts.update(accounts.find(email), actor=None, active=False)
    response = client.post("/staff/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 400
    assert not signed_in_now(client)
    assert ("login_success", email, None) not in sign_in_trail(app)


# ------------------------------------------------------------------ where sign-in leads

NEXT_TARGETS = [
    ("/staff/dashboard", "/staff/dashboard"),
    ("/staff/complaints/TS-0000-0000-0000-000?tab=events", "/staff/complaints/TS-0000-0000-0000-000?tab=events"),
    ("/staff?view=mine", "/staff?view=mine"),
    ("https://evil.example/", "/staff"),
    ("https://evil.example/staff/dashboard", "/staff"),
    ("//evil.example", "/staff"),
    ("//evil.example/staff", "/staff"),
    ("/\\evil", "/staff"),
    ("/staff\\..\\..\\evil", "/staff"),
    ("/help", "/staff"),
    ("/staffevil.example", "/staff"),
    ("javascript:alert(1)", "/staff"),
    ("", "/staff"),
]


@pytest.mark.parametrize("target, landing", NEXT_TARGETS, ids=[t or "empty" for t, _ in NEXT_TARGETS])
def test_next_after_sign_in_only_leads_inside_the_console(app, client, target, landing):
    email = new_staff(app)
    response = client.post("/staff/login", query_string={"next": target},
                           data={"email": email, "password": STAFF_PASSWORD})
    assert location(response) == landing


@pytest.mark.parametrize("target, landing", [("/staff/dashboard", "/staff/dashboard"), ("//evil.example", "/staff")])
def test_next_survives_the_code_step_only_inside_the_console(app, client, target, landing):
    secret = pyotp.random_base32()
    email = new_staff(app, "agent", totp_secret=secret)
    client.post("/staff/login", query_string={"next": target}, data={"email": email, "password": STAFF_PASSWORD})
    response = client.post("/staff/login/totp", query_string={"next": "https://evil.example/"},
                           data={"code": pyotp.TOTP(secret).now()})
    assert location(response) == landing


def test_the_sign_in_redirect_remembers_the_page_asked_for(app, client):
    email = new_staff(app)
    asked = client.get("/staff/dashboard")
    assert sent_to_sign_in(asked)
    response = client.post(location(asked), data={"email": email, "password": STAFF_PASSWORD})
    assert location(response) == "/staff/dashboard"


# ------------------------------------------------------------------ rate limits (counters are per app instance)

@pytest.mark.parametrize("path", ["/staff/login", "/staff/login/totp"])
def test_sign_in_posts_are_limited_to_ten_a_minute_per_client(app, client, path):
    email = new_staff(app)
    for _ in range(10):
        assert client.post(path, data={"email": UNKNOWN_EMAIL, "password": WRONG_PASSWORD, "code": "1"}
                           ).status_code != 429
    limited = client.post(path, data={"email": email, "password": STAFF_PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert client.get("/staff/login").status_code == 200  # only POSTs count

    other_client = app.test_client()
    other = other_client.post("/staff/login", data={"email": email, "password": STAFF_PASSWORD},
                              environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 302
