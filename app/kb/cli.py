"""`flask kb ...`: validate content and rebuild the search index."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.complaints.replies import ReplyTemplateError, load_replies
from app.kb import search, services
from app.kb.content import ContentError, load_knowledge_base

kb_cli = AppGroup("kb", help="Help-center content and search index.")


@kb_cli.command("check")
def check():
    """Validate every article (front matter, categories, related slugs) and every reply template."""
    try:
        kb = load_knowledge_base(current_app.config["CONTENT_DIR"])
        replies = load_replies(current_app.config["CONTENT_DIR"])
    except (ContentError, ReplyTemplateError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"OK: {len(kb.by_type('faq'))} FAQ articles, {len(kb.by_type('guide'))} guides, "
               f"{len(replies)} reply templates.")


@kb_cli.command("reindex")
@click.option("--if-stale", is_flag=True, help="Only rebuild when the index is missing, stale or corrupt.")
def reindex(if_stale):
    """Rebuild the search index from content/ into a new directory and swap it in."""
    kb = services.knowledge_base()
    if if_stale:
        click.echo(f"Search index: {search.ensure_index(kb, current_app.config['SEARCH_INDEX_DIR'])}.")
        return
    build_dir = services.reindex()
    click.echo(f"Search index rebuilt with {len(kb.articles)} articles in {build_dir}.")
