"""Migrations create the schema on every backend and agree with the models."""
import sqlalchemy as sa

from app.extensions import db


def test_models_and_migrations_agree(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_migrated_schema_has_every_model_table(app_context):
    tables = set(sa.inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app_context):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_migrating_in_the_apps_process_keeps_its_loggers_working(runner):
    import logging

    request_log = logging.getLogger("portal.request")
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert not request_log.disabled and not logging.getLogger("portal").disabled
