"""The console's queue pages: GET /console (the agent's own queue), GET /console/queues/{queue}
with the filters the API's `GET /tickets` has, sorting and paging; each queue's count; saved
views (POST /console/views, POST /console/views/{id}/delete). Bulk actions are
api/console/bulk.py."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams

from api.console.pages import refusal, render, signed_in_form
from api.deps import SessionsDep
from api.signin import session as web
from api.tickets.scope import scope_of
from models import queries, saved_views
from models.queues import QUEUES, narrowed, queue_counts, viewer
from models.tables import Team, TeamMember
from workflows.vocabulary import PRIORITIES, STATUSES

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE_SIZE = 25
SLA_STATES = ("ok", "at_risk", "breached")
SORT_NAMES = {"next_breach": "Next SLA breach", "-priority": "Priority, highest first", "-updated_at": "Last changed",
              "-created_at": "Newest", "created_at": "Oldest", "-number": "Number, highest first"}


@dataclass
class Chosen:
    """The filters as the agent typed them (to show again), what they mean, and what is wrong."""

    values: dict[str, Any]
    filter: queries.TicketFilter
    sort: str
    page: int
    errors: dict[str, str] = field(default_factory=dict)


def read_filters(params: QueryParams, default_sort: str) -> Chosen:
    errors: dict[str, str] = {}
    statuses = params.getlist("status")
    if bad := [s for s in statuses if s not in STATUSES]:
        errors["status"] = f"choose among {', '.join(STATUSES)} (not {bad[0]!r})"
    priorities = params.getlist("priority")
    if bad := [p for p in priorities if p not in PRIORITIES]:
        errors["priority"] = f"choose among {', '.join(PRIORITIES)} (not {bad[0]!r})"
    sla = params.getlist("sla")
    if bad := [x for x in sla if x not in SLA_STATES]:
        errors["sla"] = f"choose among {', '.join(SLA_STATES)} (not {bad[0]!r})"
    q = (params.get("q") or "").strip()
    if len(q) > 200:
        errors["q"] = "at most 200 characters"
    category = (params.get("category") or "").strip() or None
    if category and len(category) > 100:
        errors["category"] = "at most 100 characters"
    team = (params.get("team") or "").strip() or None
    if team and len(team) > 64:
        errors["team"] = "at most 64 characters"
    sort = params.get("sort") or default_sort
    if sort not in SORT_NAMES:
        errors["sort"] = f"choose one of {', '.join(SORT_NAMES)}"
        sort = default_sort
    raw_page = params.get("page") or "1"
    page = int(raw_page) if raw_page.isdigit() and 1 <= int(raw_page) <= 10_000 else 0
    if not page:
        errors["page"] = "a page number from 1 to 10000"
        page = 1
    values = {"status": statuses, "priority": priorities, "sla": sla, "q": q, "category": category or "",
              "team": team or "", "sort": sort}
    f = queries.TicketFilter(status=statuses, priority=priorities, sla=sla, text=q or None, category=category, team=team)
    return Chosen(values=values, filter=f, sort=sort, page=page, errors=errors)


def _my_teams(s: Session, agent_id: int) -> list[tuple[int, str, str]]:
    return [(i, slug, name) for i, slug, name in s.execute(
        select(Team.id, Team.slug, Team.name).join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.agent_id == agent_id).order_by(Team.name))]


def queue_page(request: Request, sessions: sessionmaker[Session], user: web.WebUser, slug: str,
               status: int = 200, **extra: Any) -> Response:
    queue = QUEUES[slug]
    chosen = read_filters(request.query_params, queue.sort)
    scope = scope_of(sessions, user.me, request.app.state.settings)
    now = datetime.now(timezone.utc)
    with sessions() as s:
        who = viewer(s, user.me.agent_id, user.me.email, now)
        counts = queue_counts(s, who, scope)
        f = narrowed(queue.base(who), dataclasses.replace(chosen.filter, scope=scope))
        rows, total = ([], 0) if chosen.errors else queries.search_tickets(
            s, f, limit=PAGE_SIZE, offset=(chosen.page - 1) * PAGE_SIZE, sort=chosen.sort)
        views = saved_views.visible_views(s, user.me.agent_id)
        teams = _my_teams(s, user.me.agent_id)
    pages = max(1, -(-total // PAGE_SIZE))
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return render("queue.html", status=422 if chosen.errors else status, user=user, queue=queue, queues=QUEUES,
                  counts=counts, rows=rows, total=total, page=chosen.page, pages=pages, chosen=chosen, now=now,
                  statuses=STATUSES, priorities=PRIORITIES, sla_states=SLA_STATES, sorts=SORT_NAMES, views=views,
                  teams=teams, query=urlencode(kept), here=request.url.path, bulk_key=secrets.token_urlsafe(12),
                  **({"result": None, "view_error": None} | extra))


@router.get("")
def home(request: Request) -> Response:
    return RedirectResponse("/console/queues/mine", status_code=303)


@router.get("/queues/{slug}")
def queue(slug: str, request: Request, sessions: SessionsDep) -> Response:
    user = web.signed_in(request)
    if isinstance(user, Response):
        return user
    if slug not in QUEUES:
        return refusal("No such queue", f"There is no queue {slug!r}; there are {', '.join(QUEUES)}.", 404,
                       user=user, back="/console")
    return queue_page(request, sessions, user, slug)


@router.post("/views")
async def save_view(request: Request, sessions: SessionsDep) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    user, form = posted
    name = str(form.get("name") or "").strip()
    slug = str(form.get("queue") or "")
    query = str(form.get("query") or "")
    share = str(form.get("share") or "")
    return await run_in_threadpool(_save_view, request, sessions, user, name, slug, query, share)


def _save_view(request: Request, sessions: sessionmaker[Session], user: web.WebUser, name: str, slug: str,
               query: str, share: str) -> Response:
    if slug not in QUEUES:
        return refusal("No such queue", f"There is no queue {slug!r}.", 422, user=user, back="/console")
    params = QueryParams(query)
    problem = ("name: give the view a name" if not name else
               f"name: at most {saved_views.MAX_NAME} characters" if len(name) > saved_views.MAX_NAME else
               "query: at most 2000 characters" if len(query) > 2000 else None)
    problem = problem or next((f"{k}: {v}" for k, v in read_filters(params, QUEUES[slug].sort).errors.items()), None)
    with sessions.begin() as s:
        team_id = None
        if share and problem is None:
            mine = {str(i): i for i, _, _ in _my_teams(s, user.me.agent_id)}
            team_id = mine.get(share)
            if team_id is None:
                problem = "share: you can share a view only with a team you are in"
        if problem is None:
            view = saved_views.save_view(s, owner_id=user.me.agent_id, name=name, queue=slug,
                                         params=[(k, v) for k, v in params.multi_items() if k != "page"],
                                         team_id=team_id)
            return RedirectResponse(f"/console/queues/{slug}?{view.query}", status_code=303)
    request.scope["query_string"] = query.encode()
    return queue_page(request, sessions, user, slug, status=422, view_error=problem)


@router.post("/views/{view_id}/delete")
async def delete_view(view_id: int, request: Request, sessions: SessionsDep) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    user, form = posted

    def delete() -> bool:
        with sessions.begin() as s:
            return saved_views.delete_view(s, view_id, user.me.agent_id)

    if not await run_in_threadpool(delete):
        return refusal("Not deleted", "That view is not yours (only its owner deletes a view) or is gone.", 404,
                       user=user, back="/console")
    return RedirectResponse("/console", status_code=303)
