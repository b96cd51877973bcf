"""The staff console: sign-in, the queue, case work, oversight and accounts (over the domain services)."""
from app.staff import (auth_views, case_views, oversight_views, report_views,  # noqa: F401  (each adds routes)
                       summary_views)
from app.staff.blueprint import bp

__all__ = ["bp"]
