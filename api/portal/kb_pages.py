"""The portal's public knowledge base (docs/portal.md "Knowledge base"): browse by category,
search, read an article (its files are the knowledge base's own, GET /kb/files/{id}, which
serves a public published article's to anyone), say whether it helped. Published public articles only:
anything else is the same 404 as an article that does not exist.

A reader is a random id in a cookie (READER_COOKIE, the knowledge base's pages only): a view
counts once per reader and day, a vote once per reader per article, changed by voting again
(models/kb/usage.py). Nothing in it says who the reader is."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.portal.pages import refusal, render
from api.portal.service import Portal, get_portal
from models.kb import articles, rendering, suggestions, usage
from models.kb.usage import MAX_READER
from models.links import check_form_key, sign_form_key

router = APIRouter(prefix="/portal/kb", include_in_schema=False)
PortalDep = Annotated[Portal, Depends(get_portal)]
READER_COOKIE = "kb_reader"
READER_DAYS = 365
PER_PAGE = 10
NOT_FOUND = ApiError("NotFound", "There is no such article in our help centre. It may have been moved or taken "
                                 "down: search for it, or browse the categories.")
VOTED = {"yes": "Thank you: glad it helped.", "no": "Thank you for telling us: we will improve this article."}


def reader_of(request: Request) -> tuple[str, bool]:
    """The reader's id from their cookie, or a new one (True: set the cookie)."""
    known = request.cookies.get(READER_COOKIE, "")
    if 16 <= len(known) <= MAX_READER and known.replace("-", "").replace("_", "").isalnum():
        return known, False
    return secrets.token_urlsafe(18), True


def _remember(response: Response, reader: str, new: bool) -> Response:
    if new:
        response.set_cookie(READER_COOKIE, reader, max_age=READER_DAYS * 86400, path="/portal/kb", httponly=True,
                            samesite="lax", secure=False)  # secure follows the deployment's scheme (docs/portal.md)
    return response


@router.get("", response_class=HTMLResponse)
async def home(portal: PortalDep) -> HTMLResponse:
    def read() -> HTMLResponse:
        with portal.sessions() as s:
            found = articles.published(s, audience="public")
            newest = sorted(found, key=lambda a: (a.published_at or a.created_at, a.id), reverse=True)[:5]
            helpful = usage.most_helpful(s, [a.id for a in found], limit=5)
            by_id = {a.id: a for a in found}
            return render("kb_home.html", categories=articles.categories(s, audience="public"), newest=newest,
                          helpful=[(by_id[i], yes) for i, yes in helpful], total=len(found), q="")
    return await run_in_threadpool(read)


@router.get("/category/{name}", response_class=HTMLResponse)
async def category(name: str, portal: PortalDep) -> HTMLResponse:
    def read() -> HTMLResponse:
        with portal.sessions() as s:
            found = articles.published(s, audience="public", category=name)
        if not found:
            return refusal(ApiError("NotFound", f"There is no category {name!r} in our help centre."))
        return render("kb_list.html", heading=name, articles=found, q="", hits=None)
    return await run_in_threadpool(read)


@router.get("/search", response_class=HTMLResponse)
async def search_page(portal: PortalDep, q: Annotated[str, Query(max_length=300)] = "",
                      page: Annotated[int, Query(ge=1, le=100)] = 1) -> HTMLResponse:
    def read() -> HTMLResponse:
        with portal.sessions() as s:
            found = suggestions.find(s, q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        hits = [(m, Markup(m.snippet_html)) for m in found.matches]  # nosec: held to <mark> by suggestions._snippet
        return render("kb_list.html", heading="Search results", articles=[], q=q.strip(), hits=hits,
                      total=found.total, total_capped=found.total_capped, corrected=found.corrected, page=page,
                      more=page * PER_PAGE < found.total)
    return await run_in_threadpool(read)


def _article_page(s: Session, ref: str, reader: str, secret: str, notice: str | None = None) -> HTMLResponse:
    got = articles.get_published(s, id_or_slug=ref, audience="public")
    if got is None:
        return refusal(NOT_FOUND)
    article, version = got
    usage.record_view(s, article_id=article.id, reader=reader, day=datetime.now(timezone.utc).date())
    return render("kb_article.html", article=article, version=version, body=Markup(rendering.render(version.body)),
                  files=articles.files(s, article.id), vote=usage.vote_of(s, article_id=article.id, reader=reader),
                  form_key=sign_form_key(secret), notice=notice, q="")


@router.get("/{ref}", response_class=HTMLResponse)
async def article_page(ref: str, request: Request, portal: PortalDep, voted: str = "") -> Response:
    if len(ref) > 100:
        return refusal(NOT_FOUND)
    reader, new = reader_of(request)

    def read() -> HTMLResponse:
        with portal.sessions.begin() as s:
            return _article_page(s, ref, reader, portal.settings.link_secret, VOTED.get(voted))
    return _remember(await run_in_threadpool(read), reader, new)


@router.post("/{ref}/vote", response_class=HTMLResponse)
async def vote(ref: str, request: Request, portal: PortalDep) -> Response:
    form = await request.form()
    answer = str(form.get("helpful") or "")
    if answer not in VOTED:
        return refusal(ApiError("ValidationError", "Choose Yes or No to say whether the article helped.",
                                [{"field": "helpful", "message": "must be yes or no"}]))
    if check_form_key(portal.settings.link_secret, str(form.get("form_key") or "")) != "ok":
        return refusal(ApiError("Forbidden", "This page had expired, so your answer was not counted. "
                                               "Open the article again and answer once more."))
    reader, new = reader_of(request)

    def write() -> Response:
        with portal.sessions.begin() as s:
            got = articles.get_published(s, id_or_slug=ref, audience="public")
            if got is None:
                return refusal(NOT_FOUND)
            usage.vote(s, article_id=got[0].id, reader=reader, helpful=answer == "yes")
            return RedirectResponse(f"/portal/kb/{got[0].slug}?voted={answer}#vote", status_code=303)
    return _remember(await run_in_threadpool(write), reader, new)
