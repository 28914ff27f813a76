"""The console's search page: GET /console/search?q= (docs/search.md), the hits of models/search
as GET /search ranks them, for the signed-in agent's team scope. A hit's snippet is our own
escaped text with only <mark> added (models/search/text.marked_html): the template may show it
as HTML; its title is text and escaped as any other."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.console.pages import render
from api.deps import SessionsDep
from api.signin import session as web
from api.tickets.scope import scope_of
from models import search as index
from models.search import MAX_QUERY_CHARS

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE_SIZE = 20
URLS = {"ticket": "/console/tickets/{ref}", "article": "/console/kb/{ref}"}


@router.get("/search")
async def search_page(request: Request, sessions: SessionsDep) -> Response:
    user = await run_in_threadpool(web.signed_in, request)
    if isinstance(user, Response):
        return user
    q = (request.query_params.get("q") or "").strip()
    kind = request.query_params.get("kind") or ""
    raw_page = request.query_params.get("page") or "1"
    page = int(raw_page) if raw_page.isdigit() and 1 <= int(raw_page) <= 500 else 1
    error = (f"at most {MAX_QUERY_CHARS} characters" if len(q) > MAX_QUERY_CHARS
             else "choose ticket or article" if kind not in ("", "ticket", "article") else None)
    if error or not q:
        return render("search.html", status=422 if error else 200, user=user, q=q, kind=kind, error=error, found=None)

    def run() -> index.SearchHits:
        scope = scope_of(sessions, user.me, request.app.state.settings)
        with sessions() as s:
            return index.search(s, q, kinds={kind} if kind else {"ticket", "article"}, scope=scope,
                                limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)

    found = await run_in_threadpool(run)
    return render("search.html", user=user, q=q, kind=kind, error=None, found=found, page=page, size=PAGE_SIZE,
                  urls=URLS)
