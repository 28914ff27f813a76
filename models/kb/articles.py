"""The articles' service (docs/knowledge-base.md): writing one (every version kept, the author
and time of each), moving it through its statuses, and what readers may see of it.

Who may move what is the routes' (api/kb/routes.py, declared so the OpenAPI document shows
it); what a move needs of the article's status is MOVES, here. A text the sanitiser would cut
(rendering.problems) is refused before anything is written. Publishing, and each new version
of a published article, indexes it for search; archiving takes it out (models/search)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from models import search
from models.kb import rendering
from models.kb.tables import Article, ArticleFile, ArticleVersion
from models.tables import Agent
from workflows.vocabulary import ErrorType

# action -> (the statuses it may be taken from, the status it leads to)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({"draft", "archived"}), "in_review"),  # an archived one comes back through review
    "publish": (frozenset({"draft", "in_review"}), "published"),
    "archive": (frozenset({"draft", "in_review", "published"}), "archived"),
}
DONE = {"submit": "submitted for review", "publish": "published", "archive": "archived"}
EDITABLE = frozenset({"draft", "in_review", "published"})  # an archived article is submitted again first
AUDIENCES = {"public": ("public",), "internal": ("public", "internal")}  # which visibilities each reads
MAX_SLUG = 80


class Refused(Exception):
    """A write the knowledge base refuses, nothing written: its error type (with its HTTP
    status) and the field it is about."""

    def __init__(self, type: ErrorType, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.type, self.message, self.field = type, message, field


@dataclass(frozen=True)
class Text:
    """What an author writes: a version's title and body, and the article's fields."""

    title: str
    body: str
    category: str | None = None
    tags: tuple[str, ...] = ()
    visibility: str = "internal"
    review_at: datetime | None = None
    note: str | None = None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def check_text(text: Text) -> None:
    if not text.title.strip():
        raise Refused(ErrorType.VALIDATION_ERROR, "title: must not be empty", "title")
    found = rendering.problems(text.body)
    if found:
        raise Refused(ErrorType.UNSAFE_MARKDOWN, "body: " + "; ".join(found), "body")


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:MAX_SLUG - 12].strip("-")
    return slug or "article"


def _free_slug(s: Session, wanted: str) -> str:
    taken = set(s.scalars(select(Article.slug).where(or_(Article.slug == wanted, Article.slug.like(f"{wanted}-%")))))
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def create(s: Session, text: Text, *, author_id: int, owner_id: int | None = None, slug: str | None = None,
           now: datetime | None = None) -> Article:
    """A new draft, version 1 written by `author_id` (its owner unless another is named)."""
    check_text(text)
    at = _now(now)
    if slug is not None and s.scalars(select(Article.id).where(Article.slug == slug)).first() is not None:
        raise Refused(ErrorType.ARTICLE_EXISTS, f"slug: an article {slug!r} exists already", "slug")
    owner = owner_id if owner_id is not None else author_id
    if s.get(Agent, owner) is None:
        raise Refused(ErrorType.UNKNOWN_AGENT, f"owner: no agent {owner}", "owner")
    article = Article(slug=slug or _free_slug(s, slugify(text.title)), title=text.title.strip(), category=text.category,
                      tags=list(text.tags), visibility=text.visibility, status="draft", owner_id=owner,
                      review_at=text.review_at, version=1, created_at=at, updated_at=at)
    s.add(article)
    s.flush()
    s.add(ArticleVersion(article_id=article.id, n=1, title=article.title, body=text.body, author_id=author_id, at=at,
                         note=text.note))
    s.flush()
    return article


def get(s: Session, article_id: int) -> Article:
    article = s.get(Article, article_id)
    if article is None:
        raise Refused(ErrorType.ARTICLE_NOT_FOUND, f"no article {article_id}")
    return article


def edit(s: Session, article_id: int, text: Text, *, base_version: int, author_id: int, may_edit_published: bool,
         owner_id: int | None = None, now: datetime | None = None) -> Article:
    """A new version from `base_version` (the one the author started from): refused if another
    was written since (two editors never overwrite each other). The article keeps its status; a
    published one is indexed again."""
    check_text(text)
    article = get(s, article_id)
    if article.status not in EDITABLE:
        raise Refused(ErrorType.INVALID_TRANSITION, f"article {article_id} is {article.status}: submit it for review "
                      "to change it")
    if article.status == "published" and not may_edit_published:
        raise Refused(ErrorType.FORBIDDEN, f"article {article_id} is published: only a supervisor or an admin "
                      "changes a published article")
    if owner_id is not None and s.get(Agent, owner_id) is None:
        raise Refused(ErrorType.UNKNOWN_AGENT, f"owner: no agent {owner_id}", "owner")
    at = _now(now)
    # Compare and set in one statement: of two editors from the same version, one moves it.
    moved = s.execute(update(Article).where(Article.id == article_id, Article.version == base_version)
                      .values(version=base_version + 1).execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
        s.refresh(article)
        raise Refused(ErrorType.ARTICLE_CHANGED, f"version: article {article_id} is at version {article.version}, "
                      f"not {base_version}: read it again and make your change on it", "version")
    s.refresh(article)
    article.title, article.category, article.tags = text.title.strip(), text.category, list(text.tags)
    article.visibility, article.review_at, article.updated_at = text.visibility, text.review_at, at
    if owner_id is not None:
        article.owner_id = owner_id
    version = ArticleVersion(article_id=article.id, n=article.version, title=article.title, body=text.body,
                             author_id=author_id, at=at, note=text.note)
    s.add(version)
    s.flush()
    if article.status == "published":
        _index(s, article, version)
    return article


def move(s: Session, article_id: int, action: str, *, now: datetime | None = None) -> Article:
    """submit, publish or archive, if the article's status allows it (MOVES)."""
    article = get(s, article_id)
    sources, target = MOVES[action]
    if article.status not in sources:
        raise Refused(ErrorType.INVALID_TRANSITION, f"article {article_id} is {article.status}: it cannot be "
                      f"{DONE[action]} (only from {', '.join(sorted(sources))})")
    at = _now(now)
    article.status, article.updated_at = target, at
    if target == "published":
        article.published_at = at
        _index(s, article, current(s, article))
    elif target == "archived":
        _forget(s, article)
    s.flush()
    return article


# --- reading ---------------------------------------------------------------------------------


def current(s: Session, article: Article) -> ArticleVersion:
    return version(s, article.id, article.version)  # type: ignore[return-value]  # every article has its current one


def version(s: Session, article_id: int, n: int) -> ArticleVersion | None:
    return s.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article_id, ArticleVersion.n == n)).first()


def versions(s: Session, article_id: int) -> list[ArticleVersion]:
    return list(s.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article_id)
                          .order_by(ArticleVersion.n.desc())))


def listed(s: Session, *, status: str | None = None, category: str | None = None, visibility: str | None = None,
           q: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Article], int]:
    """Articles for agents, newest change first, and how many match in all; `q` matches the title."""
    where = []
    if status:
        where.append(Article.status == status)
    if category:
        where.append(Article.category == category)
    if visibility:
        where.append(Article.visibility == visibility)
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(func.lower(Article.title).like(f"%{escaped}%", escape="\\"))
    total = s.scalar(select(func.count()).select_from(Article).where(*where)) or 0
    rows = s.scalars(select(Article).where(*where).order_by(Article.updated_at.desc(), Article.id.desc())
                     .limit(limit).offset(offset))
    return list(rows), total


def _readable(audience: str) -> Select[Article]:
    return select(Article).where(Article.status == "published", Article.visibility.in_(AUDIENCES[audience]))


def published(s: Session, *, audience: str, category: str | None = None) -> list[Article]:
    """The published articles an audience reads ("public": customers; "internal": agents), by title."""
    q = _readable(audience)
    if category is not None:
        q = q.where(Article.category == category)
    return list(s.scalars(q.order_by(Article.title, Article.id)))


def get_published(s: Session, *, id_or_slug: int | str, audience: str) -> tuple[Article, ArticleVersion] | None:
    """A published article the audience may read, by id or slug, with its current version."""
    key = str(id_or_slug)
    q = _readable(audience).where(Article.id == int(key) if key.isdigit() else Article.slug == key)
    article = s.scalars(q).first()
    return None if article is None else (article, current(s, article))


def categories(s: Session, *, audience: str) -> list[tuple[str, int]]:
    """(category, how many published articles) for an audience, by name; articles with none left out."""
    rows = s.execute(select(Article.category, func.count()).where(
        Article.status == "published", Article.visibility.in_(AUDIENCES[audience]), Article.category.is_not(None))
        .group_by(Article.category).order_by(Article.category))
    return [(str(c), int(n)) for c, n in rows]


def stale(s: Session, *, now: datetime | None = None) -> list[Article]:
    """Articles whose review date has passed (archived ones aside), the latest first."""
    return list(s.scalars(select(Article).where(Article.review_at.is_not(None), Article.review_at < _now(now),
                                                Article.status != "archived").order_by(Article.review_at)))


# --- files -----------------------------------------------------------------------------------


def add_file(s: Session, article_id: int, *, filename: str, content_type: str, data: bytes,
             uploaded_by: int) -> ArticleFile:
    """Keep a file (checked by the caller as mail attachments are) with an article."""
    get(s, article_id)
    row = ArticleFile(article_id=article_id, filename=filename, content_type=content_type, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by=uploaded_by)
    s.add(row)
    s.flush()
    return row


def files(s: Session, article_id: int) -> list[ArticleFile]:
    return list(s.scalars(select(ArticleFile).where(ArticleFile.article_id == article_id).order_by(ArticleFile.id)))


def readable_file(s: Session, file_id: int, *, audience: str) -> ArticleFile | None:
    """A file, if the audience may read it: agents every file, anyone else only those of a
    public, published article."""
    row = s.get(ArticleFile, file_id)
    if row is None or audience == "internal":
        return row
    article = s.get(Article, row.article_id)
    return row if article is not None and article.status == "published" and article.visibility == "public" else None


# --- search (models/search) ------------------------------------------------------------------


def search_text(version: ArticleVersion, tags: Iterable[str]) -> str:
    return "\n".join([rendering.plain(version.body), " ".join(tags)]).strip()


def _index(s: Session, article: Article, version: ArticleVersion) -> None:
    """Published, or a published one's new version: what search finds of it now, for its audience."""
    audience: Literal["public", "internal"] = "public" if article.visibility == "public" else "internal"
    search.index(s, [search.Document(kind="article", ref=article.id, part="article", audience=audience,
                                     title=version.title, body=search_text(version, article.tags or []))])


def _forget(s: Session, article: Article) -> None:
    """Archived: search finds it no more."""
    search.forget(s, "article", article.id)
