"""Public transparency: resolution statistics and anonymised outcomes anyone can browse and download."""
from flask import Blueprint

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

from app.transparency import views  # noqa: E402,F401
