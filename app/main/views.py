"""Views of the site shell."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from app.main.health import readiness_report
from app.main.home import home_context

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Show the home page that routes people to self-help, channels and complaints."""
    return render_template("main/index.html", **home_context())


@bp.get("/lang/<code>")
def set_language(code):
    """Remember the chosen language in a cookie and go back to where the user was."""
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    response = redirect(_safe_next(request.args.get("next")))
    response.set_cookie(current_app.config["LANGUAGE_COOKIE"], code, max_age=365 * 24 * 3600,
                        samesite="Lax", httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/healthz")
def healthz():
    """Report that the process is up."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Report whether the database and the search index can serve requests."""
    ready, checks = readiness_report(current_app.extensions["portal_readiness_checks"])
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def _safe_next(target):
    """Only follow local paths, so the switch cannot be used as an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
                and "\\" not in target and target.isprintable():
            return target
    return url_for("main.index")
