"""Reads of the read model for lists and reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from models.search import tickets_matching
from models.tables import Agent, Team, TicketEventRow, TicketIntake, TicketRow
from models.team_scope import Scope
from workflows.vocabulary import PRIORITIES

SORTS = {
    "-created_at": (TicketRow.created_at.desc(), TicketRow.number.desc()),
    "created_at": (TicketRow.created_at.asc(), TicketRow.number.asc()),
    "-updated_at": (TicketRow.updated_at.desc(), TicketRow.number.desc()),
    "updated_at": (TicketRow.updated_at.asc(), TicketRow.number.asc()),
    "-number": (TicketRow.number.desc(),),
    "number": (TicketRow.number.asc(),),
    # The SLA's next breach, soonest first; tickets without one last.
    "next_breach": (TicketRow.sla_next_breach_at.is_(None), TicketRow.sla_next_breach_at.asc(), TicketRow.number.asc()),
    "-priority": (case({p: i for i, p in enumerate(PRIORITIES)}, value=TicketRow.priority).desc(), TicketRow.number.desc()),
}


@dataclass
class TicketFilter:
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    category: str | None = None
    team: str | None = None
    assignee: str | None = None  # an agent's e-mail, or "none" for unassigned
    requester: str | None = None
    text: str | None = None
    sla: list[str] = field(default_factory=list)  # ok | at_risk | breached
    teams: list[str] = field(default_factory=list)  # in any of these teams (the console's "my teams")
    breach_before: datetime | None = None  # the SLA's next breach is due before this
    scope: Scope = field(default_factory=Scope)  # the teams' tickets the caller may see


def filtered(f: TicketFilter) -> Select:
    """The tickets `f` selects (a query to count, order and page)."""
    q = select(TicketRow).where(f.scope.visible(TicketRow.team))
    if f.status:
        q = q.where(TicketRow.status.in_(f.status))
    if f.priority:
        q = q.where(TicketRow.priority.in_(f.priority))
    if f.category:
        q = q.where(TicketRow.category == f.category)
    if f.team:
        q = q.where(TicketRow.team == f.team)
    if f.teams:
        q = q.where(TicketRow.team.in_(f.teams))
    if f.breach_before is not None:
        q = q.where(TicketRow.sla_next_breach_at < f.breach_before)
    if f.assignee == "none":
        q = q.where(TicketRow.assignee.is_(None))
    elif f.assignee:
        q = q.where(TicketRow.assignee == f.assignee.lower())
    if f.sla:
        q = q.where(TicketRow.sla_status.in_(f.sla))
    if f.requester:
        q = q.where(TicketRow.requester_email == f.requester.lower())
    if f.text:
        # The words anywhere in the ticket's conversation (the search index, models/search), or a
        # case-insensitive substring of the subject, description or requester (LIKE wildcards escaped).
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(or_(tickets_matching(TicketRow.number, f.text), *(
            func.lower(col).like(pattern.lower(), escape="\\")
            for col in (TicketRow.subject, TicketRow.description, TicketRow.requester_email, TicketRow.requester_name))))
    return q


def search_tickets(s: Session, f: TicketFilter, *, limit: int, offset: int, sort: str = "-created_at") -> tuple[list[TicketRow], int]:
    q = filtered(f)
    total = s.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = list(s.scalars(q.order_by(*SORTS[sort]).limit(limit).offset(offset)))
    return rows, total


def ticket_events(s: Session, number: int) -> list[TicketEventRow]:
    return list(s.scalars(select(TicketEventRow).where(TicketEventRow.number == number).order_by(TicketEventRow.seq)))


def ticket_row(s: Session, number: int) -> TicketRow | None:
    return s.get(TicketRow, number)


def active_agent(s: Session, email: str) -> Agent | None:
    return s.scalars(select(Agent).where(Agent.email == email.lower(), Agent.active)).first()


def team_by_slug(s: Session, slug: str) -> Team | None:
    return s.scalars(select(Team).where(Team.slug == slug)).first()


def ledgered(s: Session, number: int) -> bool:
    """Was this ticket number ever handed out?"""
    return s.get(TicketIntake, number) is not None
