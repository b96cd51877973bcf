"""Progress tracking by reference number, and the owner's follow-up (supplement, withdraw, rate, reopen)."""
from flask import Blueprint

bp = Blueprint("tracking", __name__, url_prefix="/track")

from app.tracking import views  # noqa: E402,F401
