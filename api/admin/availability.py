"""Agents' availability and the team queues. When an agent comes online, the queued tickets
they could take are asked to route again (the ticket workflows then decide, under the team's
routing mode, who gets each)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.admin.routing_schemas import AvailabilityIn, AvailabilityOut, QueuedTicket
from api.deps import AgentDep, ReaderDep, SessionsDep, SupervisorDep
from api.errors import ApiError
from api.schemas import Slug
from api.tickets.gateway import TicketGateway
from api.tickets.scope import ScopeDep
from models import routing, routing_admin

log = logging.getLogger(__name__)
router = APIRouter(tags=["routing"])
AgentEmail = Annotated[str, Path(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


def _gateway(request: Request) -> TicketGateway:
    return request.app.state.gateway


GatewayDep = Annotated[TicketGateway, Depends(_gateway)]


async def dispatch(gateway: TicketGateway, sessions: sessionmaker[Session], email: str, why: str) -> list[int]:
    """Ask each queued ticket the agent could take now to route again; returns those asked.
    A ticket that closed meanwhile is skipped; the others still go."""

    def queued() -> list[int]:
        with sessions() as s:
            return routing.queue_for_agent(s, email)

    numbers = await run_in_threadpool(queued)
    results = await asyncio.gather(*(gateway.route(n, why) for n in numbers), return_exceptions=True)
    asked = []
    for number, result in zip(numbers, results):
        if isinstance(result, BaseException):
            log.warning("could not ask ticket %s to route again (%s): %s", number, why, result)
        else:
            asked.append(number)
    return asked


async def _set(email: str, body: AvailabilityIn, sessions: sessionmaker[Session], gateway: TicketGateway) -> AvailabilityOut:
    def save() -> tuple[dict, bool]:
        with sessions.begin() as s:
            return routing_admin.set_availability(s, email, body.availability)

    saved, came_online = await run_in_threadpool(save)
    dispatched = await dispatch(gateway, sessions, saved["email"], f"{saved['email']} came online") if came_online else []
    return AvailabilityOut(email=saved["email"], availability=saved["availability"], dispatched=dispatched)


@router.put("/agents/me/availability", response_model=AvailabilityOut)
async def set_my_availability(body: AvailabilityIn, me: AgentDep, sessions: SessionsDep, gateway: GatewayDep) -> AvailabilityOut:
    """Go online, away or offline. Only online agents are routed to; coming online hands you
    queued tickets up to your capacity."""
    return await _set(me.email, body, sessions, gateway)


@router.put("/agents/{email}/availability", response_model=AvailabilityOut)
async def set_availability(email: AgentEmail, body: AvailabilityIn, me: SupervisorDep, sessions: SessionsDep,
                           gateway: GatewayDep) -> AvailabilityOut:
    """A supervisor sets someone's availability (e.g. an agent who went home without signing off)."""
    return await _set(email.lower(), body, sessions, gateway)


@router.get("/teams/{slug}/queue", response_model=list[QueuedTicket])
def team_queue(slug: Annotated[Slug, Path()], me: ReaderDep, scope: ScopeDep, sessions: SessionsDep) -> list[QueuedTicket]:
    """Tickets waiting in the team queue for an agent, most urgent first, then oldest."""
    with sessions() as s:
        if routing.team_by_slug(s, slug) is None:
            raise ApiError("NotFound", f"no team {slug!r}")
        if not scope.allows(slug):
            raise ApiError("Forbidden", f"team {slug!r}'s tickets are for its members only")
        return [QueuedTicket(number=t.number, subject=t.subject, priority=t.priority, status=t.status,
                             category=t.category, created_at=t.created_at) for t in routing.team_queue(s, slug)]
