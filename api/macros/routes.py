"""Macros over JSON: list, create, get, change and delete them under /macros; preview and apply
one on a ticket under /tickets/{number}/macros/{macro_id}. Thin: api/macros/service.py decides
(who may what: its table; docs/macros.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from api.deps import AgentDep, SessionsDep
from api.macros import service
from api.macros.schemas import MacroIn, MacroOut, MacroPreview, MacroUpdate, Scope
from api.params import MAX_ID, TicketNumber
from api.schemas import Slug
from api.tickets.acting import etag, if_match_seq
from api.tickets.gateway import TicketGateway
from api.tickets.schemas import TicketOut
from api.tickets.scope import VisibleTicket

router = APIRouter(tags=["Macros"])
MacroId = Annotated[int, Path(ge=1, le=MAX_ID, description="The macro's id")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255,
                                              description="Retrying with the same key never applies twice.")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=40, description=(
    "The ETag of GET /tickets/{number}: apply only if nothing happened to the ticket since, else 409 StaleView"))]
ERRORS = {403: {"description": "Not allowed for this role, or not a macro the caller may manage"},
          422: {"description": "A field is invalid; the body names it (a template's problems with their line)"}}
NOT_FOUND = {404: {"description": "No such macro, or not one the caller may use"}}


def _gateway(request: Request) -> TicketGateway:
    return request.app.state.gateway


@router.get("/macros", response_model=list[MacroOut], responses=ERRORS)
def list_macros(me: AgentDep, sessions: SessionsDep,
                scope: Annotated[Scope | None, Query(description="Only this scope's")] = None,
                team: Annotated[Slug | None, Query(description="Only this team's (by slug)")] = None,
                manageable: Annotated[bool, Query(description="Only those the caller may change")] = False,
                ) -> list[MacroOut]:
    """The macros the caller may use: their own, their teams' and the global ones, by name."""
    with sessions() as s:
        return service.usable_macros(s, me, scope=scope, team=team, manageable=manageable)


@router.post("/macros", response_model=MacroOut, status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_macro(body: MacroIn, me: AgentDep, sessions: SessionsDep, response: Response) -> MacroOut:
    """A new macro. Its text is checked now: a template that does not parse, names an unknown
    placeholder or reaches past its values is refused (422, with the line)."""
    with sessions.begin() as s:
        out = service.create_macro(s, me, body)
    response.headers["Location"] = f"/macros/{out.id}"
    return out


@router.get("/macros/{macro_id}", response_model=MacroOut, responses=ERRORS | NOT_FOUND)
def get_macro(macro_id: MacroId, me: AgentDep, sessions: SessionsDep) -> MacroOut:
    with sessions() as s:
        return service.get_macro(s, me, macro_id)


@router.patch("/macros/{macro_id}", response_model=MacroOut, responses=ERRORS | NOT_FOUND)
def update_macro(macro_id: MacroId, body: MacroUpdate, me: AgentDep, sessions: SessionsDep) -> MacroOut:
    """Change what the body gives; the rest stays."""
    with sessions.begin() as s:
        return service.update_macro(s, me, macro_id, body)


@router.delete("/macros/{macro_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS | NOT_FOUND)
def delete_macro(macro_id: MacroId, me: AgentDep, sessions: SessionsDep) -> Response:
    with sessions.begin() as s:
        service.delete_macro(s, me, macro_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/tickets/{number}/macros/{macro_id}/preview", response_model=MacroPreview,
             responses=ERRORS | {404: {"description": "No such ticket or macro"}}, dependencies=[VisibleTicket])
async def preview_macro(number: TicketNumber, macro_id: MacroId, me: AgentDep, sessions: SessionsDep,
                        request: Request) -> MacroPreview:
    """The reply the macro makes for this ticket, and what it would set; nothing changes."""
    return await service.preview(sessions, _gateway(request), me, macro_id, number)


@router.post("/tickets/{number}/macros/{macro_id}/apply", response_model=TicketOut,
             responses=ERRORS | {404: {"description": "No such ticket or macro"},
                                 409: {"description": "The ticket's status forbids a step, it is closed, or it changed "
                                                    "since If-Match: nothing changed"}},
             dependencies=[VisibleTicket])
async def apply_macro(number: TicketNumber, macro_id: MacroId, me: AgentDep, sessions: SessionsDep, request: Request,
                      response: Response, idempotency_key: IdempotencyKey = None,
                      if_match: IfMatch = None) -> TicketOut:
    """Reply with the macro and set its status, priority and tags, as one update of the ticket:
    all of it, or (refused) nothing. Answers with the ticket as it is after. With `If-Match` (the
    ETag of `GET /tickets/{number}`), only if nothing happened to the ticket since."""
    view = await service.apply(sessions, _gateway(request), me, macro_id, number, idempotency_key,
                               if_last_seq=if_match_seq(if_match))
    response.headers["ETag"] = etag(view.ticket.last_seq)
    return TicketOut.from_view(view)
