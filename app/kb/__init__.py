"""Help center: Markdown articles, their derived search index, views, votes and view counts."""
from flask import Blueprint

bp = Blueprint("kb", __name__)

from app.kb import views  # noqa: E402,F401
