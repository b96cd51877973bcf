"""What the home page shows: the most-read questions, the official channels open now, the last 30 days."""
from app.contact.hints import home_channel_statuses
from app.extensions import cache
from app.kb.services import knowledge_base, most_read
from app.transparency.stats import cached_summary

MOST_READ_COUNT = 6
# View counts reach the database every 30 s per worker anyway; a minute-old list costs nobody anything.
MOST_READ_CACHE_SECONDS = 60
MOST_READ_CACHE_KEY = "home:most-read"


def home_context():
    """Collect the home page's sections and the data they need."""
    recent = cached_summary(days=30)
    return {"home_sections": ["main/_home_most_read.html", "main/_home_channels.html", "main/_home_statistics.html"],
            "most_read": cached_most_read(), "channel_statuses": home_channel_statuses(),
            "recent_statistics": recent}


def cached_most_read():
    """Return the most-read articles, ranked at most once a minute (shared between workers through the cache)."""
    articles = knowledge_base().articles
    slugs = cache.get(MOST_READ_CACHE_KEY)
    if slugs is None or any(slug not in articles for slug in slugs):
        slugs = [article.slug for article in most_read(MOST_READ_COUNT)]
        cache.set(MOST_READ_CACHE_KEY, slugs, timeout=MOST_READ_CACHE_SECONDS)
    return [articles[slug] for slug in slugs]
