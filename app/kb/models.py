"""Helpfulness votes on help articles (view counts live in app.counters)."""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class ArticleVote(db.Model):
    """One visitor's answer to "这篇文章有帮助吗？" for one article."""

    __tablename__ = "article_vote"
    __table_args__ = (sa.UniqueConstraint("slug", "visitor", name="uq_article_vote_slug_visitor"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), index=True)
    visitor: Mapped[str] = mapped_column(sa.String(64))
    helpful: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    comment: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
