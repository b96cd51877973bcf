"""Who may open what in the staff console: signed-in members only, higher roles for some pages, nothing cached."""
import re
from urllib.parse import urlsplit

import pytest

from app.accounts import services as accounts
from app.accounts.models import ROLE_RANK, Role
from app.staff.access import PUBLIC_ENDPOINTS

# Dummy values for URL arguments: a well-formed complaint reference for strings, 1 for numbers.
DUMMY_REFERENCE = "TS-0000-0000-0000-000"
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
NUMBER_CONVERTERS = {"int", "float"}


def console_requests(app, methods=("GET", "POST")):
    """Every (method, path, endpoint) the console answers, with dummy values filled into the URL."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/staff"):
            continue
        path = ARGUMENT.sub(lambda m: "1" if m.group(1) in NUMBER_CONVERTERS else DUMMY_REFERENCE, rule.rule)
        found += [(method, path, rule.endpoint) for method in methods if method in rule.methods]
    return found


def role_restricted_requests(app):
    """The console requests whose view carries `required_role`, with that role."""
    return [(method, path, endpoint, app.view_functions[endpoint].required_role)
            for method, path, endpoint in console_requests(app)
            if getattr(app.view_functions[endpoint], "required_role", None)]


def sent_to_sign_in(response):
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/staff/login"


def test_anonymous_visitors_get_nothing_but_the_sign_in_pages(client, app):
    requests = console_requests(app)
    answered = [(method, path, client.open(path, method=method)) for method, path, _ in requests]
    endpoints = {path: endpoint for _, path, endpoint in requests}

    not_redirected = [(method, path, r.status_code) for method, path, r in answered
                      if endpoints[path] not in PUBLIC_ENDPOINTS and not sent_to_sign_in(r)]
    open_pages = {endpoints[path] for _, path, r in answered if 200 <= r.status_code < 300}
    assert not_redirected == []
    assert open_pages <= PUBLIC_ENDPOINTS
    assert len({endpoint for endpoint in endpoints.values() if endpoint not in PUBLIC_ENDPOINTS}) > 15


def test_the_sign_in_page_is_open_to_anonymous_visitors(client):
    assert client.get("/staff/login").status_code == 200


def test_the_code_step_without_a_password_step_goes_back_to_sign_in(client):
    assert sent_to_sign_in(client.get("/staff/login/totp"))
    assert sent_to_sign_in(client.post("/staff/login/totp", data={"code": "123456"}))


@pytest.mark.parametrize("role", list(Role))
def test_pages_above_a_members_role_answer_403_and_the_others_do_not(app, client, signed_in, role):
    signed_in(role)
    walk = role_restricted_requests(app)
    expected = {(method, path): ROLE_RANK[Role(role)] < ROLE_RANK[required] for method, path, _, required in walk}

    forbidden = {(method, path): client.open(path, method=method).status_code == 403 for method, path, _, _ in walk}
    assert forbidden == expected
    assert {"staff.audit_log", "staff.account_list", "staff.account_update"} <= {e for _, _, e, _ in walk}


def test_the_audit_log_is_for_supervisors_and_the_accounts_pages_for_admins(app):
    required = {endpoint: role for _, _, endpoint, role in role_restricted_requests(app)}
    assert required["staff.audit_log"] == Role.SUPERVISOR
    assert required["staff.account_list"] == required["staff.account_update"] == Role.ADMIN


def test_a_supervisor_can_read_the_audit_log(client, signed_in):
    signed_in("supervisor")
    assert client.get("/staff/audit").status_code == 200


def test_an_admin_can_open_the_accounts_page(client, signed_in):
    signed_in("admin")
    assert client.get("/staff/accounts").status_code == 200


@pytest.mark.parametrize("role", [None, *Role])
def test_every_console_page_is_marked_no_store(app, client, signed_in, role):
    if role:
        signed_in(role)
    # Signed in, only GET: a POST to /staff/logout in the middle would end the walk's session.
    requests = console_requests(app, methods=("GET",) if role else ("GET", "POST"))
    cache_control = {(method, path): client.open(path, method=method).headers.get("Cache-Control")
                     for method, path, _ in requests}
    assert {key: value for key, value in cache_control.items() if value != "no-store"} == {}
    assert ("GET", "/staff/login") in cache_control


def test_the_sign_in_page_is_marked_no_store(client):
    assert client.get("/staff/login").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role, change", [("agent", {"active": False}), ("supervisor", {"active": False}),
                                          ("supervisor", {"reset_totp": True})])
def test_a_disabled_or_reset_members_session_stops_working_at_once(app, client, signed_in, role, change):
    email = signed_in(role)
    assert client.get("/staff").status_code == 200
    with app.app_context():
        accounts.update(accounts.find(email), actor=None, **change)
    assert sent_to_sign_in(client.get("/staff"))


def test_a_demoted_admin_loses_the_accounts_pages_at_once(app, client, signed_in):
    email = signed_in("admin")
    assert client.get("/staff/accounts").status_code == 200
    with app.app_context():
        accounts.update(accounts.find(email), actor=None, role=Role.AGENT)
    assert client.get("/staff/accounts").status_code == 403
