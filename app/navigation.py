"""Site navigation: an entry appears once its feature's blueprint is registered."""
from flask import current_app, request
from flask_babel import lazy_gettext as _l

NAV_ITEMS = [
    ("main.index", _l("首页")),
    ("kb.index", _l("帮助中心")),
    ("contact.index", _l("联系渠道")),
    ("intake.new", _l("我要投诉")),
    ("tracking.index", _l("进度查询")),
    ("transparency.index", _l("公示与统计")),
]


def nav_items():
    """Return (endpoint, label, is_current) for the features this app serves."""
    current_section = (request.endpoint or "").split(".")[0]
    return [(endpoint, label, endpoint.split(".")[0] == current_section)
            for endpoint, label in NAV_ITEMS if endpoint in current_app.view_functions]


def has_endpoint(endpoint):
    """Tell templates whether a feature's page exists."""
    return endpoint in current_app.view_functions


def init_app(app):
    app.jinja_env.globals.update(nav_items=nav_items, has_endpoint=has_endpoint)
