"""Flask-Login wiring for staff: the session names an account and its current session token."""
from flask_babel import lazy_gettext as _l

from app.accounts import services
from app.accounts.models import StaffMember  # noqa: F401  (the table must be known before any mapper configures)
from app.extensions import login_manager


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.login_message = _l("请先登录客服工作台。")
    login_manager.login_message_category = "info"
    # The session token in the user id is the revocation; "strong" would also sign out on a changed
    # network, which breaks agents on mobile connections and behind load balancers.
    login_manager.session_protection = "basic"
    login_manager.user_loader(services.load)
