"""JSON API at /api/v1: thin modules over the feature services; errors use one JSON envelope."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import resources  # noqa: E402,F401
