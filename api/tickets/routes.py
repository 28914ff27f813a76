"""Ticket endpoints: thin. Create through the intake ledger, act through workflow updates,
read the live view from the workflow and lists from the read model."""

from __future__ import annotations

import dataclasses
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

from api.deps import AgentDep, Principal, ReaderDep, SessionsDep
from api.errors import ApiError
from api.params import Offset, TicketNumber
from api.tickets.actions import ACTION_EXAMPLES, ActionIn
from api.tickets.gateway import TicketGateway
from api.tickets.intake import Intake
from api.tickets.links import check_merge_target, split_action
from api.tickets.schemas import (
    CustomerReplyIn,
    TicketCreate,
    TicketCreated,
    TicketEventOut,
    TicketOut,
    TicketPage,
    TicketSummary,
)
from api.tickets.scope import ScopeDep, VisibleTicket, check_visible, ticket_team
from models import action_keys, queries
from models.mail import get_attachment
from models.team_scope import assignment_problem
from workflows import messages as m

router = APIRouter(prefix="/tickets", tags=["tickets"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255,
                                              description="Retrying with the same key never acts twice.")]


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
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="Text in subject, description or requester")] = None,
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
async def get_ticket(number: TicketNumber, me: ReaderDep, sessions: SessionsDep, tickets: GatewayDep) -> TicketOut:
    """The live view from the ticket's workflow (the read model only once its history is gone)."""
    view = await tickets.view(number)
    if view is not None:
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
                                 409: {"description": "The ticket's status forbids the action, or it is closed"}},
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
    idempotency_key: IdempotencyKey = None,
) -> TicketOut:
    """Take an agent action; answers with the ticket as it is after the action."""
    if body.kind == "split":
        action = await split_action(number, body, me, tickets, intake, idempotency_key)
    else:
        action = body.to_action(me.actor())
    if isinstance(action, m.Merge):
        await check_visible(request, sessions, scope, action.into)
        await check_merge_target(number, action, tickets)
    if isinstance(action, m.Assign) and action.assignee is not None and action.team is None:
        # Assigned within its team: the assignee must be one of that team's members.
        action_team = await ticket_team(request, sessions, number)
    else:
        action_team = action.team if isinstance(action, m.Assign) else None
    await run_in_threadpool(_check_references, sessions, action, action_team)
    if attachment_ids := getattr(body, "attachments", None):  # a reply's or a note's files
        action = await run_in_threadpool(_with_attachments, sessions, number, action, attachment_ids)
    if not idempotency_key:
        return TicketOut.from_view(await tickets.act(number, action))
    await run_in_threadpool(_claim_key, sessions, me, idempotency_key, number, body)
    try:
        return TicketOut.from_view(await tickets.act(number, action, update_id=f"{me.agent_id}:{idempotency_key}"))
    except ApiError as err:
        if err.status < 500:  # refused: nothing applied under the key, which is free again
            await run_in_threadpool(_release_key, sessions, me, idempotency_key)
        raise


def _claim_key(sessions, me: Principal, key: str, number: int, body: ActionIn) -> None:
    """A key names one action: a retry of it goes on (the update id answers it once); the same
    key with another ticket or body is refused, as `POST /tickets` refuses it."""
    with sessions.begin() as s:
        first = action_keys.claim(s, me.agent_id, key, number, action_keys.request_hash(number, body.model_dump(mode="json")))
    if first is not None:
        raise ApiError("IdempotencyKeyReused",
                       f"Idempotency-Key {key!r} was already used for another action (on ticket {first.number})",
                       [{"field": "header Idempotency-Key", "message": "reused with a different request body"}])


def _with_attachments(sessions, number: int, action, ids: list[int]):
    """A reply or note names files uploaded to this ticket; the workflow gets their references."""
    refs = []
    with sessions() as s:
        for i, attachment_id in enumerate(dict.fromkeys(ids)):
            row = get_attachment(s, number, attachment_id)
            if row is None:
                raise ApiError("UnknownAttachment", f"attachments[{i}]: ticket {number} has no attachment {attachment_id}",
                               [{"field": f"attachments[{i}]", "message": "no such attachment on this ticket"}])
            refs.append(m.AttachmentRef(id=row.id, filename=row.filename, content_type=row.content_type, size=row.size))
    return dataclasses.replace(action, attachments=refs)


def _check_references(sessions, action, team: str | None = None) -> None:
    """An assignee or team must exist, so a typo is a 422 here and not a ticket owned by nobody;
    and an assignee must be someone who may be given a ticket of `team`, the team it will be in
    (models/team_scope.assignment_problem)."""
    if isinstance(action, m.Split):
        with sessions() as s:
            for i, child in enumerate(action.children):
                if child.team is not None and queries.team_by_slug(s, child.team) is None:
                    raise ApiError("UnknownTeam", f"children[{i}].team: no team {child.team!r}",
                                   [{"field": f"children[{i}].team", "message": "no such team"}])
        return
    if not isinstance(action, m.Assign):
        return
    with sessions() as s:
        if action.team is not None and queries.team_by_slug(s, action.team) is None:
            raise ApiError("UnknownTeam", f"team: no team {action.team!r}", [{"field": "team", "message": "no such team"}])
        if action.assignee is not None and (problem := assignment_problem(s, action.assignee, team)) is not None:
            raise ApiError("UnknownAgent", f"assignee: {problem}", [{"field": "assignee", "message": problem}])


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


def _release_key(sessions, me: Principal, key: str) -> None:
    with sessions.begin() as s:
        action_keys.release(s, me.agent_id, key)
