"""What the home page shows: the most-read questions, the official channels open now, the last 30 days."""
from app.contact.hints import home_channel_statuses
from app.kb.services import most_read
from app.transparency.stats import cached_summary


def home_context():
    """Collect the home page's sections and the data they need."""
    recent = cached_summary(days=30)
    return {"home_sections": ["main/_home_most_read.html", "main/_home_channels.html", "main/_home_statistics.html"],
            "most_read": most_read(6), "channel_statuses": home_channel_statuses(), "recent_statistics": recent}
