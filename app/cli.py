"""Flask CLI commands; each feature contributes its own command group."""


def init_app(app):
    from app.backup.cli import backup_command, restore_command

    for group in [*_command_groups(), backup_command, restore_command]:
        app.cli.add_command(group)


def _command_groups():
    from app.accounts.cli import staff_cli
    from app.complaints.cli import complaints_cli
    from app.demo.cli import demo_cli
    from app.kb.cli import kb_cli
    from app.notifications.cli import notifications_cli
    from app.transparency.cli import privacy_cli

    return [complaints_cli, demo_cli, kb_cli, notifications_cli, privacy_cli, staff_cli]
