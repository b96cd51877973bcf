"""Application factory: load config, bind extensions, register blueprints. No logic here."""
from flask import Flask

from config import get_config


def create_app(config_name=None, **overrides):
    """Create the portal app; `overrides` replace config values (used by tests and tools)."""
    app = Flask(__name__)
    config_class = get_config(config_name)
    app.config.from_object(config_class)
    app.config.update(overrides)
    config_class.init_app(app.config)
    _configure_json(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_readiness_checks(app)
    _register_demand_sources(app)
    _register_background_jobs(app)
    _register_hooks(app)
    _wrap_wsgi(app)
    return app


def _configure_json(app):
    # API answers are mostly Chinese: send UTF-8 text rather than \u escapes, and say so in the Content-Type.
    app.json.ensure_ascii = False
    app.json.mimetype = "application/json; charset=utf-8"


def _init_extensions(app):
    from app import i18n
    from app import database
    from app import counters
    from app.extensions import babel, cache, csrf, db, limiter, migrate
    from app.kb import services as kb_services
    from app.accounts import login
    from app.notifications import models as notification_models  # noqa: F401  (tables for migrations)

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    limiter.init_app(app)
    cache.init_app(app)
    login.init_app(app)
    counters.init_app(app)
    kb_services.init_app(app)


def _register_blueprints(app):
    from app.api import bp as api_bp, docs_bp as api_docs_bp
    from app.contact.views import bp as contact_bp
    from app.extensions import csrf
    from app.intake.views import bp as intake_bp
    from app.kb.views import bp as kb_bp
    from app.main.views import bp as main_bp
    from app.staff import bp as staff_bp
    from app.tracking.views import bp as tracking_bp
    from app.transparency.views import bp as transparency_bp
    from app import security

    security.init_url_converters(app)
    app.register_blueprint(main_bp)
    app.register_blueprint(kb_bp)
    app.register_blueprint(intake_bp)
    app.register_blueprint(contact_bp)
    app.register_blueprint(tracking_bp)
    app.register_blueprint(transparency_bp)
    app.register_blueprint(staff_bp)
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_docs_bp)


def _register_readiness_checks(app):
    from app.complaints.uploads import storage_health
    from app.kb.services import index_health
    from app.main.health import check_database

    app.extensions["portal_readiness_checks"] = {"database": check_database, "evidence_storage": storage_health,
                                                 "search_index": index_health}


def _register_demand_sources(app):
    from app.complaints.demand import complaints_per_hour
    from app.contact import demand

    demand.init_app(app, sources=[complaints_per_hour])


def _register_background_jobs(app):
    from app.background import PeriodicJob, start_when_serving
    from app.complaints.casework import sweep
    from app.complaints.uploads import sweep_orphans

    app.extensions["oversight"] = PeriodicJob(app, "staff-oversight", app.config["OVERSIGHT_INTERVAL_SECONDS"],
                                              lambda: sweep(app.config["STAFF_DUE_SOON_HOURS"]))
    start_when_serving(app, "oversight", "OVERSIGHT_BACKGROUND")
    app.extensions["evidence_sweep"] = PeriodicJob(app, "evidence-sweep", app.config["EVIDENCE_SWEEP_INTERVAL_SECONDS"],
                                                   lambda: sweep_orphans(app.config["EVIDENCE_ORPHAN_MIN_AGE_SECONDS"]))
    start_when_serving(app, "evidence_sweep", "EVIDENCE_SWEEP_BACKGROUND")


def _register_hooks(app):
    from app import (cli, errors, fragments, http_caching, i18n, metrics, navigation, notifications, observability,
                     page_cache, security)

    observability.init_app(app)
    metrics.init_app(app)
    security.init_app(app)
    http_caching.init_app(app)
    page_cache.init_app(app)
    fragments.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    errors.init_app(app)
    notifications.init_app(app)
    cli.init_app(app)


def _wrap_wsgi(app):
    """WSGI layers, innermost first: kept pages are served once the trusted proxy headers are applied."""
    from app import page_cache, security

    page_cache.wrap(app)
    security.trust_proxies(app)
