"""Ticket endpoints: thin. Create through the intake ledger, act through workflow updates,
read the live view from the workflow and lists from the read model."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import (
    APIRouter,
    Body,
    Depends,
    Header,
    Query,
    Request,
    Response,
    status,
)
from starlette.concurrency import run_in_threadpool

from api.deps import AgentDep, ReaderDep, SessionsDep
from api.errors import ApiError
from api.params import Offset, TicketNumber
from api.tickets import acting
from api.tickets.acting import etag, if_match_seq
from api.tickets.actions import ACTION_EXAMPLES, ActionIn
from api.tickets.gateway import TicketGateway
from api.tickets.intake import Intake
from api.tickets.schemas import (
    CustomerReplyIn,
    TicketCreate,
    TicketCreated,
    TicketEventOut,
    TicketOut,
    TicketPage,
    TicketSummary,
)
from api.tickets.scope import ScopeDep, VisibleTicket
from models import queries
from workflows import messages as m

router = APIRouter(prefix="/tickets", tags=["tickets"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255,
                                              description="Retrying with the same key never acts twice.")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=40, description=(
    "The ticket's ETag from GET /tickets/{number} (its last event): act only if nothing happened since, "
    "else 409 StaleView naming what did"))]


def gateway(request: Request) -> TicketGateway:
    return request.app.state.gateway


def intake(request: Request) -> Intake:
    return request.app.state.intake


GatewayDep = Annotated[TicketGateway, Depends(gateway)]
IntakeDep = Annotated[Intake, Depends(intake)]

ERRORS = {401: {"description": "No or bad token"}, 403: {"description": "Role not allowed"},
          422: {"description": "Invalid input; the body names each field"}}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TicketCreated, responses=ERRORS)
async def create_ticket(body: TicketCreate, me: AgentDep, intake: IntakeDep, response: Response,
                        idempotency_key: IdempotencyKey = None) -> TicketCreated:
    """Open a ticket. It is triaged and routed by its workflow right after."""
    res = await intake.create(body, me, idempotency_key)
    if res.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/tickets/{res.number}"
    return TicketCreated(number=res.number, workflow_id=m.ticket_workflow_id(res.number), url=f"/tickets/{res.number}")


@router.get("", response_model=TicketPage, responses=ERRORS)
def list_tickets(
    me: ReaderDep,
    sessions: SessionsDep,
    scope: ScopeDep,
    status_: Annotated[list[m.Status] | None, Query(alias="status", description="Repeat for several")] = None,
    priority: Annotated[list[m.Priority] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    assignee: Annotated[str | None, Query(max_length=320, description="An agent's e-mail, or `none`")] = None,
    requester: Annotated[str | None, Query(max_length=320)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="Words anywhere in the conversation (the search index), or text in subject, description or requester")] = None,
    sla: Annotated[list[Literal["ok", "at_risk", "breached"]] | None, Query(description="SLA state; repeat for several")] = None,
    sort: Annotated[Literal[tuple(queries.SORTS)], Query()] = "-created_at",  # type: ignore[valid-type]  # a Literal built from the sort keys, so the docs list them
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Offset = 0,
) -> TicketPage:
    """Tickets from the read model, newest first, filtered and paginated (only the teams' tickets
    the caller may see: models/team_scope.py)."""
    f = queries.TicketFilter(status=status_ or [], priority=priority or [], category=category, team=team,
                             assignee=assignee, requester=requester, text=q, sla=sla or [], scope=scope)
    with sessions() as s:
        rows, total = queries.search_tickets(s, f, limit=limit, offset=offset, sort=sort)
        return TicketPage(items=[TicketSummary.from_row(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/{number}", response_model=TicketOut, responses=ERRORS | {404: {"description": "No such ticket"}},
            dependencies=[VisibleTicket])
async def get_ticket(number: TicketNumber, me: ReaderDep, sessions: SessionsDep, tickets: GatewayDep,
                     response: Response) -> TicketOut:
    """The live view from the ticket's workflow (the read model only once its history is gone).
    Its ETag names the ticket's last event: send it back as If-Match with an action."""
    view = await tickets.view(number)
    if view is not None:
        response.headers["ETag"] = etag(view.ticket.last_seq)
        return TicketOut.from_view(view)
    row = await run_in_threadpool(_row, sessions, number)
    if row is None:
        raise ApiError("TicketNotFound", f"ticket {number} does not exist")
    return TicketOut(**TicketSummary.from_row(row).model_dump(), description=row.description, conversation=[], live=False)


def _row(sessions, number: int):
    with sessions() as s:
        return queries.ticket_row(s, number)


@router.get("/{number}/events", response_model=list[TicketEventOut], responses=ERRORS | {404: {"description": "No such ticket"}},
            dependencies=[VisibleTicket])
def ticket_events(number: TicketNumber, me: ReaderDep, sessions: SessionsDep) -> list[TicketEventOut]:
    """The ticket's audit trail as projected: who did what, when, and the status it led to."""
    with sessions() as s:
        events = queries.ticket_events(s, number)
        if not events and not queries.ledgered(s, number):
            raise ApiError("TicketNotFound", f"ticket {number} does not exist")
        return [TicketEventOut.from_row(e) for e in events]


@router.post("/{number}/actions", response_model=TicketOut,
             responses=ERRORS | {404: {"description": "No such ticket"},
                                 409: {"description": "The ticket's status forbids the action, it is closed, or (If-Match) "
                                                     "it changed since the caller's view: StaleView"}},
             dependencies=[VisibleTicket])
async def act(
    number: TicketNumber,
    body: Annotated[ActionIn, Body(openapi_examples=ACTION_EXAMPLES)],
    me: AgentDep,
    sessions: SessionsDep,
    scope: ScopeDep,
    request: Request,
    tickets: GatewayDep,
    intake: IntakeDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> TicketOut:
    """Take an agent action; answers with the ticket as it is after the action. With `If-Match`
    (the ETag of `GET /tickets/{number}`: the ticket's last event), only if nothing happened to
    the ticket since: else 409 StaleView, naming what changed."""
    view = await acting.take(acting.Acting(request=request, sessions=sessions, scope=scope, tickets=tickets,
                                           intake=intake, me=me), number, body, idempotency_key,
                             if_last_seq=if_match_seq(if_match))
    response.headers["ETag"] = etag(view.ticket.last_seq)
    return TicketOut.from_view(view)


@router.post("/{number}/customer-replies", status_code=status.HTTP_202_ACCEPTED, responses=ERRORS | {
    404: {"description": "No such ticket"}, 409: {"description": "The ticket is closed"}}, dependencies=[VisibleTicket])
async def customer_reply(number: TicketNumber, body: CustomerReplyIn, me: AgentDep, sessions: SessionsDep,
                         tickets: GatewayDep) -> dict:
    """Pass on a message from the requester (delivered to the workflow as a signal)."""
    # The requester and status come from the read model: a query would queue behind a busy
    # ticket's work (its query buffer fills up) just to learn who the requester is. Only a
    # ticket too new to be projected yet is asked.
    ticket = await run_in_threadpool(_row, sessions, number)
    if ticket is None:
        view = await tickets.view(number)
        if view is None:
            raise ApiError("TicketNotFound", f"ticket {number} does not exist")
        ticket = view.ticket
    if ticket.status == "closed":
        raise ApiError("TicketClosed", f"ticket {number} is closed; nothing can change it")
    requester = m.Actor(kind="customer", id=ticket.requester_email, name=ticket.requester_name)
    await tickets.customer_reply(number, m.CustomerReply(actor=requester, body=body.body, channel=body.channel,
                                                         recorded_by=me.email))
    return {"accepted": True, "number": number}

