"""Official contact channels: directory, holiday-aware opening hours, waiting-time hints, fake-number check."""
from flask import Blueprint

bp = Blueprint("contact", __name__, url_prefix="/contact")

from app.contact import views  # noqa: E402,F401
