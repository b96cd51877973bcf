"""`flask kb ...`: validate content, rebuild the search index and list the searches that found nothing."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.complaints.replies import ReplyTemplateError, load_replies
from app.kb import index, services
from app.kb.content import MIN_ASKED_AS, ContentError, load_knowledge_base, thin_asked_as

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
    thin = thin_asked_as(kb)
    if thin:
        click.echo(f"{len(thin)} articles have fewer than {MIN_ASKED_AS} \"also asked as\" phrasings (asked_as):")
        for article in thin:
            click.echo(f"  {article.type}/{article.slug}: {len(article.asked_as)}")


@kb_cli.command("gaps")
@click.option("--limit", default=30, show_default=True, help="How many searches to list.")
def gaps(limit):
    """List the help-center searches that found nothing, most frequent first: the content to write next."""
    found = services.zero_result_searches(limit=limit)
    if not found:
        click.echo("No recorded searches without results.")
        return
    width = max(len(str(times)) for _, times in found)
    for query, times in found:
        click.echo(f"{times:>{width}}  {query}")


@kb_cli.command("reindex")
@click.option("--if-stale", is_flag=True, help="Only rebuild when the index is missing, stale or corrupt.")
def reindex(if_stale):
    """Rebuild the search index from content/ into a new directory and swap it in."""
    kb = services.knowledge_base()
    if if_stale:
        click.echo(f"Search index: {index.ensure_index(kb, current_app.config['SEARCH_INDEX_DIR'])}.")
        return
    build_dir = services.reindex()
    click.echo(f"Search index rebuilt with {len(kb.articles)} articles in {build_dir}.")
