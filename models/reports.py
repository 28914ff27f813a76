"""Report queries on the read model (tickets, ticket_events, sla_milestones, survey_responses,
and the SLA policies' calendars and pause statuses): SQLAlchemy Core only, portable between
SQLite and PostgreSQL. Counting and grouping happen in SQL where it is portable; bucketing by
day, business time and percentiles happen in Python (models/reporting/figures.py) on the rows fetched here.
Datetimes may come back naive from SQLite: they are UTC, and `utc` says so.

The period [start, end) selects tickets by `created_at`, except where a function says otherwise
(resolutions by `resolved_at`, survey answers by `answered_at`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import Session

from models.tables import (Agent, BusinessCalendar, SlaMilestoneRow, SlaPolicy, SurveyResponse, Team,
                           TicketEventRow, TicketRow)
from models.team_scope import Scope
from models.utc import as_utc
from workflows.vocabulary import ACTIVE_STATUSES, DONE_STATUSES, Status

# The events the response clocks follow (workflows/sla.py `observe`): an agent's public reply
# answers the customer, the customer's message asks again. tests/unit/test_report_responses.py
# holds them to the actions that say so (answers_customer, customer_wrote).
ANSWER_KINDS = ("reply",)
CUSTOMER_KINDS = ("customer_reply",)

T = TicketRow.__table__
M = SlaMilestoneRow.__table__
E = TicketEventRow.__table__
S = SurveyResponse.__table__


@dataclass(frozen=True)
class Filters:
    start: datetime  # inclusive, aware UTC
    end: datetime  # exclusive, aware UTC
    team: str | None = None
    category: str | None = None
    channel: str | None = None
    priority: str | None = None
    scope: Scope = field(default_factory=Scope)  # the teams' tickets the reader may see


def _dims(f: Filters) -> list[Any]:
    conds = [f.scope.visible(T.c.team)]
    for column, value in ((T.c.team, f.team), (T.c.category, f.category), (T.c.channel, f.channel),
                          (T.c.priority, f.priority)):
        if value is not None:
            conds.append(column == value)
    return conds


def _created_in(f: Filters) -> list[Any]:
    return [T.c.created_at >= f.start, T.c.created_at < f.end, *_dims(f)]


def created_times(s: Session, f: Filters) -> list[datetime]:
    return [as_utc(r) for r in s.scalars(select(T.c.created_at).where(*_created_in(f)))]  # type: ignore[misc]  # created_at is never NULL, so as_utc gives a datetime


def resolved_times(s: Session, f: Filters) -> list[datetime]:
    """When tickets (whenever created) were resolved, inside the period."""
    q = select(T.c.resolved_at).where(T.c.resolved_at >= f.start, T.c.resolved_at < f.end, *_dims(f))
    return [as_utc(r) for r in s.scalars(q)]  # type: ignore[misc]  # filtered on resolved_at, so never NULL here


def open_now(s: Session, f: Filters) -> list[tuple[str, str | None, str, int]]:
    """(status, team, priority, count) of tickets open now (not resolved or closed), any creation date."""
    q = (select(T.c.status, T.c.team, T.c.priority, func.count())
         .where(T.c.status.not_in(DONE_STATUSES), *_dims(f))
         .group_by(T.c.status, T.c.team, T.c.priority))
    return [(a, b, c, int(n)) for a, b, c, n in s.execute(q)]


def open_spans(s: Session, f: Filters) -> list[tuple[datetime, datetime | None]]:
    """(created_at, ended_at) of tickets that may have been open during the period; ended_at is
    when the ticket was resolved (or closed without a resolution), None while it is open."""
    q = (select(T.c.created_at, T.c.status, T.c.resolved_at, T.c.closed_at)
         .where(T.c.created_at < f.end, *_dims(f),
                or_(T.c.status.not_in(DONE_STATUSES), T.c.resolved_at >= f.start, T.c.closed_at >= f.start)))
    out = []
    for created, status, resolved, closed in s.execute(q):
        ended = None if status not in DONE_STATUSES else as_utc(resolved) or as_utc(closed)
        out.append((as_utc(created), ended))
    return out  # type: ignore[return-value]  # created_at is never NULL, so as_utc gives a datetime


@dataclass(frozen=True)
class TicketTimes:
    number: int
    team: str | None
    assignee: str | None
    sla_policy: str | None
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None


def ticket_times(s: Session, f: Filters) -> list[TicketTimes]:
    q = (select(T.c.number, T.c.team, T.c.assignee, T.c.sla_policy, T.c.created_at, T.c.first_response_at,
                T.c.resolved_at).where(*_created_in(f)).order_by(T.c.number))
    return [TicketTimes(n, team, who, pol, as_utc(c), as_utc(fr), as_utc(r))  # type: ignore[arg-type]  # created_at is never NULL, so as_utc gives a datetime
            for n, team, who, pol, c, fr, r in s.execute(q)]


def status_events(s: Session, f: Filters) -> dict[int, list[tuple[datetime, str | None]]]:
    """number -> [(at, status after the event, None if it left the status as it was)] in seq
    order, for the tickets created in the period: what the pause intervals are made of
    (models/reporting/clock.py). The events that changed the status (status_to set), plus each
    ticket's first event after its creation (seq 2) even when it changed nothing: the SLA
    clocks look at the status after every action but not at creation, so a status that is
    itself a pause status ("new", if a policy says so) pauses them from that first action on.
    Later events that change nothing cannot start or end a pause, so they are not read."""
    q = (select(E.c.number, E.c.at, E.c.status_to).select_from(E.join(T, T.c.number == E.c.number))
         .where(*_created_in(f), E.c.seq > 1, or_(E.c.status_to.is_not(None), E.c.seq == 2))
         .order_by(E.c.number, E.c.seq))
    out: dict[int, list[tuple[datetime, str | None]]] = {}
    for number, at, status_to in s.execute(q):
        out.setdefault(number, []).append((as_utc(at), status_to))  # type: ignore[arg-type]  # an event's at is never NULL
    return out


def conversation_events(s: Session, f: Filters) -> dict[int, list[tuple[datetime, str, str | None]]]:
    """number -> [(at, kind, status after it or None)] in seq order, for the tickets created in
    the period: the agents' public replies, the customers' messages, and the events that
    resolved or closed the ticket (which stop a response clock without answering). What the
    next-response waits are made of (models/reporting/figures.py)."""
    q = (select(E.c.number, E.c.at, E.c.kind, E.c.status_to).select_from(E.join(T, T.c.number == E.c.number))
         .where(*_created_in(f), E.c.seq > 1,
                or_(E.c.kind.in_(ANSWER_KINDS + CUSTOMER_KINDS), E.c.status_to.in_(DONE_STATUSES)))
         .order_by(E.c.number, E.c.seq))
    out: dict[int, list[tuple[datetime, str, str | None]]] = {}
    for number, at, kind, status_to in s.execute(q):
        out.setdefault(number, []).append((as_utc(at), kind, status_to))  # type: ignore[arg-type]  # an event's at is never NULL
    return out


@dataclass(frozen=True)
class Resolution:
    """A ticket resolved in the period (whenever created): its first resolution in it, and
    the times it was reopened after that (whenever, up to now)."""

    number: int
    team: str | None
    resolved_at: datetime
    reopened_at: list[datetime]


def resolutions(s: Session, f: Filters) -> list[Resolution]:
    """The tickets an event resolved inside the period (status_to resolved), each with the
    reopenings (resolved -> an active status) that followed its first resolution in it."""
    resolved = E.c.status_to == Status.RESOLVED
    reopened = (E.c.status_from == Status.RESOLVED) & E.c.status_to.in_(ACTIVE_STATUSES)
    q = (select(E.c.number, T.c.team, E.c.at, resolved.label("resolves")).select_from(E.join(T, T.c.number == E.c.number))
         .where(*_dims(f), E.c.at >= f.start,
                or_(resolved & (E.c.at < f.end), reopened))
         .order_by(E.c.number, E.c.seq))
    found: dict[int, Resolution] = {}
    for number, team, at, resolves in s.execute(q):
        at = as_utc(at)
        if resolves and at < f.end and number not in found:
            found[number] = Resolution(number, team, at, [])  # type: ignore[arg-type]  # an event's at is never NULL
        elif not resolves and number in found:
            found[number].reopened_at.append(at)  # type: ignore[arg-type]  # an event's at is never NULL
    return list(found.values())


def agent_names(s: Session, emails: set[str]) -> dict[str, str]:
    """e-mail -> the agent's name, for the addresses that are agents' (others are left out)."""
    if not emails:
        return {}
    return {email: name for email, name in s.execute(select(Agent.email, Agent.name).where(Agent.email.in_(sorted(emails))))}


def policy_pause_statuses(s: Session, policy_names: set[str]) -> dict[str, list[str]]:
    """Each named SLA policy's pause statuses (the statuses in which its clocks stop). Unknown
    names are left out."""
    if not policy_names:
        return {}
    P = SlaPolicy.__table__
    q = select(P.c.name, P.c.pause_statuses).where(P.c.name.in_(sorted(policy_names)))
    return {name: list(statuses or []) for name, statuses in s.execute(q)}


@dataclass(frozen=True)
class CalendarRow:
    name: str
    timezone: str
    weekly_hours: dict | None
    holidays: list[str]


def policy_calendars(s: Session, policy_names: set[str]) -> dict[str, CalendarRow | None]:
    """Each named SLA policy's business calendar (None: 24x7 UTC). Unknown names are left out."""
    if not policy_names:
        return {}
    P, C = SlaPolicy.__table__, BusinessCalendar.__table__
    q = (select(P.c.name, C.c.name, C.c.timezone, C.c.weekly_hours, C.c.holidays)
         .select_from(P.outerjoin(C, P.c.calendar_id == C.c.id)).where(P.c.name.in_(sorted(policy_names))))
    out: dict[str, CalendarRow | None] = {}
    for policy, cal, zone, weekly, holidays in s.execute(q):
        out[policy] = None if cal is None else CalendarRow(cal, zone or "UTC", weekly, list(holidays or []))
    return out


@dataclass
class SlaTeamCounts:
    team: str | None
    with_policy: int = 0
    breached_tickets: int = 0
    breaches: int = 0
    escalations: int = 0


def sla_counts(s: Session, f: Filters) -> list[SlaTeamCounts]:
    """Per team, for tickets created in the period: tickets with an SLA policy, tickets with at
    least one breach, and the breach and escalation milestones that fired for them."""
    by_team: dict[str | None, SlaTeamCounts] = {}

    def row(team: str | None) -> SlaTeamCounts:
        return by_team.setdefault(team, SlaTeamCounts(team))

    policy = [*_created_in(f), T.c.sla_policy.is_not(None)]
    for team, n in s.execute(select(T.c.team, func.count()).where(*policy).group_by(T.c.team)):
        row(team).with_policy = int(n)
    joined = T.join(M, M.c.number == T.c.number)
    q = (select(T.c.team, func.count(distinct(T.c.number))).select_from(joined)
         .where(*policy, M.c.kind == "breach").group_by(T.c.team))
    for team, n in s.execute(q):
        row(team).breached_tickets = int(n)
    q = (select(T.c.team, M.c.kind, func.count()).select_from(joined)
         .where(*_created_in(f), M.c.kind.in_(("breach", "escalation"))).group_by(T.c.team, M.c.kind))
    for team, kind, n in s.execute(q):
        if kind == "breach":
            row(team).breaches = int(n)
        else:
            row(team).escalations = int(n)
    return sorted(by_team.values(), key=lambda r: (r.team is None, r.team or ""))


def csat_by_assignee(s: Session, f: Filters) -> dict[str | None, tuple[int, float]]:
    """assignee -> (answers, mean CSAT) over surveys of tickets created in the period."""
    q = (select(T.c.assignee, func.count(), func.avg(S.c.csat)).select_from(T.join(S, S.c.number == T.c.number))
         .where(*_created_in(f)).group_by(T.c.assignee))
    return {who: (int(n), float(avg)) for who, n, avg in s.execute(q)}


def survey_answers(s: Session, f: Filters) -> list[tuple[int, int | None]]:
    """(csat, nps) of survey answers given in the period, for tickets matching the other filters."""
    q = (select(S.c.csat, S.c.nps).select_from(S.join(T, T.c.number == S.c.number))
         .where(S.c.answered_at >= f.start, S.c.answered_at < f.end, *_dims(f)))
    return [(int(c), None if n is None else int(n)) for c, n in s.execute(q)]


def category_counts(s: Session, f: Filters) -> tuple[int, list[tuple[str | None, int]]]:
    """(tickets in the period, [(category, count)] most frequent first, ties by name)."""
    total = s.scalar(select(func.count()).select_from(T).where(*_created_in(f))) or 0
    n = func.count().label("n")
    q = (select(T.c.category, n).where(*_created_in(f)).group_by(T.c.category)
         .order_by(n.desc(), T.c.category.is_(None), T.c.category))
    return int(total), [(c, int(k)) for c, k in s.execute(q)]


def team_exists(s: Session, slug: str) -> bool:
    return s.scalar(select(func.count()).select_from(Team).where(Team.slug == slug)) > 0

