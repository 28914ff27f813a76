"""The console's knowledge base (docs/console.md, "Knowledge base"):

- GET /console/kb: every article, filtered by status, category, visibility and words (in the
  title, or found by search in a published one's text), the stale ones marked;
- GET and POST /console/kb/new: a new draft; `?from_ticket=N` fills it from the ticket (its
  subject, its problem and its resolution, its category and tags) and, saved, links it to the
  ticket (the knowledge-capture step);
- GET /console/kb/{id}: the article as every reader sees it, its versions, the tickets it
  helped, and the moves the agent's role allows; POST /console/kb/{id}/{submit|publish|archive};
- GET and POST /console/kb/{id}/edit: a new version from the one the form was drawn on (two
  editors: the second is told, and keeps their text).

Thin: api/kb/service.py writes (the same checks, refusals and review reminders as the JSON API
under /kb); a refusal comes back as the form with the field named and what was typed kept."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.console.pages import refusal, render, signed_in_form
from api.console.ticket import signed_in_and_visible
from api.deps import SessionsDep
from api.errors import ApiError
from api.kb import service
from api.kb.schemas import ArticleIn, ArticleUpdate
from api.signin import session as web
from models import queries
from models.kb import articles, rendering, ticket_help
from models.kb.tables import STATUSES, VISIBILITIES, Article
from models.kb.usage import TicketLink, link_article_to_ticket
from models.search import search
from models.tables import TicketRow
from models.team_scope import scope_for
from models.utc import as_utc
from workflows.vocabulary import ACTING_ROLES, Role

router = APIRouter(prefix="/console/kb", include_in_schema=False)
FIELDS = ("title", "body", "category", "tags", "visibility", "review_at", "note")
PUBLISHERS = (Role.SUPERVISOR, Role.ADMIN)
MOVE_ROLES = {"submit": ACTING_ROLES, "publish": PUBLISHERS, "archive": PUBLISHERS}
DONE = {"created": "the draft is saved", "saved": "the new version is saved", **articles.DONE}
HELPED = 50  # the latest tickets an article's page lists


# --- reading the form ------------------------------------------------------------------------


def _values(form: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in (*FIELDS, "version", "from_ticket")}


def _input(values: Mapping[str, str]) -> dict[str, Any]:
    """The schema's input from the form: an empty box is no value; a review date is that day, 09:00 UTC."""
    day = values.get("review_at", "").strip()
    return {"title": values.get("title", ""), "body": values.get("body", ""),
            "category": values.get("category", "").strip() or None,
            "tags": [t.strip() for t in values.get("tags", "").replace("\n", ",").split(",") if t.strip()],
            "visibility": values.get("visibility") or "internal",
            "review_at": f"{day}T09:00:00+00:00" if day else None, "note": values.get("note", "").strip() or None}


def _problems(err: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in err.errors():
        field = next((str(p) for p in e.get("loc", ()) if not isinstance(p, int)), "form")
        kind = e.get("type", "")
        message = "must not be empty" if kind in ("missing", "string_too_short") else str(e.get("msg", "invalid"))
        out.setdefault("review_at" if field == "review_at" else field, message)
    return out


def _api_problems(err: ApiError) -> dict[str, str]:
    return {f["field"]: f["message"] for f in err.fields} or {"form": err.message}


def _writer(user: web.WebUser) -> Response | None:
    if user.me.role in ACTING_ROLES:
        return None
    return refusal("Not allowed", f"The role {user.me.role!r} reads the knowledge base but does not write it.", 403,
                   user=user, back="/console/kb")


async def _writer_form(request: Request) -> tuple[web.WebUser, dict[str, str]] | Response:
    """A signed-in writer's form (agents, supervisors, admins), as typed."""
    got = await signed_in_form(request)
    if isinstance(got, Response):
        return got
    user, form = got
    return _writer(user) or (user, _values(form))


def _no_article(user: web.WebUser, article_id: int) -> Response:
    return refusal("No such article", f"There is no article {article_id}.", 404, user=user, back="/console/kb")


def _remind(request: Request) -> service.Remind:
    return service.reminder(request.app.state.temporal, request.app.state.settings.task_queue)


# --- the list ---------------------------------------------------------------------------------


def _stale(article: Article, now: datetime) -> bool:
    review = as_utc(article.review_at)
    return review is not None and review < now and article.status != "archived"


def _list(sessions: sessionmaker[Session], user: web.WebUser, filters: dict[str, str]) -> Response:
    status, visibility = filters["status"] or None, filters["visibility"] or None
    category, q = filters["category"] or None, filters["q"].strip()[:200] or None
    now = datetime.now(timezone.utc)
    with sessions() as s:
        rows, total = articles.listed(s, status=status, category=category, visibility=visibility, q=q, limit=100)
        snippets: dict[int, str] = {}
        if q:  # and the published ones whose text has the words
            hits = search(s, q, kinds={"article"}, audience="internal", limit=20).hits
            snippets = {h.ref: ticket_help.snippet(h.snippet_html) for h in hits}
            extra = [h.ref for h in hits if h.ref not in {a.id for a in rows}]
            found = s.scalars(select(Article).where(Article.id.in_(extra))).all() if extra else []
            more = [a for a in found if (not status or a.status == status) and (not category or a.category == category)
                    and (not visibility or a.visibility == visibility)]
            rows, total = rows + more, total + len(more)
        cats = sorted({str(c) for c in s.scalars(select(Article.category).where(Article.category.is_not(None)).distinct())})
    return render("kb_list.html", user=user, articles=rows, total=total, snippets=snippets, filters=filters,
                  stale={a.id for a in rows if _stale(a, now)}, statuses=STATUSES, visibilities=VISIBILITIES,
                  categories=cats, may_write=user.me.role in ACTING_ROLES)


@router.get("")
async def kb_list(request: Request, sessions: SessionsDep) -> Response:
    user = await run_in_threadpool(web.signed_in, request)
    if isinstance(user, Response):
        return user
    filters = {k: request.query_params.get(k, "") for k in ("status", "category", "visibility", "q")}
    for name, allowed in (("status", STATUSES), ("visibility", VISIBILITIES)):
        if filters[name] and filters[name] not in allowed:
            return refusal("Not a filter", f"{name}: choose one of {', '.join(allowed)}", 422, user=user,
                           back="/console/kb")
    return await run_in_threadpool(_list, sessions, user, filters)


# --- a new article -----------------------------------------------------------------------------


def _from_ticket(row: TicketRow) -> dict[str, str]:
    """A draft from a ticket: its subject, its problem and its resolution, its category and tags."""
    body = f"## Problem\n\n{row.description or row.subject}\n\n## Resolution\n\n{row.resolution or ''}".rstrip() + "\n"
    return {"title": row.subject[:200], "body": body, "category": row.category or "", "tags": ", ".join(row.tags or []),
            "visibility": "internal", "review_at": "", "note": f"From ticket #{row.number}", "version": "",
            "from_ticket": str(row.number)}


def _form_page(user: web.WebUser, values: dict[str, str], *, editing: Article | None = None, status: int = 200,
               errors: dict[str, str] | None = None, message: str | None = None,
               ticket: TicketRow | None = None) -> Response:
    return render("kb_form.html", status=status, user=user, values=values, editing=editing, errors=errors or {},
                  message=message, ticket=ticket, visibilities=VISIBILITIES)


async def _ticket_for(request: Request, sessions: sessionmaker[Session], raw: str) -> TicketRow | Response | None:
    """The ticket a draft is made from, if the agent may see it."""
    if not raw:
        return None
    if not raw.isdigit():
        return refusal("No such ticket", f"from_ticket: {raw!r} is no ticket number", 422, back="/console/kb")
    visible = await signed_in_and_visible(request, sessions, int(raw))
    if isinstance(visible, Response):
        return visible

    def read() -> TicketRow | None:
        with sessions() as s:
            return queries.ticket_row(s, int(raw))

    row = await run_in_threadpool(read)
    return row or refusal("No such ticket", f"There is no ticket #{raw}.", 404, user=visible, back="/console/kb")


@router.get("/new")
async def new_page(request: Request, sessions: SessionsDep) -> Response:
    user = await run_in_threadpool(web.signed_in, request)
    if isinstance(user, Response):
        return user
    if refused := _writer(user):
        return refused
    ticket = await _ticket_for(request, sessions, request.query_params.get("from_ticket", ""))
    if isinstance(ticket, Response):
        return ticket
    values = _from_ticket(ticket) if ticket else {"visibility": "internal"}
    return _form_page(user, values, ticket=ticket)


@router.post("/new")
async def create(request: Request, sessions: SessionsDep) -> Response:
    got = await _writer_form(request)
    if isinstance(got, Response):
        return got
    user, values = got
    ticket = await _ticket_for(request, sessions, values["from_ticket"])
    if isinstance(ticket, Response):
        return ticket
    remind = _remind(request)

    def save() -> Response:
        try:
            body = ArticleIn.model_validate(_input(values))
        except ValidationError as err:
            return _form_page(user, values, status=422, errors=_problems(err), ticket=ticket,
                              message="Some fields are not right; nothing was saved.")
        try:
            made = service.create(sessions, user.me, body, remind)
        except ApiError as err:
            return _form_page(user, values, status=err.status, errors=_api_problems(err), message=err.message,
                              ticket=ticket)
        if ticket is not None:  # the ticket it was captured from is the first it helped
            with sessions.begin() as s:
                row = queries.ticket_row(s, ticket.number)
                link_article_to_ticket(s, article_id=made.id, number=ticket.number,
                                       seq=row.last_seq if row else ticket.last_seq, actor=user.me.email)
        return RedirectResponse(f"/console/kb/{made.id}?done=created", status_code=303)

    return await run_in_threadpool(save)


# --- one article -------------------------------------------------------------------------------


def _helped(s: Session, article_id: int, user: web.WebUser, settings: Any) -> list[tuple[int, str, str]]:
    """(number, subject, status) of the latest tickets the article helped that the agent may see."""
    scope = scope_for(s, user.me.agent_id, user.me.role, settings.ticket_access)
    rows = s.execute(select(TicketRow.number, TicketRow.subject, TicketRow.status).join(
        TicketLink, TicketLink.number == TicketRow.number).where(TicketLink.article_id == article_id,
                                                                  scope.visible(TicketRow.team))
        .group_by(TicketRow.number, TicketRow.subject, TicketRow.status)
        .order_by(TicketRow.number.desc()).limit(HELPED))
    return [(n, subject, st) for n, subject, st in rows]


def _article_page(sessions: sessionmaker[Session], user: web.WebUser, article_id: int, settings: Any,
                  done: str | None = None) -> Response:
    with sessions() as s:
        article = s.get(Article, article_id)
        if article is None:
            return _no_article(user, article_id)
        version = articles.current(s, article)
        history = articles.versions(s, article_id)
        names = service.owners(s, {article.owner_id} | {v.author_id for v in history})
        helped = _helped(s, article_id, user, settings)
    role = user.me.role
    moves = [a for a, (sources, _) in articles.MOVES.items() if article.status in sources and role in MOVE_ROLES[a]]
    may_edit = role in ACTING_ROLES and article.status in articles.EDITABLE and (
        article.status != "published" or role in PUBLISHERS)
    return render("kb_article.html", user=user, article=article, version=version, html=rendering.render(version.body),
                  history=history, names=names, helped=helped, moves=moves, may_edit=may_edit,
                  stale=_stale(article, datetime.now(timezone.utc)), done=DONE.get(done or ""),
                  portal_url=f"/portal/kb/{article.slug}" if article.visibility == "public" else None)


@router.get("/{article_id}")
async def article_page(article_id: int, request: Request, sessions: SessionsDep) -> Response:
    user = await run_in_threadpool(web.signed_in, request)
    if isinstance(user, Response):
        return user
    return await run_in_threadpool(_article_page, sessions, user, article_id, request.app.state.settings,
                                   request.query_params.get("done"))


# --- editing -----------------------------------------------------------------------------------


def _edit_values(s: Session, article: Article) -> dict[str, str]:
    review = as_utc(article.review_at)
    return {"title": article.title, "body": articles.current(s, article).body, "category": article.category or "",
            "tags": ", ".join(article.tags or []), "visibility": article.visibility,
            "review_at": review.date().isoformat() if review else "", "note": "", "version": str(article.version),
            "from_ticket": ""}


@router.get("/{article_id}/edit")
async def edit_page(article_id: int, request: Request, sessions: SessionsDep) -> Response:
    user = await run_in_threadpool(web.signed_in, request)
    if isinstance(user, Response):
        return user
    if refused := _writer(user):
        return refused

    def show() -> Response:
        with sessions() as s:
            article = s.get(Article, article_id)
            if article is None:
                return _no_article(user, article_id)
            return _form_page(user, _edit_values(s, article), editing=article)

    return await run_in_threadpool(show)


@router.post("/{article_id}/edit")
async def edit(article_id: int, request: Request, sessions: SessionsDep) -> Response:
    got = await _writer_form(request)
    if isinstance(got, Response):
        return got
    user, values = got
    remind = _remind(request)

    def save() -> Response:
        with sessions() as s:
            article = s.get(Article, article_id)
            if article is None:
                return _no_article(user, article_id)
            s.expunge(article)
        try:
            body = ArticleUpdate.model_validate(_input(values) | {"version": values["version"] or "0"})
        except ValidationError as err:
            return _form_page(user, values, editing=article, status=422, errors=_problems(err),
                              message="Some fields are not right; nothing was saved.")
        try:
            service.edit(sessions, user.me, article_id, body, remind)
        except ApiError as err:
            if err.type == "ArticleChanged":  # a colleague saved first: keep this text, on their version now
                with sessions() as s:
                    now_at = articles.get(s, article_id).version
                kept = values | {"version": str(now_at)}
                return _form_page(user, kept, editing=article, status=409, errors={"version": "changed"},
                                  message=f"Someone saved version {now_at} while you were editing. Your text is "
                                  "kept below, nothing of it was saved: compare it with the current version and "
                                  "save again to make it the next one.")
            return _form_page(user, values, editing=article, status=err.status, errors=_api_problems(err),
                              message=err.message)
        return RedirectResponse(f"/console/kb/{article_id}?done=saved", status_code=303)

    return await run_in_threadpool(save)


# --- moving it: after the edit routes, whose paths it would take otherwise ------------------


@router.post("/{article_id}/{action}")
async def move(article_id: int, action: str, request: Request, sessions: SessionsDep) -> Response:
    """submit (agents, supervisors, admins), publish and archive (supervisors and admins)."""
    got = await signed_in_form(request)
    if isinstance(got, Response):
        return got
    user, _ = got
    if action not in MOVE_ROLES:
        return refusal("No such step", f"An article is submitted, published or archived, not {action!r}.", 404, user=user,
                       back=f"/console/kb/{article_id}")
    if user.me.role not in MOVE_ROLES[action]:
        return refusal("Not allowed", f"Only a supervisor or an admin may {action} an article; submit it for review "
                       "instead.", 403, user=user, back=f"/console/kb/{article_id}")
    remind = _remind(request)

    def step() -> Response:
        try:
            service.move(sessions, article_id, action, remind)
        except ApiError as err:
            return refusal("Not done", err.message, err.status, user=user, back=f"/console/kb/{article_id}")
        return RedirectResponse(f"/console/kb/{article_id}?done={action}", status_code=303)

    return await run_in_threadpool(step)
