"""The knowledge base's request and answer bodies (docs/knowledge-base.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from api.params import MAX_ID
from api.schemas import Category, Email, Slug, Strict, Tag
from models.kb import rendering
from models.kb.tables import Article, ArticleFile, ArticleVersion
from workflows import messages as m

MAX_ARTICLE_CHARS = 100_000
ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, description="The article's id")]
# No NUL characters: PostgreSQL's text refuses them.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
Markdown = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ARTICLE_CHARS, pattern=r"^[^\x00]*$"), Field(
    description="Markdown (CommonMark, tables, strikethrough). A script or other active tag, an event handler, a "
                "javascript: or data: link, or an image not from /kb/files/<id> or https is refused (422 UnsafeMarkdown)",
    examples=["# Reset the printer\n\n1. Unplug it for **10 s**.\n2. See [the guide](https://example.com/guide)."])]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300, pattern=r"^[^\x00]*$")]
Tags = Annotated[list[Tag], Field(max_length=m.MAX_TAGS)]
Visibility = Literal["public", "internal"]
Status = Literal["draft", "in_review", "published", "archived"]
ReviewAt = Annotated[AwareDatetime | None, Field(
    description="When the owner is reminded to review it (a durable timer, ArticleReview); null: never")]


class ArticleIn(Strict):
    """A new article: a draft, version 1, written (and owned, unless `owner` names another) by the caller."""

    title: Title
    body: Markdown
    category: Category | None = None
    tags: Tags = Field(default_factory=list)
    visibility: Visibility = Field("internal", description="public: customers read it once published; internal: agents")
    review_at: ReviewAt = None
    owner: Email | None = Field(None, description="The owner's e-mail (an agent); the caller if left out")
    slug: Slug | None = Field(None, description="Its address; made from the title if left out")
    note: Note | None = None


class ArticleUpdate(Strict):
    """A new version. `version` is the one the change was made on: if another was written since,
    409 ArticleChanged and nothing is saved. A field left out stays (null clears category and
    review_at)."""

    version: int = Field(ge=1, le=1_000_000, description="The current version as read (GET /kb/articles/{id})")
    title: Title
    body: Markdown
    category: Category | None = None
    tags: Tags | None = None
    visibility: Visibility | None = None
    review_at: ReviewAt = None
    owner: Email | None = None
    note: Note | None = None


class VersionOut(BaseModel):
    n: int
    title: str
    author: str = Field(description="The author's e-mail")
    at: datetime
    note: str | None

    @classmethod
    def of(cls, v: ArticleVersion, emails: dict[int, str]) -> VersionOut:
        return cls(n=v.n, title=v.title, author=emails.get(v.author_id, ""), at=v.at, note=v.note)


class VersionDetail(VersionOut):
    body: str
    html: str = Field(description="The body rendered and sanitised, as every page and mail shows it")

    @classmethod
    def of(cls, v: ArticleVersion, emails: dict[int, str]) -> VersionDetail:
        return cls(**VersionOut.of(v, emails).model_dump(), body=v.body, html=rendering.render(v.body))


class FileOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    url: str = Field(description="Where it is served (GET /kb/files/{id})")
    markdown: str = Field(description="How the body shows it (an image) or links to it (a document)")

    @classmethod
    def of(cls, f: ArticleFile) -> FileOut:
        url = f"/kb/files/{f.id}"
        label = f.filename.replace("[", "(").replace("]", ")")
        shown = f"![{label}]({url})" if f.content_type.startswith("image/") else f"[{label}]({url})"
        return cls(id=f.id, filename=f.filename, content_type=f.content_type, size=f.size, url=url, markdown=shown)


class ArticleOut(BaseModel):
    id: int
    slug: str
    title: str
    category: str | None
    tags: list[str]
    visibility: Visibility
    status: Status
    owner: str = Field(description="The owner's e-mail")
    review_at: datetime | None
    version: int = Field(description="The current version's number: send it back with PUT")
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, a: Article, emails: dict[int, str]) -> ArticleOut:
        data = {name: getattr(a, name) for name in cls.model_fields if name != "owner"}
        return cls(**data | {"owner": emails.get(a.owner_id, ""), "tags": list(a.tags or [])})


class ArticleDetail(ArticleOut):
    body: str = Field(description="The current version's Markdown")
    html: str = Field(description="The current version rendered and sanitised, as every page and mail shows it")
    current: VersionOut
    files: list[FileOut]


class ArticlePage(BaseModel):
    items: list[ArticleOut]
    total: int = Field(description="How many match in all")
    limit: int
    offset: int


class StaleArticle(BaseModel):
    id: int
    title: str
    status: Status
    owner: str = Field(description="The owner's e-mail")
    owner_name: str
    review_at: datetime
    days_late: float = Field(description="How long ago the review was due, in days")
