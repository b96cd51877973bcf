"""Generate a large, realistic FAQ corpus from the shipped articles (deterministic, fixed seed).

The generated bodies recombine real sentences of the shipped articles, so token distributions and
lengths look like the real content; every file passes app.kb.content.load_knowledge_base.
"""
import random
import re
import shutil
from pathlib import Path

import yaml

from app.kb.content import load_knowledge_base

SEED = 20261120
_SENTENCE = re.compile(r"[^。!?;\n]+[。!?;]?")
_TOPIC_TITLES = ("{kw}怎么办?", "{kw}怎么处理?", "为什么会{kw}?", "{kw}要多久?", "{kw}需要准备什么?",
                 "遇到{kw}该找谁?", "{kw}的常见原因", "{kw}后还能申请售后吗?")
_TOPIC_TITLES_EN = ("What to do about: {tag}", "How is {tag} handled?", "Why {tag} happens",
                    "How long does {tag} take?", "What to prepare for {tag}", "Who to contact about {tag}",
                    "Common causes of {tag}", "After-sales for {tag}")


def _sentences(text):
    return [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) >= 8]


def _markdown_lines(body):
    """Body lines of an article, without headings, split into list items and paragraphs."""
    items, paragraphs = [], []
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("|"):
            continue
        if re.match(r"^(- \[[ xX]\] |- |\d+\. )", line):
            items.append(re.sub(r"^(- \[[ xX]\] |- |\d+\. )", "", line))
        else:
            paragraphs.extend(_sentences(line))
    return items, paragraphs


def generate(content_dir, target_dir, total_articles=5000, seed=SEED):
    """Copy `content_dir` to `target_dir` and add FAQ files until it holds `total_articles` articles."""
    content_dir, target_dir = Path(content_dir), Path(target_dir)
    if target_dir.exists():
        shutil.rmtree(target_dir)
    shutil.copytree(content_dir, target_dir)
    shipped = load_knowledge_base(content_dir)
    rng = random.Random(seed)
    articles = sorted(shipped.articles.values(), key=lambda a: a.slug)
    items, paragraphs, headings = [], [], []
    for article in articles:
        article_items, article_paragraphs = _markdown_lines(article.body_markdown)
        items += article_items
        paragraphs += article_paragraphs
        headings += [title for level, _, title in article.toc if level == 3]
    headings = sorted(set(headings)) or ["怎么处理", "需要准备"]
    categories = sorted(shipped.categories)
    by_category = {c: [a for a in articles if a.category == c] or articles for c in categories}
    existing = [a.slug for a in articles]
    count = total_articles - len(articles)
    slugs = [f"gen-{i:05d}" for i in range(count)]
    faq_dir = target_dir / "faq"
    for i, slug in enumerate(slugs):
        category = categories[i % len(categories)]
        model = rng.choice(by_category[category])
        keyword = rng.choice(model.keywords)
        tag = rng.choice(model.tags)
        keywords = rng.sample(model.keywords, k=min(len(model.keywords), rng.randint(3, 6)))
        tags = rng.sample(model.tags, k=min(len(model.tags), rng.randint(2, 4)))
        pool = existing + slugs[:i]
        related = rng.sample(pool, k=rng.randint(1, 4))
        meta = {
            "title": rng.choice(_TOPIC_TITLES).format(kw=keyword),
            "title_en": rng.choice(_TOPIC_TITLES_EN).format(tag=tag),
            "summary": rng.choice(_sentences(model.summary) or [model.summary]),
            "summary_en": model.summary_en,
            "category": category,
            "tags": tags,
            "keywords": keywords,
            "updated": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
            "related": related,
        }
        body = _body(rng, paragraphs, items, headings)
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
        # Dates must stay YAML dates, not strings.
        front = re.sub(r"^updated: '(\d{4}-\d\d-\d\d)'$", r"updated: \1", front, flags=re.M)
        (faq_dir / f"{slug}.md").write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
    return target_dir


def _body(rng, paragraphs, items, headings):
    """150–600 characters like a real FAQ: an answer, one or two headed lists, a closing line."""
    parts = ["".join(rng.sample(paragraphs, k=rng.randint(1, 3)))]
    for _ in range(rng.randint(1, 2)):
        parts.append(f"### {rng.choice(headings)}")
        numbered = rng.random() < 0.5
        chosen = rng.sample(items, k=rng.randint(2, 4))
        parts.append("\n".join(f"{n}. {item}" if numbered else f"- {item}" for n, item in enumerate(chosen, 1)))
    parts.append(rng.choice(paragraphs))
    return "\n\n".join(parts)


def check(target_dir):
    """Load the generated corpus with the real loader; return (knowledge base, seconds to load)."""
    import time

    started = time.perf_counter()
    kb = load_knowledge_base(target_dir)
    return kb, time.perf_counter() - started
