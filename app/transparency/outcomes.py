"""Published outcomes: the allow-listed public rows of decided complaints whose owners agreed to publication,
filtered by category, outcome and filing month, and searched through the help center's Chinese analysis.

Search matches the analysed query against the published summary's text and the category's names. Each query
concept (a word, or a synonym group the query mentions) must occur in a row, as any of its phrasings; the text is
folded the same way as the query (width, case, traditional → simplified). The folded texts form a small derived
index kept per process: published text never changes (editing a published summary is refused), so an entry is
valid for as long as its summary stays published, and each search checks the published set in one query.
"""
import dataclasses
import hashlib
import hmac
import re
import threading

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale, lazy_gettext as _l

from app.complaints.categories import CATEGORIES
from app.complaints.models import Complaint
from app.extensions import db
from app.i18n import portal_datetime
from app.kb import analysis
from app.kb.search_query import MAX_QUERY_CHARS
from app.pagination import paginate
from app.timeutil import aware
from app.transparency import stats
from app.transparency.models import CaseSummary, SummaryStatus

OUTCOMES = tuple(s.value for s in stats.PUBLISHED_OUTCOMES)
_index_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Filters:
    """What a visitor narrowed the list to; empty values mean "any"."""

    category: str | None = None
    outcome: str | None = None
    month: str | None = None  # "YYYY-MM" of filing, in the portal's time zone (as `filed_month` shows)
    q: str = ""

    def args(self):
        """The filters as query-string arguments, for links that keep them."""
        return {key: value for key, value in dataclasses.asdict(self).items() if value}


def parse_filters(args):
    """Return (Filters, {field: localised message}) from query-string arguments; unknown values are errors."""
    typed = {key: (args.get(key) or "").strip() for key in ("category", "outcome", "month", "q")}
    errors = {}
    if typed["category"] and typed["category"] not in CATEGORIES:
        errors["category"] = _l("没有这个问题类型，请从列表中选择。")
    if typed["outcome"] and typed["outcome"] not in OUTCOMES:
        errors["outcome"] = _l("结果只能是“已解决”或“未予支持”。")
    if typed["month"] and not stats.is_month(typed["month"]):
        errors["month"] = _l("月份请按“年-月”填写，例如 2026-11。")
    filters = Filters(category=typed["category"] or None, outcome=typed["outcome"] or None,
                      month=typed["month"] or None, q=typed["q"][:MAX_QUERY_CHARS])
    return filters, errors


def published_outcomes(page, per_page=20, filters=Filters()):
    """Return one Page of public rows matching `filters`, newest decision first."""
    complaints = paginate(_published(filters), page, per_page)
    summaries = _published_summaries([c.id for c in complaints.items])
    return dataclasses.replace(complaints, items=[outcome_row(c, summaries.get(c.id)) for c in complaints.items])


def all_published_outcomes(filters=Filters()):
    """Every public row matching `filters`, in the same order as the pages (for the CSV download)."""
    summaries = _published_summaries()
    return [outcome_row(c, summaries.get(c.id)) for c in db.session.scalars(_published(filters))]


def _published(filters):
    query = (sa.select(Complaint)
             # closed_at is never NULL for a decided case; saying so lets PostgreSQL walk the outcomes index
             .where(Complaint.consent_publish.is_(True), Complaint.status.in_(OUTCOMES), Complaint.closed_at.is_not(None))
             .order_by(Complaint.closed_at.desc(), Complaint.id.desc()))
    if filters.category:
        query = query.where(Complaint.category == filters.category)
    if filters.outcome:
        query = query.where(Complaint.status == filters.outcome)
    if filters.month:
        query = query.where(Complaint.created_at >= stats.month_bounds(filters.month),
                            Complaint.created_at < stats.month_bounds(filters.month, end=True))
    if filters.q:
        query = query.where(_matching(query_concepts(filters.q)))
    return query


def _published_summaries(complaint_ids=None):
    """{complaint id: its PUBLISHED summary} (drafts, approved and withdrawn ones are never public)."""
    query = sa.select(CaseSummary).where(CaseSummary.status == SummaryStatus.PUBLISHED)
    if complaint_ids is not None:
        query = query.where(CaseSummary.complaint_id.in_(complaint_ids))
    return {summary.complaint_id: summary for summary in db.session.scalars(query)}


def case_id(complaint_id):
    """The public case number: keyed and stable, never the internal sequence (which would reveal volumes)."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"case:{complaint_id}".encode(), hashlib.sha256)
    return "C" + digest.hexdigest()[:10].upper()


def outcome_row(complaint, summary=None):
    """The allow-listed public record of one decided complaint, with its published summary if it has one."""
    closed, created = aware(complaint.closed_at), aware(complaint.created_at)
    return {"case": case_id(complaint.id), "category": complaint.category,
            "filed_month": portal_datetime(created, "%Y-%m"), "outcome": complaint.status,
            "days_to_close": round((closed - created).total_seconds() / 86400, 1),
            "timely": closed <= aware(complaint.resolution_due),
            "first_response_on_time": bool(complaint.first_responded_at and
                                           aware(complaint.first_responded_at) <= aware(complaint.first_response_due)),
            "rating": complaint.rating, "demo": complaint.is_demo,
            "summary": {"id": summary.public_id, "text": summary.text,
                        "url": url_for("transparency.summary", public_id=summary.public_id)} if summary else None}


# ------------------------------------------------------------------ search

def query_concepts(q):
    """Analyse a query into concepts: tuples of phrasings, any one of which a matching row must contain.

    Synonym groups the query mentions come first (longest phrasing first, so 没到账 wins over 到账); the rest is
    segmented by jieba like a help-center query, and a word already inside a longer one is dropped.
    """
    text = analysis.normalize(q)[:MAX_QUERY_CHARS]
    groups = analysis.load_synonyms(current_app.config["CONTENT_DIR"])
    concepts, rest = [], text
    for mentioned, others in sorted(analysis.synonym_matches(text, groups), key=lambda m: -max(map(len, m[0]))):
        present = [member for member in mentioned if member in rest]
        if present:
            concepts.append((*mentioned, *others))
            for member in sorted(present, key=len, reverse=True):
                rest = rest.replace(member, " ")
    words = analysis.words(rest)
    concepts += [(word,) for word in dict.fromkeys(words) if not any(word != other and word in other for other in words)]
    return concepts or ([(text,)] if text else [])


def _matching(concepts):
    """SQL for the rows whose summary text and category names together contain every concept."""
    if not concepts:
        return sa.true()
    # One alternation per concept: the regex engine tries every phrasing in a single pass over the text.
    patterns = [re.compile("|".join(map(re.escape, concept))) for concept in concepts]
    found = [complaint_id for complaint_id, text in _summary_index() if _contains_all(text, patterns)]
    categories = [key for key, names in _category_names().items() if _contains_all(names, patterns)]
    return sa.or_(Complaint.id.in_(found), Complaint.category.in_(categories))


def _contains_all(text, patterns):
    return all(pattern.search(text) for pattern in patterns)


def _category_names():
    """{category: its Chinese and English names, analysed}."""
    with force_locale("zh"):
        return {key: analysis.normalize(f"{c.name} {c.name_en}") for key, c in CATEGORIES.items()}


def _summary_index():
    """[(complaint id, analysed summary text and category names)] of every published summary.

    A one-row fingerprint of the summary table says whether anything was published or taken down since the last
    search; only then is the published set listed again, and only summaries new to this process are read.
    """
    fingerprint = _fingerprint()
    with _index_lock:
        state = current_app.extensions.setdefault("transparency_outcome_index", {"fingerprint": None, "texts": {}})
        if state["fingerprint"] != fingerprint:
            state["rows"] = _refresh(state["texts"])
            state["fingerprint"] = fingerprint
        return state["rows"]


def _fingerprint():
    published = CaseSummary.status == SummaryStatus.PUBLISHED
    return tuple(db.session.execute(sa.select(sa.func.count(), sa.func.max(CaseSummary.updated_at),
                                              sa.func.count(sa.case((published, 1))),
                                              sa.func.sum(sa.case((published, CaseSummary.id))))).one())


def _refresh(texts):
    """List what is published now, analyse what `texts` lacks and forget what was taken down."""
    live = db.session.execute(sa.select(CaseSummary.id, CaseSummary.public_id, CaseSummary.complaint_id,
                                        Complaint.category).join(Complaint)
                              .where(CaseSummary.status == SummaryStatus.PUBLISHED)).all()
    keys = {row.id: (row.id, row.public_id, row.category) for row in live}
    missing = [key[0] for key in keys.values() if key not in texts]
    if missing:
        _analyse_into(texts, missing)
    for stale in set(texts) - set(keys.values()):
        del texts[stale]
    return [(row.complaint_id, texts[keys[row.id]]) for row in live]


def _analyse_into(index, summary_ids, chunk=500):
    names = _category_names()
    for start in range(0, len(summary_ids), chunk):
        rows = db.session.execute(sa.select(CaseSummary.id, CaseSummary.public_id, Complaint.category, CaseSummary.text)
                                  .join(Complaint).where(CaseSummary.id.in_(summary_ids[start:start + chunk])))
        for summary_id, public_id, category, text in rows:
            index[(summary_id, public_id, category)] = analysis.normalize(text) + "\n" + names.get(category, "")
