"""Complaints: the domain (states, models, services, triage) and the intake journey."""
from flask import Blueprint

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

from app.complaints import demand, views  # noqa: E402,F401
