"""The console's queues: each a named filter of the read model for the agent looking at it.
(The console's saved views are filters too, kept by their owner: models/saved_views.py.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from models.queries import TicketFilter, filtered
from models.tables import Team, TeamMember, TicketRow
from models.team_scope import Scope
from workflows.vocabulary import ACTIVE_STATUSES, Status

# "Breaching soon": the SLA's next breach is due within this long (or has passed).
BREACHING_WITHIN = timedelta(hours=1)


@dataclass(frozen=True)
class Viewer:
    """Who the queues are for: an agent, their teams' slugs, and the time the page is drawn."""

    email: str
    teams: tuple[str, ...]
    now: datetime


@dataclass(frozen=True)
class Queue:
    slug: str
    title: str
    sort: str  # its default order (models/queries.SORTS)
    base: Callable[[Viewer], TicketFilter]


def _mine(v: Viewer) -> TicketFilter:
    return TicketFilter(assignee=v.email, status=list(ACTIVE_STATUSES))


def _team(v: Viewer) -> TicketFilter:
    # An agent in no team has no team queue: nothing matches the empty list's stand-in.
    return TicketFilter(teams=list(v.teams) or ["\0none"], status=list(ACTIVE_STATUSES))


def _unassigned(v: Viewer) -> TicketFilter:
    return TicketFilter(assignee="none", status=list(ACTIVE_STATUSES))


def _breaching(v: Viewer) -> TicketFilter:
    return TicketFilter(status=list(ACTIVE_STATUSES), breach_before=v.now + BREACHING_WITHIN)


def _waiting(v: Viewer) -> TicketFilter:
    return TicketFilter(status=[Status.PENDING.value])


def _all(v: Viewer) -> TicketFilter:
    return TicketFilter()


QUEUES: dict[str, Queue] = {q.slug: q for q in (
    Queue("mine", "My open tickets", "next_breach", _mine),
    Queue("team", "My teams' queue", "next_breach", _team),
    Queue("unassigned", "Unassigned", "next_breach", _unassigned),
    Queue("breaching", "Breaching soon", "next_breach", _breaching),
    Queue("waiting", "Waiting on the customer", "-updated_at", _waiting),
    Queue("all", "All tickets", "-created_at", _all),
)}


def viewer(s: Session, agent_id: int, email: str, now: datetime) -> Viewer:
    teams = s.scalars(select(Team.slug).join(TeamMember, TeamMember.team_id == Team.id)
                      .where(TeamMember.agent_id == agent_id).order_by(Team.slug))
    return Viewer(email=email, teams=tuple(teams), now=now)


def narrowed(base: TicketFilter, extra: TicketFilter) -> TicketFilter:
    """The queue's filter with what the agent chose on top: a field the queue sets stays the
    queue's, except `status`, which the agent may narrow within it."""
    status = [s for s in extra.status if not base.status or s in base.status] if extra.status else base.status
    if extra.status and not status:
        status = ["\0none"]  # a status outside the queue: nothing matches
    return replace(base, status=status,
                   priority=base.priority or extra.priority,
                   category=base.category or extra.category,
                   team=base.team or extra.team,
                   assignee=base.assignee or extra.assignee,
                   requester=base.requester or extra.requester,
                   text=extra.text,
                   sla=base.sla or extra.sla,
                   scope=extra.scope)


def queue_counts(s: Session, who: Viewer, scope: Scope) -> dict[str, int]:
    """Every queue's count as `who` sees it (every page shows them all): the queues of open
    tickets in one pass over the open tickets, a filtered count each, the others one query each.
    (Five queries of their own took up to 1.6 times as long on 100,000 tickets: docs/benchmarks.md.)"""
    filters = {slug: narrowed(q.base(who), TicketFilter(scope=scope)) for slug, q in QUEUES.items()}
    of_open = [slug for slug, f in filters.items() if f.status and set(f.status) <= set(ACTIVE_STATUSES)]
    out: dict[str, int] = {}
    if of_open:
        row = s.execute(select(*(func.count().filter(_condition(filters[slug])) for slug in of_open))
                        .select_from(TicketRow)
                        .where(TicketRow.status.in_(ACTIVE_STATUSES), scope.visible(TicketRow.team))).one()
        out.update(zip(of_open, row))
    for slug in filters.keys() - set(of_open):
        out[slug] = s.scalar(select(func.count()).select_from(filtered(filters[slug]).subquery())) or 0
    return {slug: out[slug] for slug in QUEUES}


def _condition(f: TicketFilter) -> ColumnElement[bool]:
    where = filtered(f).whereclause
    return true() if where is None else where
