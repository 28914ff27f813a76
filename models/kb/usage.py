"""The knowledge base in use (docs/portal.md "Knowledge base", docs/reports.md "Knowledge base"):
who read an article, whether it helped, which suggestion ended a request with no ticket, and
which tickets an article was linked into.

Readers are not people we know: a reader is a random id the portal keeps in a cookie
(api/portal/kb_pages.py), so a vote is one per reader (changeable) and a view counts once per
reader and day. A deflection keeps no words of the customer's: only a short hash of the query's
words (to tell the same question asked again) and when. All writes are idempotent by their key:
a form sent twice, a page reloaded, a retried call count once.

The article id is not a foreign key: these are counts about articles (an archived article keeps
its figures), written from the portal and the console, and read by the reports."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import dialect_insert
from models.tables import Base, utcnow
from models.utc import UtcDateTime

MAX_READER = 40  # a reader id as the portal makes it (token_urlsafe(18) is 24 characters)
QUERY_HASH_CHARS = 16


class ArticleView(Base):
    """One reader read one article on one (UTC) day."""

    __tablename__ = "kb_views"
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reader: Mapped[str] = mapped_column(String(MAX_READER), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)


class ArticleVote(Base):
    """One reader's answer to "Was this helpful?" on one article: the latest one counts."""

    __tablename__ = "kb_votes"
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reader: Mapped[str] = mapped_column(String(MAX_READER), primary_key=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class Deflection(Base):
    """A suggested article a customer said answered their question: a request not sent."""

    __tablename__ = "kb_deflections"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # the form's key, hashed: one per form
    article_id: Mapped[int] = mapped_column(Integer, index=True)
    query_hash: Mapped[str] = mapped_column(String(QUERY_HASH_CHARS))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class TicketLink(Base):
    """An article linked or inserted into a ticket's reply (event `seq` of ticket `number`)."""

    __tablename__ = "kb_ticket_links"
    __table_args__ = (UniqueConstraint("article_id", "number", "seq", name="uq_kb_ticket_links"),
                      Index("ix_kb_ticket_links_number", "number"))
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(320))  # the agent's e-mail, as in the ticket's history
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


def _inserted(s: Session, table: type[Base], values: dict[str, object], keys: list[str]) -> bool:
    """Insert unless a row with the same key exists; True if this call added it."""
    # RETURNING tells a new row from a conflict (rowcount does not, on every driver).
    stmt = dialect_insert(s, table).values(**values).on_conflict_do_nothing(index_elements=keys)
    return s.execute(stmt.returning(table.__table__.c[keys[0]])).first() is not None


def record_view(s: Session, *, article_id: int, reader: str, day: date) -> bool:
    """Count `reader` reading the article on `day`; False if they had already that day."""
    return _inserted(s, ArticleView, {"article_id": article_id, "reader": reader[:MAX_READER], "day": day},
                     ["article_id", "reader", "day"])


def vote(s: Session, *, article_id: int, reader: str, helpful: bool, at: datetime | None = None) -> None:
    """The reader's vote on the article: their first, or a change of mind (one vote per reader)."""
    values = {"article_id": article_id, "reader": reader[:MAX_READER], "helpful": helpful, "at": at or utcnow()}
    stmt = dialect_insert(s, ArticleVote).values(**values)
    s.execute(stmt.on_conflict_do_update(index_elements=["article_id", "reader"],
                                         set_={"helpful": helpful, "at": values["at"]}))


def vote_of(s: Session, *, article_id: int, reader: str) -> bool | None:
    """The reader's current vote on the article (None: not voted)."""
    return s.scalar(select(ArticleVote.helpful).where(ArticleVote.article_id == article_id,
                                                      ArticleVote.reader == reader[:MAX_READER]))


def query_hash(query: str) -> str:
    """The query's words, lower-cased and sorted, hashed: the same question asked with the words
    in another order or case hashes the same; the words themselves are not kept."""
    words = sorted(set(re.findall(r"\w+", query.lower())))
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:QUERY_HASH_CHARS]


def record_deflection(s: Session, *, article_id: int, query: str, key: str, at: datetime | None = None) -> bool:
    """Count one request that `article_id` answered before it was sent. `key` names the form it
    came from (one deflection per form, however often it is sent); False if it was counted."""
    return _inserted(s, Deflection, {"key": hashlib.sha256(key.encode()).hexdigest(), "article_id": article_id,
                                     "query_hash": query_hash(query), "at": at or utcnow()}, ["key"])


def link_article_to_ticket(s: Session, *, article_id: int, number: int, seq: int, actor: str,
                           at: datetime | None = None) -> bool:
    """Record that `actor` linked or inserted the article into event `seq` of ticket `number`.
    The projection calls it for each article address a reply or note carries
    (models/kb/ticket_help.record_links), and the console's "create an article from this ticket"
    for the ticket it came from. Idempotent: the same (article, ticket, event) is one link; False if it was recorded."""
    return _inserted(s, TicketLink, {"article_id": article_id, "number": number, "seq": seq,
                                     "actor": actor.strip().lower()[:320], "at": at or utcnow()},
                     ["article_id", "number", "seq"])


def most_helpful(s: Session, article_ids: list[int], *, limit: int = 5) -> list[tuple[int, int]]:
    """(article id, its readers who found it helpful) of the most helpful of these articles,
    those with no helpful vote left out."""
    if not article_ids:
        return []
    yes = func.count()
    rows = s.execute(select(ArticleVote.article_id, yes).where(ArticleVote.article_id.in_(article_ids),
                                                               ArticleVote.helpful.is_(True))
                     .group_by(ArticleVote.article_id).order_by(yes.desc(), ArticleVote.article_id).limit(limit))
    return [(int(a), int(n)) for a, n in rows]
