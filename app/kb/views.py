"""Help-center pages: overview, categories, articles, search and "was this helpful?" votes."""
import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import page_cache
from app.extensions import limiter
from app.kb import services
from app.kb.content import ARTICLE_TYPES
from app.kb.forms import FeedbackForm, SearchForm

VISITOR_COOKIE = "kb_visitor"
FOLDER_TYPES = {folder: article_type for article_type, folder in ARTICLE_TYPES.items()}

bp = Blueprint("kb", __name__)


@bp.get("/help")
def index():
    """List categories with article counts, the most-read articles and all guides."""
    kb = services.knowledge_base()
    counts = {cid: len(kb.in_category(cid)) for cid in kb.categories}
    return render_template("kb/index.html", kb=kb, counts=counts, most_read=services.most_read(8),
                           guides=sorted(kb.by_type("guide"), key=lambda a: a.slug), form=SearchForm())


@bp.get("/help/category/<category_id>")
def category(category_id):
    """List the articles of one category."""
    kb = services.knowledge_base()
    if category_id not in kb.categories:
        abort(404)
    articles = sorted(kb.in_category(category_id), key=lambda a: (a.type, a.slug))
    return render_template("kb/category.html", category=kb.categories[category_id], articles=articles)


@bp.get("/help/<any(faq, guides):folder>/<slug>")
def article(folder, slug):
    """Show one article with its related articles and the feedback form."""
    kb = services.knowledge_base()
    item = kb.get(slug, FOLDER_TYPES[folder]) or abort(404)
    page_cache.on_each_view(services.record_view, slug)
    voted = services.has_voted(slug, request.cookies.get(VISITOR_COOKIE))
    related = [kb.articles[s] for s in item.related if s in kb.articles]
    return render_template("kb/article.html", article=item, category=kb.categories[item.category],
                           related=related, form=FeedbackForm(), voted=voted, helpful=services.helpful_count(slug))


@bp.post("/help/<any(faq, guides):folder>/<slug>/feedback")
@limiter.limit("10 per minute")
def feedback(folder, slug):
    """Record "helpful / not helpful" once per visitor and article."""
    item = services.knowledge_base().get(slug, FOLDER_TYPES[folder]) or abort(404)
    form = FeedbackForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for(".article", folder=folder, slug=slug, _anchor="feedback"))
    visitor = request.cookies.get(VISITOR_COOKIE) or secrets.token_urlsafe(16)
    try:
        services.record_vote(item.slug, visitor, form.helpful.data == "yes", form.reason.data, form.comment.data)
        flash(_("感谢你的反馈！") if form.helpful.data == "yes" else
              _("感谢反馈，我们会改进这篇文章。问题还没解决的话，可以联系客服或提交投诉。"), "success")
    except services.AlreadyVoted:
        flash(_("你已经对这篇文章投过票了，谢谢！"), "info")
    response = redirect(url_for(".article", folder=folder, slug=slug, _anchor="feedback"))
    response.set_cookie(VISITOR_COOKIE, visitor, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/search")
def search():
    """Search the help center; keep the query in the box and degrade gracefully."""
    form = SearchForm(request.args)
    results = None
    if form.validate() and (form.q.data or "").strip():
        results = services.search_articles(form.q.data, article_type=form.type.data or None,
                                           category=form.category.data or None, page=form.page.data or 1)
    kb = services.knowledge_base()
    if results is not None:
        page_cache.on_each_view(services.record_search, results)
    return render_template("kb/search.html", form=form, results=results, kb=kb,
                           popular=services.most_read(6) if not results or not results.total else [])
