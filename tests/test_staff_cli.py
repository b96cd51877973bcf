"""`flask staff create|disable|list`: the only way to the first account (there is no default one)."""
import pytest

from app.accounts import services as accounts
from tests.factories import make_staff, staff_login

PASSWORD = "a long enough passphrase"
EMAIL = "ajie@kameng.example"


def create(runner, *args, stdin=f"{PASSWORD}\n{PASSWORD}\n", email=EMAIL, role="agent"):
    """Run `staff create` with the password typed twice on stdin (not a terminal)."""
    return runner.invoke(args=["staff", "create", email, "--role", role, *args], input=stdin)


def listing(runner):
    """`staff list` as {email: [role, state, 2fa, name]}."""
    result = runner.invoke(args=["staff", "list"])
    assert result.exit_code == 0, result.output
    return {fields[0]: fields[1:] for fields in (line.split("\t") for line in result.output.splitlines())
            if len(fields) > 1}


def test_a_fresh_database_has_no_staff_account(runner):
    result = runner.invoke(args=["staff", "list"])
    assert result.exit_code == 0
    assert "No staff accounts yet" in result.output
    assert listing(runner) == {}


def test_create_makes_an_account_with_the_name_users_see(app, runner):
    result = create(runner, "--name", "客服阿杰")
    assert result.exit_code == 0, result.output
    assert f"Created agent {EMAIL} (客服阿杰)." in result.output
    with app.app_context():
        member = accounts.find(EMAIL)
        assert (member.role, member.display_name, member.active) == ("agent", "客服阿杰", True)


def test_the_password_is_stored_as_an_argon2id_hash_only(app, runner):
    create(runner)
    with app.app_context():
        stored_hash = accounts.find(EMAIL).password_hash
    assert stored_hash.startswith("$argon2id$")
    assert PASSWORD not in stored_hash
    assert PASSWORD not in create(runner, email="other@kameng.example").output


def test_the_created_account_can_sign_in(app, runner, client):
    create(runner)
    assert staff_login(client, EMAIL, PASSWORD).headers["Location"] == "/staff"


def test_without_a_name_the_emails_local_part_is_shown(app, runner):
    create(runner)
    assert listing(runner)[EMAIL][3] == "ajie"


def test_the_email_is_stored_in_lower_case(app, runner):
    assert create(runner, email="AJie@Kameng.Example").exit_code == 0
    assert EMAIL in listing(runner)


REFUSALS = [
    ("mismatched passwords", {"stdin": f"{PASSWORD}\n{PASSWORD}x\n"}, "they must match"),
    ("the password only once", {"stdin": f"{PASSWORD}\n"}, "twice"),
    ("no password", {"stdin": ""}, "twice"),
    ("a password under 12 characters", {"stdin": "elevenchars\nelevenchars\n"}, "at least 12 characters"),
    ("an invalid email", {"email": "not-an-email"}, "invalid email"),
    ("an email without a domain dot", {"email": "ajie@localhost"}, "invalid email"),
    ("an unknown role", {"role": "superuser"}, "Invalid value for '--role'"),
]


@pytest.mark.parametrize("case, arguments, message", REFUSALS, ids=[case for case, _, _ in REFUSALS])
def test_create_refuses_bad_input_with_a_clear_message(runner, case, arguments, message):
    result = create(runner, **arguments)
    assert result.exit_code != 0
    assert message in result.output
    assert listing(runner) == {}


def test_create_refuses_an_existing_email(runner):
    assert create(runner).exit_code == 0
    result = create(runner, email=EMAIL.upper(), role="admin")
    assert result.exit_code != 0
    assert "an account with this email exists" in result.output
    assert listing(runner)[EMAIL][0] == "agent"


def test_disable_disables_the_account_and_its_sign_in(app, runner, client):
    create(runner)
    result = runner.invoke(args=["staff", "disable", EMAIL])
    assert result.exit_code == 0 and f"Disabled {EMAIL}." in result.output
    assert listing(runner)[EMAIL][1] == "disabled"
    assert staff_login(client, EMAIL, PASSWORD).status_code == 400


def test_disable_signs_the_member_out_at_once(app, runner, client, signed_in):
    email = signed_in("agent")
    assert client.get("/staff").status_code == 200
    assert runner.invoke(args=["staff", "disable", email]).exit_code == 0
    assert client.get("/staff").headers["Location"].startswith("/staff/login")


def test_disable_of_an_unknown_email_fails_clearly(runner):
    result = runner.invoke(args=["staff", "disable", "nobody@kameng.example"])
    assert result.exit_code != 0
    assert "No staff account nobody@kameng.example" in result.output


def test_list_shows_role_state_and_two_factor_status_of_every_account(app, runner):
    with app.app_context():
        make_staff("agent", email="agent@kameng.example", name="客服阿杰")
        make_staff("agent", email="gone@kameng.example", name="客服小周")
        make_staff("supervisor", email="lin@kameng.example", name="主管小林")
        make_staff("admin", email="admin@kameng.example", name="管理员", totp_secret="JBSWY3DPEHPK3PXP")
        accounts.update(accounts.find("gone@kameng.example"), actor=None, active=False)
    assert listing(runner) == {
        "agent@kameng.example": ["agent", "active", "no-2fa", "客服阿杰"],
        "gone@kameng.example": ["agent", "disabled", "no-2fa", "客服小周"],
        "lin@kameng.example": ["supervisor", "active", "2fa-pending", "主管小林"],
        "admin@kameng.example": ["admin", "active", "2fa", "管理员"],
    }


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_a_supervisor_or_admin_from_the_cli_sets_up_two_factor_at_first_sign_in(app, runner, client, role):
    result = create(runner, role=role)
    assert result.exit_code == 0 and "Two-factor sign-in will be set up at the first sign-in." in result.output
    assert staff_login(client, EMAIL, PASSWORD).status_code == 302
    assert client.get("/staff").headers["Location"] == "/staff/totp/setup"


def test_an_agent_from_the_cli_goes_straight_to_the_queue(app, runner, client):
    assert "Two-factor" not in create(runner).output
    staff_login(client, EMAIL, PASSWORD)
    assert client.get("/staff").status_code == 200
