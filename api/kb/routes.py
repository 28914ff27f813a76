"""Articles over JSON under /kb (docs/knowledge-base.md). Who may do what is declared here, so
the OpenAPI document shows it: every role reads, agents, supervisors and admins write drafts
and submit them for review, supervisors and admins publish and archive (and change a published
article). Thin: api/kb/service.py and models/kb/articles.py decide."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import AgentDep, ReaderDep, SessionsDep, SupervisorDep
from api.errors import ApiError
from api.kb import service
from api.kb.schemas import (ArticleDetail, ArticleId, ArticleIn, ArticleOut, ArticlePage, ArticleUpdate, Status,
                            StaleArticle, VersionDetail, VersionOut, Visibility)
from api.params import Offset
from api.schemas import Category
from models.kb import articles
from models.kb.tables import Article
from models.utc import as_utc

router = APIRouter(prefix="/kb", tags=["Knowledge base"])
VersionN = Annotated[int, Path(ge=1, le=1_000_000, description="The version's number")]
NOT_FOUND = {404: {"description": "No such article (ArticleNotFound)"}}
WRITE = {403: {"description": "Not allowed for this role"},
         422: {"description": "A field is invalid: an empty title, or a body with a script, an event handler, a "
                              "javascript: or data: link or a foreign image (UnsafeMarkdown); nothing is saved"},
         503: {"description": "The review reminder could not be set (TemporalUnavailable); nothing is saved"}}
MOVE = WRITE | NOT_FOUND | {409: {"description": "The article's status does not allow it (InvalidTransition)"}}


def _remind(request: Request) -> service.Remind:
    return service.reminder(request.app.state.temporal, request.app.state.settings.task_queue)


@router.post("/articles", response_model=ArticleDetail, status_code=status.HTTP_201_CREATED,
             responses=WRITE | {409: {"description": "The slug is taken (ArticleExists)"}})
async def create_article(body: ArticleIn, me: AgentDep, sessions: SessionsDep, request: Request,
                         response: Response) -> ArticleDetail:
    """A new draft (agents, supervisors, admins): version 1, by the caller, owned by the caller
    unless `owner` names another agent. A `review_at` sets the owner's review reminder."""
    out = await run_in_threadpool(service.create, sessions, me, body, _remind(request))
    response.headers["Location"] = f"/kb/articles/{out.id}"
    return out


@router.get("/articles", response_model=ArticlePage)
def list_articles(me: ReaderDep, sessions: SessionsDep,
                  status: Annotated[Status | None, Query(description="Only in this status")] = None,
                  category: Annotated[Category | None, Query(description="Only in this category")] = None,
                  visibility: Annotated[Visibility | None, Query(description="Only public or internal ones")] = None,
                  q: Annotated[str | None, Query(min_length=1, max_length=200, description="Words in the title")] = None,
                  limit: Annotated[int, Query(ge=1, le=200, description="At most this many")] = 50,
                  offset: Offset = 0) -> ArticlePage:
    """Every article, in any status, for the desk's staff: the latest changed first."""
    with sessions() as s:
        rows, total = articles.listed(s, status=status, category=category, visibility=visibility, q=q, limit=limit,
                                      offset=offset)
        names = service.emails(s, {a.owner_id for a in rows})
        return ArticlePage(items=[ArticleOut.of(a, names) for a in rows], total=total, limit=limit, offset=offset)


@router.get("/articles/{article_id}", response_model=ArticleDetail, responses=NOT_FOUND)
def get_article(article_id: ArticleId, me: ReaderDep, sessions: SessionsDep) -> ArticleDetail:
    """One article with its current version: the Markdown, and the HTML every page and mail shows."""
    with sessions() as s, service.refusals():
        return service.detail(s, articles.get(s, article_id))


@router.put("/articles/{article_id}", response_model=ArticleDetail, responses=MOVE | {
    403: {"description": "Not allowed for this role; an agent changing a published article"},
    409: {"description": "Another version was written since `version` (ArticleChanged), or the article is "
                         "archived (InvalidTransition): nothing is saved"}})
async def update_article(article_id: ArticleId, body: ArticleUpdate, me: AgentDep, sessions: SessionsDep,
                         request: Request) -> ArticleDetail:
    """A new version, by the caller, made on `version`: kept beside the others. Drafts and
    articles in review: agents, supervisors, admins; a published one: supervisors and admins (it
    stays published, its new text searchable at once)."""
    return await run_in_threadpool(service.edit, sessions, me, article_id, body, _remind(request))


@router.get("/articles/{article_id}/versions", response_model=list[VersionOut], responses=NOT_FOUND)
def list_versions(article_id: ArticleId, me: ReaderDep, sessions: SessionsDep) -> list[VersionOut]:
    """Every version, newest first, with its author and time."""
    with sessions() as s, service.refusals():
        articles.get(s, article_id)
        rows = articles.versions(s, article_id)
        names = service.emails(s, {v.author_id for v in rows})
        return [VersionOut.of(v, names) for v in rows]


@router.get("/articles/{article_id}/versions/{n}", response_model=VersionDetail,
            responses={404: {"description": "No such article or version"}})
def get_version(article_id: ArticleId, n: VersionN, me: ReaderDep, sessions: SessionsDep) -> VersionDetail:
    with sessions() as s, service.refusals():
        articles.get(s, article_id)
        found = articles.version(s, article_id, n)
        if found is None:
            raise ApiError("NotFound", f"article {article_id} has no version {n}",
                           [{"field": "path parameter n", "message": "no such version"}])
        return VersionDetail.of(found, service.emails(s, {found.author_id}))


@router.post("/articles/{article_id}/submit", response_model=ArticleDetail, responses=MOVE)
async def submit_article(article_id: ArticleId, me: AgentDep, sessions: SessionsDep, request: Request) -> ArticleDetail:
    """Ask for review (agents, supervisors, admins): a draft, or an archived article coming back, goes in review."""
    return await run_in_threadpool(service.move, sessions, article_id, "submit", _remind(request))


@router.post("/articles/{article_id}/publish", response_model=ArticleDetail, responses=MOVE)
async def publish_article(article_id: ArticleId, me: SupervisorDep, sessions: SessionsDep,
                          request: Request) -> ArticleDetail:
    """Publish (supervisors and admins): a draft or an article in review. Readers of its
    visibility see it, and search finds it."""
    return await run_in_threadpool(service.move, sessions, article_id, "publish", _remind(request))


@router.post("/articles/{article_id}/archive", response_model=ArticleDetail, responses=MOVE)
async def archive_article(article_id: ArticleId, me: SupervisorDep, sessions: SessionsDep,
                          request: Request) -> ArticleDetail:
    """Archive (supervisors and admins): nobody reads it any more, search forgets it, its
    review reminder stops. Submitting it again brings it back through review."""
    return await run_in_threadpool(service.move, sessions, article_id, "archive", _remind(request))


@router.get("/stale", response_model=list[StaleArticle], responses={403: {"description": "Not allowed for this role"}})
def stale_articles(me: SupervisorDep, sessions: SessionsDep) -> list[StaleArticle]:
    """Articles past their review date (supervisors and admins), the longest overdue first, with
    their owner and how late they are. Archived ones are not listed."""
    now = datetime.now(timezone.utc)
    with sessions() as s:
        rows: list[Article] = articles.stale(s, now=now)
        owners = service.owners(s, {a.owner_id for a in rows})
        out = []
        for a in rows:
            due = as_utc(a.review_at)
            assert due is not None  # stale ones have a date
            email, name = owners.get(a.owner_id, ("", ""))
            out.append(StaleArticle(id=a.id, title=a.title, status=a.status, owner=email, owner_name=name, review_at=due,
                                    days_late=round((now - due).total_seconds() / 86400, 2)))
        return out
