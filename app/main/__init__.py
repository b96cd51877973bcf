"""Site shell: home page, language switch, health and readiness probes."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from app.main import views  # noqa: E402,F401
