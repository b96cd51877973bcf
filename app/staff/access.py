"""Who may open what in the console: everything needs a signed-in member; some pages need a higher role."""
import functools

from flask import abort
from flask_login import current_user

from app.accounts.models import Role

# Reachable without signing in: the sign-in steps themselves.
PUBLIC_ENDPOINTS = frozenset({"staff.login", "staff.login_totp"})
# Reachable while signed in with a password but not yet enrolled in two-factor sign-in that the role needs.
ENROLMENT_ENDPOINTS = frozenset({"staff.totp_setup", "staff.logout"})


def role_required(role):
    """Refuse the view (403) to members below `role`; the role is kept on the view for the access tests."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_role = Role(role)
        return wrapped
    return decorate


supervisor_required = role_required(Role.SUPERVISOR)
admin_required = role_required(Role.ADMIN)
