"""Load and validate the Markdown knowledge base: the source of truth the search index derives from."""
import datetime as dt
import hashlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import nh3
import yaml
from markdown.extensions.toc import TocExtension, slugify_unicode

ARTICLE_TYPES = {"faq": "faq", "guide": "guides"}
REQUIRED_FIELDS = ("title", "title_en", "summary", "summary_en", "category", "tags", "keywords", "updated",
                   "related")
LIST_FIELDS = ("tags", "keywords", "related")
# "Also asked as": how buyers really type the question (slang, emotion, typos); indexed and boosted like the title.
ASKED_AS_FIELD = "asked_as"
MIN_ASKED_AS = 5
STOP_PHRASES_FILE = "stopphrases.txt"
ALLOWED_TAGS = {"a", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote", "h2", "h3", "h4",
                "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "div", "span", "input", "label"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "div": {"class"},
                      "ul": {"class"}, "li": {"class"}, "th": {"align"}, "td": {"align"},
                      "input": {"type", "checked"}, "span": {"class"}}
_TASK_ITEM = re.compile(r"<li>\[( |x|X)\]\s*(.*?)</li>", re.S)


class ContentError(ValueError):
    """The content folder holds an invalid article; the message names the file and field."""


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    name_en: str
    description: str
    description_en: str


@dataclass
class Article:
    slug: str
    type: str
    title: str
    title_en: str
    summary: str
    summary_en: str
    category: str
    tags: list
    keywords: list
    updated: dt.date
    related: list
    body_markdown: str
    html: str = ""
    toc: list = field(default_factory=list)
    text: str = ""
    asked_as: list = field(default_factory=list)

    @property
    def url_path(self):
        return f"/help/{ARTICLE_TYPES[self.type]}/{self.slug}"


@dataclass
class KnowledgeBase:
    articles: dict
    categories: dict
    content_hash: str
    stop_phrases: tuple = ()

    def by_type(self, article_type):
        return [a for a in self.articles.values() if a.type == article_type]

    def in_category(self, category_id):
        return [a for a in self.articles.values() if a.category == category_id]

    def get(self, slug, article_type=None):
        article = self.articles.get(slug)
        if article and (article_type is None or article.type == article_type):
            return article
        return None


def content_hash(content_dir):
    """Hash every file under the content folder: the index is stale when this changes."""
    digest = hashlib.sha256()
    for path in sorted(Path(content_dir).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(content_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_knowledge_base(content_dir):
    """Read, validate and render every article; raise ContentError on the first problem."""
    content_dir = Path(content_dir)
    categories = _load_categories(content_dir / "categories.yaml")
    articles = {}
    for article_type, folder in ARTICLE_TYPES.items():
        for path in sorted((content_dir / folder).glob("*.md")):
            article = _parse_article(path, article_type, categories)
            if article.slug in articles:
                raise ContentError(f"{path}: slug {article.slug!r} is used twice")
            articles[article.slug] = article
    _check_related(articles, content_dir)
    return KnowledgeBase(articles=articles, categories=categories, content_hash=content_hash(content_dir),
                         stop_phrases=load_stop_phrases(content_dir))


def load_stop_phrases(content_dir):
    """Read content/stopphrases.txt: the noise people type around a question (one phrase a line, # comments)."""
    path = Path(content_dir) / STOP_PHRASES_FILE
    if not path.exists():
        return ()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(dict.fromkeys(line for line in lines if line))


def thin_asked_as(knowledge_base, minimum=MIN_ASKED_AS):
    """Return the articles with fewer than `minimum` "also asked as" phrasings, by slug."""
    return sorted((a for a in knowledge_base.articles.values() if len(a.asked_as) < minimum), key=lambda a: a.slug)


_cache = {}
_cache_lock = threading.Lock()
RECHECK_SECONDS = 5.0


def content_signature(content_dir):
    """A cheap fingerprint (names, sizes, modification times) to notice edits without reading every file."""
    return tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns)
                        for p in Path(content_dir).rglob("*") if p.is_file()))


def cached_knowledge_base(content_dir, build_hash=None):
    """Return the loaded knowledge base; reload it when a new index build of other content is swapped in.

    Requests call this on every search, so it must not look at the content folder: walking 5,000 files
    took 76 ms every few seconds, inside this lock. Content edits reach the site through `flask kb reindex`
    (or a restart), whose new build carries the new content's hash (`build_hash`); the articles and the
    index they are searched with then change together.
    """
    key = str(content_dir)
    entry = _cache.get(key)
    if entry is not None and (build_hash is None or build_hash in (entry["build_hash"], entry["kb"].content_hash)):
        return entry["kb"]
    with _cache_lock:
        entry = _cache.get(key)
        if entry is None or build_hash not in (None, entry["build_hash"], entry["kb"].content_hash):
            entry = _cache[key] = {"kb": load_knowledge_base(content_dir), "build_hash": build_hash}
        return entry["kb"]


def _load_categories(path):
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: cannot read categories ({exc})") from exc
    return {entry["id"]: Category(**entry) for entry in entries}


def _split_front_matter(path):
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", text, re.S)
    if not match:
        raise ContentError(f"{path}: missing YAML front matter between '---' lines")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: front matter is not valid YAML ({exc})") from exc
    return meta, match.group(2)


def _parse_article(path, article_type, categories):
    meta, body = _split_front_matter(path)
    for name in REQUIRED_FIELDS:
        if meta.get(name) in (None, "", []) and not (name == "related" and meta.get(name) == []):
            raise ContentError(f"{path}: field {name!r} is missing or empty")
    for name in LIST_FIELDS:
        if not isinstance(meta[name], list):
            raise ContentError(f"{path}: field {name!r} must be a list")
    if meta["category"] not in categories:
        raise ContentError(f"{path}: field 'category' names unknown category {meta['category']!r}")
    if not isinstance(meta["updated"], dt.date):
        raise ContentError(f"{path}: field 'updated' must be a date like 2026-11-20")
    if not body.strip():
        raise ContentError(f"{path}: the article body is empty")
    article = Article(slug=path.stem, type=article_type, body_markdown=body,
                      **{name: meta[name] for name in REQUIRED_FIELDS})
    article.tags = [str(t) for t in article.tags]
    article.keywords = [str(k) for k in article.keywords]
    article.asked_as = _asked_as(path, meta)
    article.html, article.toc = render_markdown(body)
    article.text = nh3.clean(article.html, tags=set()).strip()
    return article


def _asked_as(path, meta):
    phrasings = meta.get(ASKED_AS_FIELD) or []
    if not isinstance(phrasings, list) or not all(isinstance(p, (str, int)) and str(p).strip() for p in phrasings):
        raise ContentError(f"{path}: field {ASKED_AS_FIELD!r} must be a list of phrasings")
    return [str(p).strip() for p in phrasings]


def _check_related(articles, content_dir):
    for article in articles.values():
        for slug in article.related:
            if slug not in articles:
                folder = ARTICLE_TYPES[article.type]
                raise ContentError(f"{content_dir / folder / (article.slug + '.md')}: field 'related' names "
                                   f"unknown article {slug!r}")


def render_markdown(body):
    """Render Markdown to sanitized HTML; return (html, [(level, id, title), ...])."""
    converter = markdown.Markdown(extensions=["tables", "sane_lists", "fenced_code",
                                              TocExtension(slugify=slugify_unicode, toc_depth="2-3")])
    html = converter.convert(body)
    # Checklist items become real, labelled checkboxes the reader can tick while following a guide.
    html = _TASK_ITEM.sub(lambda m: '<li class="task"><label><input type="checkbox"'
                          + (" checked" if m.group(1).lower() == "x" else "") + f"> {m.group(2)}</label></li>", html)
    html = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")
    toc = [(token["level"], token["id"], token["name"]) for token in _flatten(converter.toc_tokens)]
    return html, toc


def _flatten(tokens):
    for token in tokens:
        yield token
        yield from _flatten(token["children"])
