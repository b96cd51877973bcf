"""Write a backup folder from the live data dir, and restore one into an empty data dir.

A backup folder holds `portal.sqlite3` (a consistent copy taken with SQLite's online backup API while the
portal keeps serving), `evidence/` (every stored file), `secret_key` when the data dir has one (access codes
are hashed with it) and `manifest.json` (counts and checksums, to verify a restore). The database is copied
first and the files second, so every file the copied database names is in the backup.
"""
import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.timeutil import utcnow

DATABASE_FILE = "portal.sqlite3"
EVIDENCE_DIR = "evidence"
SECRET_FILE = "secret_key"
MANIFEST_FILE = "manifest.json"


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do instead."""


def sqlite_path(database_uri):
    """The database file of an SQLite URI; BackupError for any other database."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(f"the database is {url.get_backend_name()}, not the embedded SQLite: back it up with "
                          "pg_dump and restore it with pg_restore (docs/deploy.md), and copy the evidence storage")
    return Path(url.database)


def create_backup(database_uri, data_dir, upload_dir, target):
    """Copy the database and the evidence files into the new folder `target`; return the manifest."""
    source = sqlite_path(database_uri)
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; give a new folder")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    _copy_database(source, target / DATABASE_FILE)
    facts = _database_facts(target / DATABASE_FILE)
    files = _copy_files(Path(upload_dir), target / EVIDENCE_DIR)
    missing = sorted(set(facts.pop("stored_names")) - set(files))
    secret = Path(data_dir) / SECRET_FILE
    if secret.exists():
        shutil.copy2(secret, target / SECRET_FILE)
    manifest = {"created_at": utcnow().isoformat(), **facts, "files": files, "missing_files": missing}
    (target / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def restore_backup(source, database_uri, data_dir, upload_dir, force=False):
    """Restore the backup folder `source` into the data dir; refuse a dir holding data unless `force`."""
    source, database, upload_dir = Path(source), sqlite_path(database_uri), Path(upload_dir)
    manifest = _read_manifest(source)
    holding = _data_present(database, upload_dir)
    if holding and not force:
        raise BackupError(f"{holding} already holds data; restore into an empty data dir, or pass --force to "
                          "replace it")
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _replace_database(source / DATABASE_FILE, database)
    if upload_dir.exists():
        shutil.rmtree(upload_dir)
    shutil.copytree(source / EVIDENCE_DIR, upload_dir)
    if (source / SECRET_FILE).exists():
        shutil.copy2(source / SECRET_FILE, Path(data_dir) / SECRET_FILE)
    return verify_restore(manifest, database, upload_dir)


def verify_restore(manifest, database, upload_dir):
    """Check the restored database and files against the manifest; return the manifest or raise BackupError."""
    facts = _database_facts(database)
    problems = [f"{table}: {facts['tables'].get(table)} rows, backup had {count}"
                for table, count in manifest["tables"].items() if facts["tables"].get(table) != count]
    problems += [f"evidence file {name} missing or changed" for name, digest in manifest["files"].items()
                 if _sha256(upload_dir / name) != digest]
    if problems:
        raise BackupError("restore does not match the backup: " + "; ".join(problems[:10]))
    return manifest


def _copy_database(source, destination):
    if not source.exists():
        raise BackupError(f"no database at {source}")
    # The online backup API copies a consistent snapshot page by page while other connections keep writing.
    with sqlite3.connect(source) as live, sqlite3.connect(destination) as copy:
        live.backup(copy)
    _check_integrity(destination)


def _replace_database(backup_file, database):
    partial = database.with_name(database.name + ".restoring")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(backup_file) as backup, sqlite3.connect(partial) as copy:
        backup.backup(copy)
    _check_integrity(partial)
    for suffix in ("-wal", "-shm"):  # the old database's journal must not be replayed over the new file
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    os.replace(partial, database)


def _check_integrity(path):
    connection = sqlite3.connect(path)
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()
    if result != "ok":
        raise BackupError(f"{path} failed the integrity check: {result}")


def _database_facts(path):
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            tables = {name: connection.scalar(sa.text(f'SELECT count(*) FROM "{name}"'))
                      for name in sa.inspect(connection).get_table_names()}
            names = connection.scalars(sa.text("SELECT stored_name FROM evidence")).all() if "evidence" in tables else []
            version = connection.scalar(sa.text("SELECT version_num FROM alembic_version")) \
                if "alembic_version" in tables else None
    finally:
        engine.dispose()
    return {"schema_version": version, "tables": tables, "stored_names": names}


def _copy_files(upload_dir, destination):
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = {}
    for path in sorted(upload_dir.iterdir()) if upload_dir.is_dir() else ():
        if path.is_file() and not path.name.startswith("."):  # dot files are uploads still being written
            shutil.copy2(path, destination / path.name)
            files[path.name] = _sha256(destination / path.name)
    return files


def _data_present(database, upload_dir):
    # A database with the schema but no rows (after `flask db upgrade`) holds nothing a restore could destroy.
    if database.exists() and database.stat().st_size > 0 and any(
            count for table, count in _database_facts(database)["tables"].items() if table != "alembic_version"):
        return database
    if upload_dir.is_dir() and any(upload_dir.iterdir()):
        return upload_dir
    return None


def _read_manifest(source):
    try:
        return json.loads((source / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a backup folder ({MANIFEST_FILE}: {exc})") from None


def _sha256(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
