"""Answers before a request (docs/portal.md "Suggested answers"): the request form's "Find
answers first" step shows the public articles that match the subject and description above the
form, each with "This answered my question"; that ends there with no ticket, and counts one
deflection (models/kb/usage.py: the article, a hash of the query's words, when). "Send my request
anyway" is the form's own button. With script (api/static/portal-kb.js) the same articles come
from GET /portal/kb/suggest as the customer types. Both are limited per client like the form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError, error_body
from api.portal.pages import HEADERS, refusal, render
from api.portal.service import Portal, get_portal
from api.throttle import client_address, in_words, throttle_of, too_many
from models.kb import articles, suggestions, usage
from models.links import check_form_key, sign_form_key

router = APIRouter(prefix="/portal/kb", include_in_schema=False)
PortalDep = Annotated[Portal, Depends(get_portal)]
FIELDS = ("name", "email", "subject", "description")  # the request form's (api/portal/requests.py)
SUGGESTED = 5


def _wait(request: Request) -> int | None:
    throttle = throttle_of(request)
    return throttle.admit((throttle.portal_suggest, client_address(request)))


def _best(portal: Portal, query: str) -> list[suggestions.Match]:
    with portal.sessions() as s:
        return suggestions.best(s, query, limit=SUGGESTED)


@router.post("/answers", response_class=HTMLResponse)
async def answers(request: Request, portal: PortalDep) -> HTMLResponse:
    """The request form again, as filled in, with the matching articles above it."""
    form = await request.form()
    values = {f: str(form.get(f) or "").strip() for f in FIELDS}
    key = str(form.get("form_key") or "")
    if check_form_key(portal.settings.link_secret, key) != "ok":
        key = sign_form_key(portal.settings.link_secret)
    query = suggestions.query_of(values["subject"], values["description"])
    errors: dict[str, str] = {}
    found: list[suggestions.Match] = []
    status = 200
    if not query:
        errors["subject"] = "Enter a subject or a description first: we look for answers to what you write."
        status = 422
    elif (wait := _wait(request)) is not None:
        errors["form"] = f"Too many searches from here: please try again in {in_words(wait)}, or send your request."
        status = 429
    else:
        found = await run_in_threadpool(_best, portal, query)
    # A page cannot give a file back to the form: the customer chooses them again before sending.
    dropped = any(getattr(v, "filename", None) for _, v in form.multi_items())
    return render("request_form.html", status=status, values=values, errors=errors, form_key=key,
                  answers={"found": found, "query": query, "files_dropped": dropped})


@router.post("/answered", response_class=HTMLResponse)
async def answered(request: Request, portal: PortalDep) -> HTMLResponse:
    """"This answered my question": no request is sent; the deflection is counted once per form."""
    form = await request.form()
    if check_form_key(portal.settings.link_secret, str(form.get("form_key") or "")) != "ok":
        return refusal(ApiError("Forbidden", "This page had expired, so nothing was counted. No request was sent; "
                                             "open the help centre again if you need us."))
    ref = str(form.get("article") or "")
    query = str(form.get("query") or "")[:suggestions.MAX_QUERY_CHARS]

    def write() -> HTMLResponse:
        with portal.sessions.begin() as s:
            got = articles.get_published(s, id_or_slug=ref, audience="public") if ref.isdigit() else None
            if got is None:
                return refusal(ApiError("NotFound", "That article is no longer in our help centre. No request was "
                                                    "sent: go back to send yours."))
            usage.record_deflection(s, article_id=got[0].id, query=query, key=str(form.get("form_key")))
            return render("kb_answered.html", article=got[0], q="")
    return await run_in_threadpool(write)


@router.get("/suggest")
async def suggest(request: Request, portal: PortalDep,
                  q: Annotated[str, Query(max_length=suggestions.MAX_QUERY_CHARS * 4)] = "") -> Response:
    """The articles matching what is typed so far, as JSON for the form's script."""
    query = suggestions.query_of(q)
    if not query:
        return JSONResponse({"query": "", "articles": []}, headers=HEADERS)
    wait = _wait(request)
    if wait is not None:
        err = too_many("suggestions", wait)
        return JSONResponse(error_body(err.type, err.message), status_code=err.status,
                            headers=HEADERS | (err.headers or {}))

    found = await run_in_threadpool(_best, portal, query)
    return JSONResponse({"query": query, "articles": [
        {"id": m.id, "title": m.title, "url": m.path, "category": m.category,
         "snippet": suggestions.plain_snippet(m.snippet_html)} for m in found]}, headers=HEADERS)
