"""Bulk actions from a queue page: one action on the selected tickets, each through the ticket's
own `act` update (api/tickets/acting.py), with each ticket's outcome shown. Each ticket's action
carries an Idempotency-Key made of the form's own key and its number, so a form sent twice
(a double click, a reload) acts once per ticket."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.console.forms import action_body
from api.console.pages import refusal, signed_in_form
from api.console.queues import queue_page
from api.deps import SessionsDep
from api.errors import ApiError
from api.signin import session as web
from api.tickets import acting
from api.tickets.scope import check_visible, scope_of
from models.queues import QUEUES
from workflows.vocabulary import ACTING_ROLES

router = APIRouter(prefix="/console", include_in_schema=False)
MAX_SELECTED = 100
# The form's `text` box is the reason or resolution of the action that takes one.
TEXT_FIELD = {"pend": "reason", "hold": "reason", "reopen": "reason", "resolve": "resolution"}


@dataclass(frozen=True)
class Outcome:
    number: int
    ok: bool
    message: str


@router.post("/bulk")
async def bulk(request: Request, sessions: SessionsDep) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    user, form = posted
    back = web.local_path(str(form.get("back") or ""), "/console/queues/mine")
    parts = urlsplit(back)
    slug = parts.path.rsplit("/", 1)[-1]
    slug = slug if slug in QUEUES else "mine"
    request.scope["query_string"] = parts.query.encode()
    request.scope["path"] = f"/console/queues/{slug}"
    if user.me.role not in ACTING_ROLES:
        return refusal("Not allowed", f"The role {user.me.role!r} reads tickets but does not act on them.", 403, user=user)
    numbers = list(dict.fromkeys(int(n) for n in form.getlist("n") if str(n).isdigit()))
    kind = str(form.get("action") or "")
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    if kind == "set_tags":
        fields["add"] = fields.get("tags", "")
    if kind in TEXT_FIELD:
        fields[TEXT_FIELD[kind]] = fields.get("text", "")
    body, problems = action_body(kind, fields)
    if not numbers:
        problems = {"selection": "select at least one ticket"} | problems
    elif len(numbers) > MAX_SELECTED:
        problems = {"selection": f"at most {MAX_SELECTED} tickets at once"} | problems
    if problems or body is None:
        return await run_in_threadpool(lambda: queue_page(request, sessions, user, slug, status=422,
                                                          result={"problems": problems, "outcomes": []}))
    scope = await run_in_threadpool(scope_of, sessions, user.me, request.app.state.settings)
    ctx = acting.Acting(request=request, sessions=sessions, scope=scope, tickets=request.app.state.gateway,
                        intake=request.app.state.intake, me=user.me)
    key = str(form.get("key") or secrets.token_urlsafe(12))[:40]
    outcomes = []
    for number in numbers:
        try:
            await check_visible(request, sessions, scope, number)
            view = await acting.take(ctx, number, body, idempotency_key=f"bulk-{key}-{number}")
            outcomes.append(Outcome(number, True, f"now {view.ticket.status.replace('_', ' ')}"))
        except ApiError as err:
            outcomes.append(Outcome(number, False, err.message))
    return await run_in_threadpool(lambda: queue_page(request, sessions, user, slug,
                                                      result={"problems": {}, "outcomes": outcomes, "kind": kind}))
