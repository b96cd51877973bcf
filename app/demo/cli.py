"""`flask demo seed`: fill an empty development database with labelled demo complaints."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.demo import bulk, seed as demo

demo_cli = AppGroup("demo", help="Demo data (never in production).")
# Up to this many complaints walk through the real services one by one; more are written in bulk.
SERVICES_LIMIT = 200


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when complaints already exist.")
@click.option("--count", default=24, show_default=True, type=click.IntRange(1),
              help=f"How many demo complaints to create (more than {SERVICES_LIMIT}: a year of history, in bulk).")
@click.option("--seed", "seed_value", default=2026, show_default=True, type=int,
              help="Random seed: the same seed gives the same stories.")
def seed(if_empty, count, seed_value):
    """Create demo complaints and print a few references and access codes to try tracking with."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        raise click.ClickException("Demo data is refused on a production configuration.")
    path = current_app.config["DATA_DIR"] / "demo-credentials.txt"
    if if_empty and demo.has_complaints():
        click.echo("Complaints already exist; no demo data added.")
        if path.exists():  # the second `make run` should still say where to find them
            click.echo(f"Demo references, access codes and console logins from the first run: {path}")
        return
    try:
        created = _create(count, seed_value)
    except demo.DemoRefused as refused:
        raise click.ClickException(str(refused)) from None
    logins = demo.demo_logins()
    lines = [f"{ref}  {code}\n" for ref, code in created]
    lines += [f"staff {role}  {email}  {password}\n" for role, email, password in logins]
    path.write_text("".join(lines), encoding="utf-8")
    path.chmod(0o600)
    click.echo(f"Created {count} demo complaints (labelled {demo.DEMO_LABEL}). Try tracking with:")
    for reference, code in created[:3]:
        click.echo(f"  {reference}  access code {code}")
    if logins:
        click.echo("Demo staff console logins (/staff; the supervisor sets up two-factor sign-in first):")
        for role, email, password in logins:
            click.echo(f"  {role}: {email}  password {password}")
    click.echo(f"All demo references, access codes and console logins: {path}")


def _create(count, seed_value):
    if count <= SERVICES_LIMIT:
        return demo.seed(count=count, seed_value=seed_value)
    click.echo(f"Writing {count:,} demo complaints with a year of history (seed {seed_value})…")
    return bulk.seed_history(count, seed_value, progress=_progress)


def _progress(done, total, seconds):
    click.echo(f"  {done:,} / {total:,} complaints ({seconds:.0f} s)")
