"""Team scope in the API (the rule is models/team_scope.py): every operation on one ticket
checks, before anything else, that the caller may see its team's tickets; lists, queues, the
SLA board and reports leave out the tickets the caller may not see. A refusal is 403 naming the
team, never a 404 that would pretend the ticket is not there for an admin to find."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.deps import Principal, SessionsDep, current_principal
from api.errors import ApiError
from api.params import TicketNumber
from models import queries
from models.reports import Filters
from models.settings import Settings
from models.team_scope import Scope, scope_for


def scope_of(sessions, me: Principal, settings: Settings) -> Scope:
    """Blocks: call it on a thread."""
    with sessions() as s:
        return scope_for(s, me.agent_id, me.role, settings.ticket_access)


def caller_scope(request: Request, sessions: SessionsDep,
                 me: Annotated[Principal, Depends(current_principal)]) -> Scope:
    # A plain `def`: FastAPI runs it on a thread.
    return scope_of(sessions, me, request.app.state.settings)


ScopeDep = Annotated[Scope, Depends(caller_scope)]


def outside_scope(number: int, team: str | None) -> ApiError:
    return ApiError("Forbidden", f"ticket {number} is team {team!r}'s, whose tickets only its members see")


async def ticket_team(request: Request, sessions, number: int) -> str | None:
    """The ticket's team: from the read model, or (a ticket too new to be projected) its workflow."""
    def row_team():
        with sessions() as s:
            row = queries.ticket_row(s, number)
            return (row is not None, row.team if row is not None else None)

    found, team = await run_in_threadpool(row_team)
    if found:
        return team
    view = await request.app.state.gateway.view(number)
    return view.ticket.team if view is not None else None


async def check_visible(request: Request, sessions, scope: Scope, number: int) -> None:
    if scope.hidden:
        team = await ticket_team(request, sessions, number)
        if not scope.allows(team):
            raise outside_scope(number, team)


async def visible_ticket(number: TicketNumber, request: Request, sessions: SessionsDep, scope: ScopeDep) -> None:
    """A dependency for every `/tickets/{number}...` operation."""
    await check_visible(request, sessions, scope, number)


VisibleTicket = Depends(visible_ticket)


def scoped_filters(f: Filters, scope: Scope) -> Filters:
    """A report's filters narrowed to the teams the reader may see; asking for another is 403."""
    if f.team is not None and not scope.allows(f.team):
        raise ApiError("Forbidden", f"team {f.team!r}'s tickets are for its members only",
                       [{"field": "query parameter team", "message": "its tickets are for its members only"}])
    return dataclasses.replace(f, scope=scope)
