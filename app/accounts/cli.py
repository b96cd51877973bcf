"""`flask staff create|disable|list`: manage staff accounts from the command line (there is no default account)."""
import sys

import click
from flask.cli import AppGroup

from app.accounts import services as accounts
from app.accounts.models import Role

staff_cli = AppGroup("staff", help="Staff accounts of the console.")


@staff_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default=None, help="The name users see, e.g. 客服阿杰 (default: the email's local part).")
def create(email, role, name):
    """Create an account; the password is read from a prompt, or from stdin twice when it is not a terminal."""
    password = _read_password()
    try:
        member = accounts.create(email, role, password, display_name=name)
    except accounts.AccountError as exc:
        raise click.ClickException(exc.message) from None
    note = " Two-factor sign-in will be set up at the first sign-in." if member.needs_totp else ""
    click.echo(f"Created {member.role} {member.email} ({member.display_name}).{note}")


def _read_password():
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    lines = sys.stdin.read().splitlines()
    if len(lines) < 2 or lines[0] != lines[1]:
        raise click.ClickException("Give the password twice on two lines of stdin; they must match.")
    return lines[0]


@staff_cli.command("disable")
@click.argument("email")
def disable(email):
    """Disable an account and sign it out everywhere."""
    member = accounts.find(email)
    if member is None:
        raise click.ClickException(f"No staff account {email}.")
    accounts.update(member, actor=None, active=False)
    click.echo(f"Disabled {member.email}.")


@staff_cli.command("list")
def list_accounts():
    """List every account with its role, state and two-factor status."""
    members = accounts.all_members()
    if not members:
        click.echo("No staff accounts yet. Create one with: flask --app wsgi staff create EMAIL --role admin")
    for m in members:
        state = "active" if m.active else "disabled"
        totp = "2fa" if m.totp_secret else ("2fa-pending" if m.needs_totp else "no-2fa")
        click.echo(f"{m.email}\t{m.role}\t{state}\t{totp}\t{m.display_name}")
