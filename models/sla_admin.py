"""Managing SLA configuration: calendars, policies, customer tiers, team contacts.
Functions take and return plain dicts; the API validates them first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import BusinessCalendar, Customer, SlaPolicy, Team, TicketRow
from models.team_scope import Scope, assignment_problem
from workflows.vocabulary import ACTIVE_STATUSES


class ConfigError(ValueError):
    """A reference that does not resolve, or a change that would break another row."""

    def __init__(self, type: str, field: str, message: str) -> None:
        super().__init__(message)
        self.type, self.field, self.message = type, field, message


def calendar_dict(c: BusinessCalendar) -> dict:
    return {"name": c.name, "timezone": c.timezone, "weekly_hours": c.weekly_hours, "holidays": c.holidays or []}


def put_calendar(s: Session, name: str, data: dict) -> tuple[dict, bool]:
    row = s.scalars(select(BusinessCalendar).where(BusinessCalendar.name == name)).first()
    created = row is None
    if row is None:
        row = BusinessCalendar(name=name)
        s.add(row)
    row.timezone = data["timezone"]
    row.weekly_hours = data["weekly_hours"]
    row.holidays = sorted(str(d) for d in data["holidays"])
    # Tickets pick calendar changes up with their policy's next version.
    for policy in s.scalars(select(SlaPolicy).where(SlaPolicy.calendar_id == row.id)) if row.id else []:
        policy.version += 1
    s.flush()
    return calendar_dict(row), created


def delete_calendar(s: Session, name: str) -> bool:
    row = s.scalars(select(BusinessCalendar).where(BusinessCalendar.name == name)).first()
    if row is None:
        return False
    users = list(s.scalars(select(SlaPolicy.name).where(SlaPolicy.calendar_id == row.id)))
    if users:
        raise ConfigError("CalendarInUse", "name", f"calendar {name!r} is used by SLA policies {users}")
    s.delete(row)
    return True


def policy_dict(p: SlaPolicy, calendar: str | None) -> dict:
    return {"name": p.name, "priority": p.priority, "category": p.category, "customer_tier": p.customer_tier,
            "position": p.position, "calendar": calendar, "first_response_seconds": p.first_response_seconds,
            "next_response_seconds": p.next_response_seconds, "resolution_seconds": p.resolution_seconds,
            "pause_statuses": p.pause_statuses, "warnings": p.warnings, "escalations": p.escalations,
            "confirm_within_seconds": p.confirm_within_seconds, "survey_within_seconds": p.survey_within_seconds,
            "version": p.version}


def list_policies(s: Session) -> list[dict]:
    rows = s.execute(select(SlaPolicy, BusinessCalendar.name).outerjoin(BusinessCalendar, BusinessCalendar.id == SlaPolicy.calendar_id)
                     .order_by(SlaPolicy.priority, SlaPolicy.position, SlaPolicy.name)).all()
    return [policy_dict(p, cal) for p, cal in rows]


def _check_references(s: Session, data: dict) -> int | None:
    calendar_id = None
    if data.get("calendar") is not None:
        calendar_id = s.scalar(select(BusinessCalendar.id).where(BusinessCalendar.name == data["calendar"]))
        if calendar_id is None:
            raise ConfigError("UnknownCalendar", "calendar", f"no calendar {data['calendar']!r}")
    for i, level in enumerate(data.get("escalations", [])):
        if level.get("reassign_team") and s.scalar(select(Team.id).where(Team.slug == level["reassign_team"])) is None:
            raise ConfigError("UnknownTeam", f"escalations.{i}.reassign_team", f"no team {level['reassign_team']!r}")
        if level.get("reassign_agent") and (problem := assignment_problem(s, level["reassign_agent"], None)):
            raise ConfigError("UnknownAgent", f"escalations.{i}.reassign_agent", problem)
    return calendar_id


def save_policy(s: Session, data: dict, *, name: str | None = None) -> dict:
    """Create (name None) or replace the policy called `name`; a replacement bumps its version."""
    calendar_id = _check_references(s, data)
    if name is None:
        if s.scalar(select(SlaPolicy.id).where(SlaPolicy.name == data["name"])) is not None:
            raise ConfigError("PolicyExists", "name", f"an SLA policy named {data['name']!r} exists; PUT to change it")
        row = SlaPolicy(version=1)
        s.add(row)
    else:
        row = s.scalars(select(SlaPolicy).where(SlaPolicy.name == name)).first()
        if row is None:
            raise ConfigError("PolicyNotFound", "name", f"no SLA policy {name!r}")
        if data["name"] != name and s.scalar(select(SlaPolicy.id).where(SlaPolicy.name == data["name"])) is not None:
            raise ConfigError("PolicyExists", "name", f"an SLA policy named {data['name']!r} exists")
        row.version = (row.version or 1) + 1
    for key in ("name", "priority", "category", "customer_tier", "position", "first_response_seconds",
                "next_response_seconds", "resolution_seconds", "pause_statuses", "warnings", "escalations",
                "confirm_within_seconds", "survey_within_seconds"):
        setattr(row, key, data[key])
    row.calendar_id = calendar_id
    s.flush()
    return policy_dict(row, data.get("calendar"))


def delete_policy(s: Session, name: str) -> bool:
    row = s.scalars(select(SlaPolicy).where(SlaPolicy.name == name)).first()
    if row is None:
        return False
    s.delete(row)
    return True


def put_customer(s: Session, email: str, data: dict) -> tuple[dict, bool]:
    row = s.scalars(select(Customer).where(Customer.email == email)).first()
    created = row is None
    if row is None:
        row = Customer(email=email)
        s.add(row)
    row.name, row.tier = data["name"], data["tier"]
    s.flush()
    return {"email": row.email, "name": row.name, "tier": row.tier}, created


def set_team_contacts(s: Session, slug: str, data: dict) -> dict | None:
    team = s.scalars(select(Team).where(Team.slug == slug)).first()
    if team is None:
        return None
    team.lead_email, team.manager_email = data["lead_email"], data["manager_email"]
    s.flush()
    return {"slug": team.slug, "lead_email": team.lead_email, "manager_email": team.manager_email}


def upcoming_breaches(s: Session, until: datetime, team: str | None, limit: int,
                      scope: Scope = Scope()) -> list[TicketRow]:
    """Open tickets (of the teams `scope` shows) whose next SLA breach falls before `until`, soonest first."""
    q = (select(TicketRow).where(TicketRow.sla_next_breach_at.is_not(None), TicketRow.sla_next_breach_at <= until,
                                 TicketRow.status.in_(ACTIVE_STATUSES),
                                 scope.visible(TicketRow.team))
         .order_by(TicketRow.sla_next_breach_at, TicketRow.number).limit(limit))
    if team:
        q = q.where(TicketRow.team == team)
    return list(s.scalars(q))


