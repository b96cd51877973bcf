"""`flask backup FOLDER` and `flask restore FOLDER`: the embedded default's backup and tested restore."""
import click
from flask import current_app
from flask.cli import with_appcontext

from app.backup import archive
from app.extensions import db


@click.command("backup")
@click.argument("target", type=click.Path(file_okay=False))
@with_appcontext
def backup_command(target):
    """Copy the SQLite database and the evidence files into the new folder TARGET, while serving."""
    config = current_app.config
    try:
        manifest = archive.create_backup(config["SQLALCHEMY_DATABASE_URI"], config["DATA_DIR"], config["UPLOAD_DIR"],
                                         target)
    except archive.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {target}: {manifest['tables'].get('complaint', 0)} complaints, "
               f"{len(manifest['files'])} evidence files")
    if manifest["missing_files"]:
        click.echo(f"warning: {len(manifest['missing_files'])} evidence files named in the database were missing",
                   err=True)


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Replace a data dir that already holds complaints or files.")
@with_appcontext
def restore_command(source, force):
    """Restore the backup folder SOURCE into this data dir (stop the portal first), then verify it."""
    config = current_app.config
    db.engine.dispose()  # no pooled connection may keep the old file open
    try:
        manifest = archive.restore_backup(source, config["SQLALCHEMY_DATABASE_URI"], config["DATA_DIR"],
                                          config["UPLOAD_DIR"], force=force)
    except archive.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored and verified: {manifest['tables'].get('complaint', 0)} complaints, "
               f"{len(manifest['files'])} evidence files; run `flask kb reindex` if the search index is missing")
