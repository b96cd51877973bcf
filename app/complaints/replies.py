"""Reply templates for the staff console: front-matter-only files in content/replies, validated at load.

A template is picked by an agent, filled from the case and inserted into the reply. Bodies are plain
text (shown to the user as text and sent in emails), so the only markup is the placeholders below.
"""
import datetime as dt
import re
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml
from flask_babel import force_locale

from app.complaints.categories import CATEGORIES
from app.kb import content

PLACEHOLDERS = ("reference", "category", "due_date", "amount", "agent")
ACTIONS = ("reply", "request_info", "resolve", "reject")
OUTCOMES = ("full_refund", "partial_refund", "replacement", "seller_penalised", "explained")
LANGUAGES = ("zh", "en")
ALL_CATEGORIES = "*"
REPLIES_FOLDER = "replies"
MAX_BODY_CHARS = 2000
FIELDS = ("id", "title", "title_en", "categories", "action", "outcome", "zh", "en")
TEXT_FIELDS = ("id", "title", "title_en", "action", "zh", "en")
# What the agent sees in place of a value the case does not have: (zh, en) per placeholder.
MISSING_LABELS = {
    "reference": ("投诉编号", "complaint reference"),
    "category": ("投诉类型", "complaint category"),
    "due_date": ("答复日期", "due date"),
    "amount": ("金额", "amount"),
    "agent": ("客服姓名", "agent name"),
}
MARKER_FORMATS = {"zh": "【请填写：{}】", "en": "[fill in: {}]"}
_MARKER = re.compile(r"【请填写：[^】]*】|\[fill in: [^\]]*\]")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FRONT_MATTER = re.compile(r"^---[ \t]*\n(.*?)\n---[ \t]*(?:\n(.*))?$", re.S)


class ReplyTemplateError(Exception):
    """One or more reply templates are invalid; each problem names the file and the field."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ReplyTemplate:
    """One validated template: picker titles, where it applies, and the zh and en bodies."""

    id: str
    title: str
    title_en: str
    categories: tuple
    action: str
    outcome: str | None
    zh: str
    en: str

    def applies_to(self, category):
        """Return whether the template is offered for complaints of `category`."""
        return ALL_CATEGORIES in self.categories or category in self.categories

    def title_for(self, language):
        """Return the picker title in `language` (Chinese unless "en")."""
        return self.title_en if language == "en" else self.title

    def render(self, language, context):
        """Fill the body of `language` from `context`; a missing value shows a marker the agent must replace.

        `context` maps placeholder names to values: a category id is shown as the category's name, a numeric
        amount as yuan with two decimals, a date in the body's language; anything else as given.
        """
        language = language if language in LANGUAGES else "zh"
        body = self.en if language == "en" else self.zh
        return _PLACEHOLDER.sub(lambda m: _fill(m.group(1), language, context), body)


def missing_marker(name, language):
    """Return the visible marker that stands in for the placeholder `name` when its value is missing."""
    labels = MISSING_LABELS.get(name, (name, name))
    return MARKER_FORMATS["en"].format(labels[1]) if language == "en" else MARKER_FORMATS["zh"].format(labels[0])


def find_markers(text):
    """Return the fill-in markers still present in `text`: a reply containing any is not ready to send."""
    return _MARKER.findall(text)


def _fill(name, language, context):
    value = context.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return missing_marker(name, language)
    if name == "category" and isinstance(value, str) and value in CATEGORIES:
        return _category_name(CATEGORIES[value], language)
    if name == "amount" and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return _format_date(value, language)
    return str(value)


def _category_name(category, language):
    if language == "en":
        return category.name_en
    # The names are lazy translations: force Chinese so a staff console in English still fills a zh body in zh.
    with force_locale("zh"):
        return str(category.name)


def _format_date(value, language):
    """Format a date (or a datetime, already in the portal's time zone) for the body's language."""
    time_part = f" {value:%H:%M}" if isinstance(value, dt.datetime) else ""
    if language == "en":
        return f"{value.day} {value:%B} {value.year}{time_part}"
    return f"{value.year}年{value.month}月{value.day}日{time_part}"


def load_replies(content_dir):
    """Read and validate every reply template; report every problem in every file at once."""
    templates, problems = {}, []
    for path in sorted((Path(content_dir) / REPLIES_FOLDER).glob("*.md")):
        template, file_problems = _parse_template(path)
        problems.extend(file_problems)
        if template is not None:
            templates[template.id] = template
    if problems:
        raise ReplyTemplateError(problems)
    return dict(sorted(templates.items()))


_cache = {}
_cache_lock = threading.Lock()


def cached_replies(content_dir):
    """Return the loaded templates; look for edits at most every few seconds, reload when they happen.

    Same policy as `app.kb.content.cached_knowledge_base` (its signature and recheck interval), over the
    replies folder only, so editing an article does not reload the templates.
    """
    key = str(content_dir)
    with _cache_lock:
        entry = _cache.get(key)
        now = time.monotonic()
        if entry is None or now - entry["checked"] > content.RECHECK_SECONDS:
            signature = content.content_signature(Path(content_dir) / REPLIES_FOLDER)
            if entry is None or entry["signature"] != signature:
                entry = {"replies": load_replies(content_dir), "signature": signature}
            entry["checked"] = now
            _cache[key] = entry
        return entry["replies"]


def templates_for(category, content_dir, action=None):
    """Return the templates for a category (and action): category-specific ones first, then the "*" ones."""
    if action is not None and action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    matching = [t for t in cached_replies(content_dir).values()
                if t.applies_to(category) and (action is None or t.action == action)]
    # sorted() is stable, so each group keeps the id order of load_replies.
    return sorted(matching, key=lambda t: ALL_CATEGORIES in t.categories)


def _parse_template(path):
    meta, problems = _read_front_matter(path)
    if meta is None:
        return None, problems
    problems += _check_fields(path, meta)
    if problems:
        return None, problems
    template = ReplyTemplate(id=meta["id"], title=meta["title"].strip(), title_en=meta["title_en"].strip(),
                             categories=tuple(meta["categories"]), action=meta["action"],
                             outcome=meta.get("outcome"), zh=meta["zh"].strip(), en=meta["en"].strip())
    return template, []


def _read_front_matter(path):
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}: cannot read the file ({exc})"]
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, [f"{path}: missing YAML front matter between '---' lines"]
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        return None, [f"{path}: front matter is not valid YAML ({exc})"]
    if not isinstance(meta, dict):
        return None, [f"{path}: front matter must be a mapping of fields"]
    if (match.group(2) or "").strip():
        return None, [f"{path}: text after the front matter; a reply template keeps its bodies in the "
                      f"'zh' and 'en' fields"]
    return meta, []


def _check_fields(path, meta):
    problems = [f"{path}: field {name!r} is not a known field" for name in meta if name not in FIELDS]
    for name in TEXT_FIELDS:
        value = meta.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(f"{path}: field {name!r} is missing or empty")
        elif not isinstance(value, str):
            problems.append(f"{path}: field {name!r} must be text")
    if isinstance(meta.get("id"), str):
        problems += _check_id(path, meta["id"])
    problems += _check_categories(path, meta.get("categories"))
    problems += _check_action(path, meta.get("action"), meta.get("outcome"))
    for language in LANGUAGES:
        if isinstance(meta.get(language), str):
            problems += _check_body(path, language, meta[language].strip())
    return problems


def _check_id(path, template_id):
    if not _ID.fullmatch(template_id):
        return [f"{path}: field 'id' must be lowercase letters, digits and hyphens (got {template_id!r})"]
    if template_id != path.stem:
        return [f"{path}: field 'id' is {template_id!r} but the file name says {path.stem!r}"]
    return []


def _check_categories(path, categories):
    if categories in (None, []):
        return [f"{path}: field 'categories' is missing or empty"]
    if not isinstance(categories, list):
        return [f"{path}: field 'categories' must be a list"]
    if ALL_CATEGORIES in categories:
        if categories == [ALL_CATEGORIES]:
            return []
        return [f"{path}: field 'categories' must be [\"*\"] alone or a list of category ids"]
    problems = [f"{path}: field 'categories' names unknown category {c!r}" for c in categories
                if not isinstance(c, str) or c not in CATEGORIES]
    if len(set(map(str, categories))) != len(categories):
        problems.append(f"{path}: field 'categories' lists a category twice")
    return problems


def _check_action(path, action, outcome):
    if action in (None, "") or not isinstance(action, str):
        return []  # reported with the other text fields
    if action not in ACTIONS:
        return [f"{path}: field 'action' must be one of {', '.join(ACTIONS)} (got {action!r})"]
    if action != "resolve":
        if outcome is not None:
            return [f"{path}: field 'outcome' is only allowed when action is 'resolve' (action is {action!r})"]
        return []
    if outcome in (None, ""):
        return [f"{path}: field 'outcome' is missing; it is required when action is 'resolve'"]
    if outcome not in OUTCOMES:
        return [f"{path}: field 'outcome' must be one of {', '.join(OUTCOMES)} (got {outcome!r})"]
    return []


def _check_body(path, name, body):
    problems = []
    if len(body) > MAX_BODY_CHARS:
        problems.append(f"{path}: field {name!r} is {len(body)} characters; the limit is {MAX_BODY_CHARS}")
    for match in _PLACEHOLDER.finditer(body):
        if match.group(1) not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            problems.append(f"{path}: field {name!r} uses unknown placeholder {match.group(0)}; known: {known}")
    # Blank out the placeholders, keeping positions, so any brace left over is unbalanced.
    leftover = _PLACEHOLDER.sub(lambda m: " " * len(m.group(0)), body)
    stray = next((i for i, char in enumerate(leftover) if char in "{}"), None)
    if stray is not None:
        line = body.count("\n", 0, stray) + 1
        problems.append(f"{path}: field {name!r} has an unbalanced brace on line {line} near "
                        f"{body[max(0, stray - 12):stray + 12]!r}; literal braces are not allowed")
    return problems
