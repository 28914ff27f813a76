"""SLA configuration: business-hours calendars, SLA policies, customer tiers and the team
contacts escalations reach. Admins change it; supervisors may read it. A change applies to
new tickets, and to open ones the next time their policy is looked up (priority or
category change)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from sqlalchemy import select

from api.admin.sla_schemas import CalendarIn, CalendarOut, CustomerIn, CustomerOut, SlaPolicyIn, SlaPolicyOut, TeamContactsIn
from api.deps import AdminDep, SessionsDep, SupervisorDep
from api.errors import ApiError
from api.schemas import Slug
from models import sla_admin
from models.tables import BusinessCalendar, Customer

router = APIRouter(prefix="/admin", tags=["SLA administration"])
POLICY_CONFLICT = {409: {"description": "Another policy has this name or these terms (PolicyExists)"}}
Name = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("/calendars", response_model=list[CalendarOut])
def list_calendars(me: SupervisorDep, sessions: SessionsDep) -> list[CalendarOut]:
    with sessions() as s:
        return [CalendarOut(**sla_admin.calendar_dict(c)) for c in s.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name))]


@router.put("/calendars/{name}", response_model=CalendarOut, responses={201: {"model": CalendarOut, "description": "Created"}})
def put_calendar(name: Name, body: CalendarIn, me: AdminDep, sessions: SessionsDep, response: Response) -> CalendarOut:
    """Create or replace a calendar (201 when created)."""
    with sessions.begin() as s:
        saved, created = sla_admin.put_calendar(s, name, body.model_dump())
    if created:
        response.status_code = status.HTTP_201_CREATED
    return CalendarOut(**saved)


@router.delete("/calendars/{name}", status_code=status.HTTP_204_NO_CONTENT, responses={409: {"description": "A policy uses it (CalendarInUse)"}})
def delete_calendar(name: Name, me: AdminDep, sessions: SessionsDep) -> Response:
    with sessions.begin() as s:
        if not sla_admin.delete_calendar(s, name):
            raise ApiError("NotFound", f"no calendar {name!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sla-policies", response_model=list[SlaPolicyOut])
def list_policies(me: SupervisorDep, sessions: SessionsDep) -> list[SlaPolicyOut]:
    with sessions() as s:
        return [SlaPolicyOut(**p) for p in sla_admin.list_policies(s)]


@router.post("/sla-policies", response_model=SlaPolicyOut, status_code=status.HTTP_201_CREATED, responses=POLICY_CONFLICT)
def create_policy(body: SlaPolicyIn, me: AdminDep, sessions: SessionsDep) -> SlaPolicyOut:
    with sessions.begin() as s:
        return SlaPolicyOut(**sla_admin.save_policy(s, body.model_dump()))


@router.put("/sla-policies/{name}", response_model=SlaPolicyOut, responses=POLICY_CONFLICT)
def replace_policy(name: Name, body: SlaPolicyIn, me: AdminDep, sessions: SessionsDep) -> SlaPolicyOut:
    """Replace a policy; its version goes up, so tickets re-plan their clocks when they next look it up."""
    with sessions.begin() as s:
        return SlaPolicyOut(**sla_admin.save_policy(s, body.model_dump(), name=name))


@router.delete("/sla-policies/{name}", status_code=status.HTTP_204_NO_CONTENT)
def delete_policy(name: Name, me: AdminDep, sessions: SessionsDep) -> Response:
    with sessions.begin() as s:
        if not sla_admin.delete_policy(s, name):
            raise ApiError("PolicyNotFound", f"no SLA policy {name!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/customers", response_model=list[CustomerOut])
def list_customers(me: SupervisorDep, sessions: SessionsDep) -> list[CustomerOut]:
    with sessions() as s:
        return [CustomerOut(email=c.email, name=c.name, tier=c.tier) for c in s.scalars(select(Customer).order_by(Customer.email))]


@router.put("/customers/{email}", response_model=CustomerOut, responses={201: {"model": CustomerOut, "description": "Created"}})
def put_customer(email: Annotated[str, Path(pattern=r"^([^@\s]+)?@[^@\s]+\.[^@\s]+$",
                                            description="An address, or @domain for everyone there")],
                 body: CustomerIn, me: AdminDep, sessions: SessionsDep, response: Response) -> CustomerOut:
    with sessions.begin() as s:
        saved, created = sla_admin.put_customer(s, email.lower(), body.model_dump())
    if created:
        response.status_code = status.HTTP_201_CREATED
    return CustomerOut(**saved)


@router.put("/teams/{slug}/contacts")
def put_team_contacts(slug: Annotated[Slug, Path()], body: TeamContactsIn, me: AdminDep, sessions: SessionsDep) -> dict:
    """Who escalations reach as `team_lead` and `manager`."""
    with sessions.begin() as s:
        saved = sla_admin.set_team_contacts(s, slug, body.model_dump())
    if saved is None:
        raise ApiError("UnknownTeam", f"no team {slug!r}")
    return saved


