"""GET /search: ranked hits over tickets (within the caller's team scope) and articles, each with
a snippet whose only markup is <mark> around the matches."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import ReaderDep, SessionsDep
from api.params import Offset
from api.tickets.scope import ScopeDep
from models import search as index
from models.search import MAX_QUERY_CHARS

router = APIRouter(tags=["search"])

KIND_URLS = {"ticket": "/tickets/{ref}", "article": "/kb/articles/{ref}"}


class SearchHit(BaseModel):
    kind: str = Field(description="ticket or article")
    ref: int = Field(description="The ticket's number or the article's id")
    title: str = Field(description="The ticket's subject or the article's title (plain text)")
    snippet: str = Field(description="HTML: the matching text, escaped, with <mark> around the matches (and no other tag)")
    score: float = Field(description="Higher ranks first; comparable within one answer only")
    url: str


class SearchResults(BaseModel):
    items: list[SearchHit]
    total: int = Field(description="Tickets and articles found (each counted once)")
    limit: int
    offset: int
    total_capped: bool = Field(False, description="The query matched so many documents that only the newest were ranked: "
                                                  "the items are the best of those and total counts them only (there are more)")
    corrected: str | None = Field(None, description="The query as spelled-corrected, when nothing matched it as typed "
                                                    "and the correction found these hits")


def url_of(kind: str, ref: int) -> str:
    return KIND_URLS[kind].format(ref=ref)


@router.get("/search", response_model=SearchResults, responses={
    401: {"description": "No or bad token"}, 403: {"description": "Role not allowed"},
    422: {"description": "Invalid input (an empty or too long q); the body names each field"}})
def search(
    me: ReaderDep,
    sessions: SessionsDep,
    scope: ScopeDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, pattern=r"\S",
                            description='Words (all of them), "a phrase", `or`, -word; stemmed, a typo corrected')],
    kind: Annotated[Literal["ticket", "article"] | None, Query(description="Only tickets or only articles")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Offset = 0,
) -> SearchResults:
    """Tickets (their subject, description and whole conversation, notes included) and articles,
    best first. Only the tickets of teams the caller may see (models/team_scope.py)."""
    kinds = {kind} if kind else {"ticket", "article"}
    with sessions() as s:
        found = index.search(s, q, kinds=kinds, audience="internal", scope=scope, limit=limit, offset=offset)
    items = [SearchHit(kind=h.kind, ref=h.ref, title=h.title, snippet=h.snippet_html,
                       score=round(h.score, 6), url=url_of(h.kind, h.ref)) for h in found.hits]
    return SearchResults(items=items, total=found.total, total_capped=found.total_capped,
                         limit=limit, offset=offset, corrected=found.corrected)
