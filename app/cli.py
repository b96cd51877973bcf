"""Flask CLI commands; each feature contributes its own command group."""


def init_app(app):
    for group in _command_groups():
        app.cli.add_command(group)


def _command_groups():
    from app.kb.cli import kb_cli
    from app.notifications.cli import notifications_cli

    return [kb_cli, notifications_cli]
