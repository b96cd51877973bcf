"""Configuration classes: the only module that reads the environment."""
import os
import secrets
import stat
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_database_url(url):
    """Point postgres URLs at psycopg 3 (SQLAlchemy's bare postgresql:// means psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _env_list(name):
    """A comma-separated setting as a tuple, or None when unset or empty."""
    items = tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())
    return items or None


# What each MAIL_BACKEND can deliver: the file and console backends record SMS like e-mail (for development
# and review); SMTP sends e-mail only (app/notifications/backends.py).
MAIL_BACKEND_CHANNELS = {"file": ("email", "sms"), "console": ("email", "sms"), "smtp": ("email",)}


def notify_channels(backend, wanted=None):
    """Return the channels to offer: `wanted` (default: all the backend delivers), refusing undeliverable ones."""
    if backend not in MAIL_BACKEND_CHANNELS:
        raise RuntimeError(f"MAIL_BACKEND must be one of {sorted(MAIL_BACKEND_CHANNELS)}, not {backend!r}")
    deliverable = MAIL_BACKEND_CHANNELS[backend]
    wanted = tuple(wanted or deliverable)
    undeliverable = [channel for channel in wanted if channel not in deliverable]
    if undeliverable:
        raise RuntimeError(f"NOTIFY_CHANNELS {list(wanted)}: MAIL_BACKEND={backend!r} delivers only "
                           f"{list(deliverable)}")
    return wanted


def _data_dir():
    return Path(os.environ.get("PORTAL_DATA_DIR") or BASE_DIR / "instance").resolve()


def _development_secret(data_dir):
    """Keep a random key under the data dir so sessions survive restarts of `make run`; only its owner may read it."""
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        _private_dir(data_dir)
        # Created 0600 from the start (not chmod-ed later): whoever reads it can forge any session.
        with os.fdopen(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_hex(32))
    else:
        _tighten(key_file, 0o600)
    return key_file.read_text().strip()


def _private_dir(path):
    """Create `path` readable by its owner only (0700), and tighten it if we own it and it is wider."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)


def _tighten(path, mode):
    """Drop group and other permissions from a file or folder we own (left alone when that is not possible)."""
    status = path.stat()
    if stat.S_IMODE(status.st_mode) & 0o077 and status.st_uid == os.geteuid():
        try:
            path.chmod(mode)
        except OSError:  # e.g. a file system without permissions; the operator's choice
            pass


def _cache_settings(redis_url, cache_type):
    """Flask-Caching settings: an explicit CACHE_TYPE wins, then Redis from REDIS_URL, then per-process memory."""
    if cache_type:
        return {"CACHE_TYPE": cache_type}
    if redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    return {"CACHE_TYPE": "SimpleCache"}


def _database_engine_options(config):
    """Engine options: on PostgreSQL, a pool per process and a quick end to unreachable, locked or hung queries."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    if not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return options
    budget = config["DATABASE_CONNECT_TIMEOUT_SECONDS"] + config["DATABASE_STATEMENT_TIMEOUT_SECONDS"]
    if budget >= config["WEB_WORKER_TIMEOUT_SECONDS"]:
        # Otherwise gunicorn kills a worker stuck on the database and API clients get its raw HTML 500.
        raise RuntimeError("DATABASE_CONNECT_TIMEOUT_SECONDS + DATABASE_STATEMENT_TIMEOUT_SECONDS must be shorter "
                           f"than GUNICORN_TIMEOUT ({config['WEB_WORKER_TIMEOUT_SECONDS']} s)")
    pg_options = (f"-c lock_timeout={int(config['DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS'] * 1000)} "
                  f"-c statement_timeout={int(config['DATABASE_STATEMENT_TIMEOUT_SECONDS'] * 1000)}")
    options.setdefault("pool_size", config["DATABASE_POOL_SIZE"] or config["WEB_THREADS"] + 1)
    options.setdefault("max_overflow", config["DATABASE_MAX_OVERFLOW"])
    options.setdefault("pool_timeout", config["DATABASE_POOL_TIMEOUT_SECONDS"])
    options["connect_args"] = {"connect_timeout": config["DATABASE_CONNECT_TIMEOUT_SECONDS"], "options": pg_options,
                               **options.get("connect_args", {})}
    return options


class Config:
    ENV_NAME = "base"
    DATA_DIR = _data_dir()
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means "an SQLite file in DATA_DIR", filled in by init_app once DATA_DIR is final.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # hide_parameters: a failed statement's error (and so the log) must not carry the values it wrote
    # (contact email, phone, description, access-code hash).
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    # How long to wait for the database write lock: CLI and background jobs wait long, a web request answers
    # 503 soon (docs/security.md); GET and HEAD, which mostly read, wait least. On PostgreSQL the request value
    # becomes lock_timeout and DATABASE_CONNECT_TIMEOUT_SECONDS bounds connecting.
    SQLITE_BUSY_TIMEOUT_SECONDS = 30
    DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_REQUEST_LOCK_TIMEOUT_SECONDS", "5"))
    DATABASE_READ_LOCK_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_READ_LOCK_TIMEOUT_SECONDS", "2"))
    DATABASE_CONNECT_TIMEOUT_SECONDS = int(os.environ.get("DATABASE_CONNECT_TIMEOUT_SECONDS", "5"))
    # A hung query (PostgreSQL statement_timeout, 0 = none, e.g. for a long migration) ends well before gunicorn's
    # worker timeout, so the user gets a 503 and the worker lives; init_app refuses settings that do not fit.
    DATABASE_STATEMENT_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT_SECONDS", "10"))
    # The web server's shape (gunicorn.conf.py: threads, timeout): each worker process has its own pool, one
    # connection per request thread plus one for the background jobs, so one node opens at most
    # workers × (pool size + overflow) connections (docs/deploy.md sizes max_connections from that).
    WEB_THREADS = int(os.environ.get("GUNICORN_THREADS", "4"))
    WEB_WORKER_TIMEOUT_SECONDS = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
    DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "0"))  # 0: WEB_THREADS + 1
    DATABASE_MAX_OVERFLOW = int(os.environ.get("DATABASE_MAX_OVERFLOW", "2"))
    # Waiting for a free pooled connection counts as "database busy" (503), not as a hang.
    DATABASE_POOL_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_POOL_TIMEOUT_SECONDS", "5"))
    CONTENT_DIR = Path(os.environ.get("PORTAL_CONTENT_DIR") or BASE_DIR / "content").resolve()
    # Rebuild the search index at start-up when it is missing, stale or corrupt.
    SEARCH_AUTO_REINDEX = _env_bool("SEARCH_AUTO_REINDEX", True)
    DATA_SUBDIRS = {"SEARCH_INDEX_DIR": "search-index", "UPLOAD_DIR": "evidence", "OUTBOX_DIR": "outbox"}

    REDIS_URL = os.environ.get("REDIS_URL")
    # Public pages kept whole per worker for visitors without a session (app/page_cache.py); 0 turns it off.
    PAGE_CACHE_SECONDS = float(os.environ.get("PAGE_CACHE_SECONDS", "5"))
    PAGE_CACHE_MAX_ENTRIES = 2048
    PAGE_CACHE_MAX_BYTES = 512 * 1024
    PAGE_CACHE_MAX_TOTAL_BYTES = 32 * 1024 * 1024
    # Flask-Caching: None means "Redis when REDIS_URL is set, else per-process memory", filled in by init_app.
    CACHE_TYPE = None
    CACHE_KEY_PREFIX = "kameng:"
    CACHE_DEFAULT_TIMEOUT = 300
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    # None means "Redis when REDIS_URL is set, else per-process memory", filled in by init_app.
    RATELIMIT_STORAGE_URI = None
    RATELIMIT_HEADERS_ENABLED = True
    # A moving window has no minute boundary at which a burst of guesses gets a fresh allowance.
    RATELIMIT_STRATEGY = "moving-window"

    # An hour spent writing a complaint must not end in "CSRF token expired".
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    # Strict-Transport-Security on every response; on in production, which is served behind TLS.
    HSTS_ENABLED = _env_bool("HSTS_ENABLED", False)
    HSTS_HEADER = "max-age=31536000"
    # How many proxies in front set X-Forwarded-For/-Proto (werkzeug ProxyFix): per-client rate limits need the
    # client's address, not the proxy's. 0 when clients connect directly, where the header could be forged.
    TRUSTED_PROXIES = int(os.environ.get("PORTAL_TRUSTED_PROXIES", "0"))
    PERMANENT_SESSION_LIFETIME = timedelta(days=7)
    MAX_CONTENT_LENGTH = 30 * 1024 * 1024

    # Complaint evidence, per complaint and per file. 30 M pixels admits long phone screenshots
    # (1440 × 20000) while keeping a decoded image near 100 MB of memory.
    EVIDENCE_MAX_FILES = 5
    EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
    EVIDENCE_MAX_PIXELS = 30_000_000

    # Disk filling by anonymous clients (docs/security.md). Rate limits are per client address and, with
    # "all clients", per process (per Redis when REDIS_URL is set). Upload limits count megabytes of request
    # bodies that carry files, on every upload path; draft limits count saves of the describe step.
    INTAKE_DRAFT_LIMIT = os.environ.get("INTAKE_DRAFT_LIMIT", "30 per hour")
    INTAKE_DRAFT_LIMIT_ALL_CLIENTS = os.environ.get("INTAKE_DRAFT_LIMIT_ALL_CLIENTS", "3000 per hour")
    UPLOAD_MB_LIMIT = os.environ.get("UPLOAD_MB_LIMIT", "200 per hour")
    UPLOAD_MB_LIMIT_ALL_CLIENTS = os.environ.get("UPLOAD_MB_LIMIT_ALL_CLIENTS", "5000 per hour")
    DEFLECT_LIMIT = os.environ.get("DEFLECT_LIMIT", "5 per minute;20 per hour")
    # All files on unsubmitted drafts together; to make room, drafts idle for DRAFT_EVICTION_IDLE_MINUTES are
    # purged oldest first, and when that is not enough the upload is refused with 503.
    DRAFT_UPLOAD_QUOTA_MB = float(os.environ.get("DRAFT_UPLOAD_QUOTA_MB", "2048"))
    DRAFT_EVICTION_IDLE_MINUTES = int(os.environ.get("DRAFT_EVICTION_IDLE_MINUTES", "60"))
    # Uploads are refused (503) while the data dir's disk has less free space than this, which keeps room for the
    # database, the search index and the outbox.
    STORAGE_MIN_FREE_MB = int(os.environ.get("STORAGE_MIN_FREE_MB", "1024"))
    # A process killed between writing an evidence file and committing its row leaves the file behind; a background
    # job in each process deletes such files once older than the longest request (gunicorn's timeout and more).
    EVIDENCE_SWEEP_BACKGROUND = _env_bool("EVIDENCE_SWEEP_BACKGROUND", True)
    EVIDENCE_SWEEP_INTERVAL_SECONDS = float(os.environ.get("EVIDENCE_SWEEP_INTERVAL_SECONDS", "900"))
    EVIDENCE_ORPHAN_MIN_AGE_SECONDS = float(os.environ.get("EVIDENCE_ORPHAN_MIN_AGE_SECONDS", "3600"))

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = {"zh": "中文", "en": "English"}
    LANGUAGE_COOKIE = "lang"
    PORTAL_TIMEZONE = "Asia/Shanghai"
    # Contact channels: weeks of observed contacts (page visits, complaints) blended into the demand baseline.
    CONTACT_DEMAND_WEEKS = 4

    # Public address of the portal, for links in emails and text messages.
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")  # file | console | smtp
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "卡盟服务中心 <noreply@kameng.example>")
    # The notification channels the complaint form offers. Unset: every channel MAIL_BACKEND delivers
    # (MAIL_BACKEND_CHANNELS); set, e.g. NOTIFY_CHANNELS=email, to offer fewer. No SMS gateway exists, so
    # with SMTP the form offers e-mail only and validation refuses "sms".
    NOTIFY_CHANNELS = _env_list("NOTIFY_CHANNELS")
    # Outbox delivery (docs/notifications.md): each process runs a background sender every
    # NOTIFY_INTERVAL_SECONDS unless NOTIFY_BACKGROUND is off (then run `flask notifications send`
    # from cron); a message is marked failed after MAIL_MAX_ATTEMPTS tries.
    NOTIFY_BACKGROUND = _env_bool("NOTIFY_BACKGROUND", True)
    NOTIFY_INTERVAL_SECONDS = float(os.environ.get("NOTIFY_INTERVAL_SECONDS", "15"))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "12"))

    COUNTER_FLUSH_SECONDS = float(os.environ.get("COUNTER_FLUSH_SECONDS", "30"))
    # Complaint SLAs in working time (public holidays and weekends do not count; waiting for the user pauses
    # the clock). Keyed by (category, priority); "*" is any category.
    COMPLAINT_SLA = {
        ("*", "normal"): {"first_response_hours": 24, "resolution_days": 5},
        ("*", "high"): {"first_response_hours": 8, "resolution_days": 5},
        # Fraud, theft and minors: the 4-hour first response runs every day, weekends and holidays included.
        ("*", "urgent"): {"first_response_hours": 4, "resolution_days": 3, "first_response_every_day": True},
        ("seller_fraud", "normal"): {"first_response_hours": 24, "resolution_days": 15},
        ("seller_fraud", "high"): {"first_response_hours": 8, "resolution_days": 15},
        ("paid_not_delivered", "normal"): {"first_response_hours": 24, "resolution_days": 10},
    }
    COMPLAINT_HIGH_AMOUNT_CENTS = 500_00
    COMPLAINT_DUPLICATE_WINDOW_DAYS = 30
    COMPLAINT_REOPEN_WINDOW_DAYS = 15
    # Public statistics (docs/transparency.md): a cached figure older than this, or older than the latest
    # complaint change, is served once more while one background thread recomputes it.
    TRANSPARENCY_MAX_AGE_SECONDS = 60
    TRANSPARENCY_BACKGROUND_REFRESH = _env_bool("TRANSPARENCY_BACKGROUND_REFRESH", True)
    ACCESS_CODE_MAX_FAILURES = 5
    ACCESS_CODE_LOCK_MINUTES = 15

    # Staff console (docs/staff.md): sign-in lockout, idle sign-out, "who has this case open", alerts.
    STAFF_MAX_FAILED_LOGINS = 5
    STAFF_LOCK_MINUTES = 15
    STAFF_IDLE_MINUTES = 30
    STAFF_PRESENCE_SECONDS = 120
    STAFF_QUEUE_PAGE_SIZE = 25
    # A held case due within this many hours alerts its holder once; the sweep also escalates overdue cases.
    STAFF_DUE_SOON_HOURS = 2
    OVERSIGHT_BACKGROUND = _env_bool("OVERSIGHT_BACKGROUND", True)
    OVERSIGHT_INTERVAL_SECONDS = float(os.environ.get("OVERSIGHT_INTERVAL_SECONDS", "300"))

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # /metrics answers these addresses or networks only (a 404 for everyone else): the node itself by default,
    # e.g. METRICS_ALLOWED_ADDRESSES=127.0.0.1,10.0.0.0/8 for a Prometheus server on the private network.
    METRICS_ALLOWED_ADDRESSES = _env_list("METRICS_ALLOWED_ADDRESSES") or ("127.0.0.1", "::1")
    # prometheus_client's own variable: a folder where each gunicorn worker writes its counters (docs/deploy.md).
    METRICS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    DEMO_DATA_ALLOWED = True

    @staticmethod
    def init_app(config):
        """Derive paths from DATA_DIR (after test overrides) and check the settings."""
        data_dir = config["DATA_DIR"] = Path(config["DATA_DIR"])
        # The data dir holds the database, evidence and the outbox: personal data, for the portal's user only.
        _private_dir(data_dir)
        for key, subdir in config["DATA_SUBDIRS"].items():
            config.setdefault(key, data_dir / subdir)
        config["RATELIMIT_STORAGE_URI"] = config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"
        config.update(_cache_settings(config.get("REDIS_URL"), config.get("CACHE_TYPE")))
        uri = config.get("SQLALCHEMY_DATABASE_URI") or f"sqlite:///{data_dir / 'portal.sqlite3'}"
        config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(uri)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = _database_engine_options(config)
        config["NOTIFY_CHANNELS"] = notify_channels(config["MAIL_BACKEND"], config.get("NOTIFY_CHANNELS"))


class DevelopmentConfig(Config):
    ENV_NAME = "development"

    @staticmethod
    def init_app(config):
        Config.init_app(config)
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _development_secret(Path(config["DATA_DIR"]))


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    WTF_CSRF_ENABLED = False
    PAGE_CACHE_SECONDS = 0  # tests see every change at once; tests/test_page_cache.py turns it on
    REDIS_URL = None  # tests opt in to Redis explicitly (tests/test_redis.py)
    # Tests deliver explicitly and never through a real mail server.
    NOTIFY_BACKGROUND = False
    OVERSIGHT_BACKGROUND = False
    EVIDENCE_SWEEP_BACKGROUND = False
    TRANSPARENCY_BACKGROUND_REFRESH = False
    MAIL_BACKEND = "file"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    HSTS_ENABLED = _env_bool("HSTS_ENABLED", True)
    DEMO_DATA_ALLOWED = False

    @staticmethod
    def init_app(config):
        if not config.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production (PORTAL_ENV=production).")
        Config.init_app(config)


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def get_config(name=None):
    """Return the config class named by `name` or by PORTAL_ENV (default: development)."""
    name = name or os.environ.get("PORTAL_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown PORTAL_ENV {name!r}; use one of {sorted(CONFIGS)}") from None
