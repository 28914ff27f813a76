"""The console's ticket page: GET /console/tickets/{n} (the conversation, the requester's card
with their other tickets, the SLA clocks, the events timeline, a form for every action), and
POST /console/tickets/{n}/act, which takes one action through api/tickets/acting.py — the same
checks, the same `act` update, the same stale-view guard as the API. The page's live part
(what the customer or a colleague does, who else is here) is api/console/live.py."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.console.forms import action_body
from api.console.pages import cross_site, refusal, render
from api.deps import SessionsDep
from api.errors import ApiError
from api.macros.schemas import MacroPreview
from api.macros.service import usable_macros
from api.signin import session as web
from api.tickets import acting
from api.tickets.uploads import accept_upload
from api.tickets.downloads import file_download
from api.tickets.scope import check_visible, scope_of
from models import presence, queries
from models.kb import ticket_help
from models.mail import get_attachment
from models.tables import Agent, TicketRow
from workflows import messages as m
from workflows.vocabulary import ACTING_ROLES

router = APIRouter(prefix="/console/tickets", include_in_schema=False)
OTHER_TICKETS = 10


@dataclasses.dataclass
class Attempt:
    """An action the page sent that did not land: shown again with its values and what was wrong."""

    kind: str
    values: dict[str, str]
    message: str
    fields: dict[str, str]
    stale: bool = False
    to: str = "act"  # the page's route that takes it again ("Send it anyway"): act, macros/apply


def page_context(sessions: sessionmaker[Session], number: int, user: web.WebUser, now: datetime,
                 with_macros: bool = False, base_url: str = "") -> dict[str, Any]:
    """What the page shows besides the live view: from the read model (and, for the whole page,
    the macros the agent may use: its "Use a macro", and the articles suggested for its answer)."""
    with sessions() as s:
        row = queries.ticket_row(s, number)
        events = queries.ticket_events(s, number)
        others: list[TicketRow] = []
        if row is not None:
            others = list(s.scalars(select(TicketRow).where(TicketRow.requester_email == row.requester_email,
                                                            TicketRow.number != number)
                                    .order_by(TicketRow.created_at.desc()).limit(OTHER_TICKETS)))
        agents = list(s.execute(select(Agent.email, Agent.name).where(Agent.active).order_by(Agent.name)))
        here = presence.present(s, number, now, but=user.me.agent_id)
        macros = usable_macros(s, user.me) if with_macros and user.me.role in ACTING_ROLES else []
        articles = _suggested(s, row, events, base_url) if with_macros and user.me.role in ACTING_ROLES else []
    return {"row": row, "events": events, "others": others, "agents": agents, "present": here, "macros": macros,
            "articles": articles}


def _suggested(s: Session, row: TicketRow | None, events: list[Any], base_url: str) -> list[ticket_help.Suggestion]:
    """The articles for the ticket's answer, from its subject, description and the customer's latest message."""
    if row is None or row.status == "closed":
        return []
    latest = next((str(e.data.get("body", "")) for e in reversed(events) if e.kind == "customer_reply" and e.data), "")
    return ticket_help.for_ticket(s, subject=row.subject, description=row.description or "", latest=latest,
                                  base_url=base_url)


def _prefill(sessions: sessionmaker[Session], request: Request, attempt: Attempt | None) -> dict[str, str]:
    """?insert=<article>&as=link|text: the box it goes in (an internal article's: the note),
    filled with it; nothing when the page shows an attempt again (its own text is kept)."""
    wanted = request.query_params.get("insert")
    if not wanted or attempt is not None:
        return {}
    with sessions() as s:
        found = ticket_help.insertion(s, wanted, request.query_params.get("as", "text"),
                                      request.app.state.settings.public_url)
    return {found.into: found.text} if found else {}


async def page(request: Request, sessions: sessionmaker[Session], user: web.WebUser, number: int,
               status: int = 200, attempt: Attempt | None = None,
               macro_preview: MacroPreview | None = None) -> Response:
    now = datetime.now(timezone.utc)
    view = await request.app.state.gateway.view(number)
    base_url = request.app.state.settings.public_url
    extra = await run_in_threadpool(page_context, sessions, number, user, now, True, base_url)
    prefill = await run_in_threadpool(_prefill, sessions, request, attempt)
    if view is None and extra["row"] is None:
        return refusal("No such ticket", f"There is no ticket #{number}.", 404, user=user, back="/console")
    ticket = view.ticket if view is not None else extra["row"]
    return render("ticket.html", status=status, user=user, view=view, ticket=ticket, now=now, attempt=attempt,
                  key=secrets.token_urlsafe(12), may_act=user.me.role in ACTING_ROLES, statuses=m.STATUSES,
                  priorities=m.PRIORITIES, done=request.query_params.get("done"), macro_preview=macro_preview, prefill=prefill, **extra)


async def signed_in_and_visible(request: Request, sessions: sessionmaker[Session],
                                 number: int) -> web.WebUser | Response:
    user = await run_in_threadpool(web.signed_in, request)
    if isinstance(user, Response):
        return user
    scope = await run_in_threadpool(scope_of, sessions, user.me, request.app.state.settings)
    try:
        await check_visible(request, sessions, scope, number)
    except ApiError as err:
        return refusal("Not your team's ticket", err.message, err.status, user=user, back="/console")
    return user


@router.get("/{number}")
async def ticket_page(number: int, request: Request, sessions: SessionsDep) -> Response:
    user = await signed_in_and_visible(request, sessions, number)
    if isinstance(user, Response):
        return user
    return await page(request, sessions, user, number)


@router.post("/{number}/act")
async def act(number: int, request: Request, sessions: SessionsDep) -> Response:
    user = await signed_in_and_visible(request, sessions, number)
    if isinstance(user, Response):
        return user
    form = await request.form()
    if not web.form_allowed(request, user, form.get("csrf")):
        return cross_site()
    if user.me.role not in ACTING_ROLES:
        return refusal("Not allowed", f"The role {user.me.role!r} reads tickets but does not act on them.", 403, user=user)
    kind = str(form.get("kind") or "")
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("file")
    seen = values.get("seen", "")
    # "Send anyway" after a stale-view refusal: the agent has seen what changed.
    if_last_seq = int(seen) if seen.isdigit() and not values.get("confirm") else None
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            stored = await _upload(request, sessions, user, number, upload)
            values["attachments"] = ",".join(filter(None, [values.get("attachments", ""), str(stored.id)]))
        # A split from the page makes one sub-ticket, of the subject and description typed.
        fixed = {"children": [{"subject": values.get("subject", ""), "description": values.get("description", "")}]} \
            if kind == "split" else {}
        body, problems = action_body(kind, values, **fixed)
        if body is None:
            first = next(iter(problems.items()))
            raise ApiError("ValidationError", f"{first[0]}: {first[1]}", [{"field": k, "message": v} for k, v in problems.items()])
        scope = await run_in_threadpool(scope_of, sessions, user.me, request.app.state.settings)
        ctx = acting.Acting(request=request, sessions=sessions, scope=scope, tickets=request.app.state.gateway,
                            intake=request.app.state.intake, me=user.me)
        key = values.get("key") or None
        await acting.take(ctx, number, body, idempotency_key=f"console-{key}" if key else None, if_last_seq=if_last_seq)
    except ApiError as err:
        values.pop("csrf", None)
        attempt = Attempt(kind=kind, values=values, message=err.message, stale=err.type == "StaleView",
                          fields={f["field"]: f["message"] for f in err.fields})
        return await page(request, sessions, user, number, status=err.status, attempt=attempt)
    if kind in ("reply", "note", "macro"):
        await run_in_threadpool(stopped_writing, sessions, number, user.me.agent_id)
    return RedirectResponse(f"/console/tickets/{number}?done={kind}#top", status_code=303)


async def _upload(request: Request, sessions: sessionmaker[Session], user: web.WebUser, number: int,
                  upload: UploadFile) -> Any:
    limit = request.app.state.settings.max_attachment_bytes
    data = await upload.read(limit + 1)
    return await run_in_threadpool(accept_upload, sessions, number, upload.filename, upload.content_type, data, limit,
                                   user.me.email)


def stopped_writing(sessions: sessionmaker[Session], number: int, agent_id: int) -> None:
    with sessions.begin() as s:
        presence.note(s, number, agent_id, "viewing", datetime.now(timezone.utc))


@router.get("/{number}/attachments/{attachment_id}")
async def download(number: int, attachment_id: int, request: Request, sessions: SessionsDep) -> Response:
    user = await signed_in_and_visible(request, sessions, number)
    if isinstance(user, Response):
        return user

    def fetch() -> Response:
        with sessions() as s:
            row = get_attachment(s, number, attachment_id)
            if row is None:
                return refusal("No such file", f"Ticket #{number} has no file {attachment_id}.", 404, user=user)
            return file_download(row)

    return await run_in_threadpool(fetch)
