"""The knowledge base's tables: an article (what it is now), each of its versions (kept, with
their author and time) and the files it shows or offers (docs/knowledge-base.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.tables import Base, utcnow
from models.utc import UtcDateTime

VISIBILITIES = ("public", "internal")  # public: customers read it once published; internal: agents only
STATUSES = ("draft", "in_review", "published", "archived")


class Article(Base):
    __tablename__ = "kb_articles"
    # An id is never used twice, even after a delete (SQLite's AUTOINCREMENT; PostgreSQL's
    # sequence never goes back): it names the review workflow, article-review-<id>.
    __table_args__ = (Index("ix_kb_articles_status_review_at", "status", "review_at"), {"sqlite_autoincrement": True})
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # The current version's title, here too so lists and the title filter need no join.
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    visibility: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12))
    owner_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    review_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # the owner is reminded then
    version: Mapped[int] = mapped_column(Integer)  # the current version's n
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ArticleVersion(Base):
    """One version of an article's text, never changed once written."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "n", name="uq_kb_article_versions_n"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    n: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Markdown, checked by rendering.problems when written
    author_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(String(300))  # what changed, in the author's words


class ArticleFile(Base):
    """An image or a document an article shows or offers, served at /kb/files/<id>."""

    __tablename__ = "kb_article_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
