"""Routing queries shared by the routing activities and the API: team membership, agents'
open load, the team queue, and the per-team lock that serialises routing decisions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from models.tables import Agent, RoutingDecision, Team, TeamMember, TicketRow
from workflows.vocabulary import ACTIVE_STATUSES, Priority

AVAILABILITY = ("online", "away", "offline")
ROUTING_MODES = ("round_robin", "least_loaded", "skill_match")
# The queue's order: the most urgent first (critical 0 ... low 3).
PRIORITY_RANK = {p.value: len(Priority) - 1 - p.rank for p in Priority}
# A decision counts in its agent's load until the read model shows the ticket as theirs
# (the projection follows the decision by milliseconds, or by minutes in an outage).
PENDING_WINDOW = timedelta(minutes=10)


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- membership ---------------------------------------------------------------------------


def team_by_slug(s: Session, slug: str) -> Team | None:
    return s.scalars(select(Team).where(Team.slug == slug)).first()


def team_agents(s: Session, team_id: int) -> list[Agent]:
    """The team's members who take tickets (role "agent", active), whatever their availability, by id."""
    return list(s.scalars(
        select(Agent).join(TeamMember, TeamMember.agent_id == Agent.id)
        .where(TeamMember.team_id == team_id, Agent.active, Agent.role == "agent").order_by(Agent.id)))


def team_member_emails(s: Session, team_id: int) -> list[str]:
    """Every active member, any role: who a notification to "team" reaches."""
    return list(s.scalars(
        select(Agent.email).join(TeamMember, TeamMember.agent_id == Agent.id)
        .where(TeamMember.team_id == team_id, Agent.active).order_by(Agent.id)))


def teams_of(s: Session, agent_ids: list[int]) -> dict[int, list[str]]:
    """Team slugs per agent id, home team first then by slug."""
    out: dict[int, list[str]] = {i: [] for i in agent_ids}
    rows = s.execute(
        select(TeamMember.agent_id, Team.slug, Team.id == Agent.team_id)
        .join(Team, Team.id == TeamMember.team_id).join(Agent, Agent.id == TeamMember.agent_id)
        .where(TeamMember.agent_id.in_(agent_ids)).order_by(TeamMember.agent_id, (Team.id == Agent.team_id).desc(), Team.slug))
    for agent_id, slug, _home in rows:
        out[agent_id].append(slug)
    return out


def set_teams(s: Session, agent: Agent, team_ids: list[int]) -> None:
    """Replace the agent's memberships. The home team stays if still a member, else the first."""
    s.query(TeamMember).filter(TeamMember.agent_id == agent.id).delete(synchronize_session=False)
    for team_id in dict.fromkeys(team_ids):
        s.add(TeamMember(team_id=team_id, agent_id=agent.id))
    if agent.team_id not in team_ids:
        agent.team_id = team_ids[0] if team_ids else None
    s.flush()


# --- load -----------------------------------------------------------------------------------


def open_loads(s: Session, emails: list[str], *, exclude: int | None = None, now: datetime | None = None) -> dict[str, int]:
    """Open tickets per agent: those the read model shows as theirs (new/open/pending/on_hold),
    plus recent decisions for them that the read model does not show yet. `exclude` is the
    ticket being routed, which must not count against anyone."""
    loads = dict.fromkeys(emails, 0)
    if not emails:
        return loads
    shown = (select(TicketRow.assignee, func.count())
             .where(TicketRow.status.in_(ACTIVE_STATUSES), TicketRow.assignee.in_(emails))
             .group_by(TicketRow.assignee))
    if exclude is not None:
        shown = shown.where(TicketRow.number != exclude)
    for email, n in s.execute(shown):
        loads[email] += n
    d, later = RoutingDecision, aliased(RoutingDecision)
    pending = (
        select(d.assignee, func.count(func.distinct(d.number)))
        .select_from(d).outerjoin(TicketRow, TicketRow.number == d.number)
        .where(d.assignee.in_(emails), d.decided_at >= (now or _now()) - PENDING_WINDOW,
               # only the ticket's latest decision counts
               ~exists().where(later.number == d.number, later.decided_at > d.decided_at),
               or_(TicketRow.number.is_(None),
                   and_(or_(TicketRow.assignee.is_(None), TicketRow.assignee != d.assignee),
                        or_(d.seq.is_(None), TicketRow.last_seq < d.seq))))
        .group_by(d.assignee))
    if exclude is not None:
        pending = pending.where(d.number != exclude)
    for email, n in s.execute(pending):
        loads[email] += n
    return loads


def last_assigned(s: Session, emails: list[str]) -> dict[str, datetime]:
    """When routing last gave each agent a ticket (missing: never, the longest idle)."""
    if not emails:
        return {}
    rows = s.execute(select(RoutingDecision.assignee, func.max(RoutingDecision.decided_at))
                     .where(RoutingDecision.assignee.in_(emails)).group_by(RoutingDecision.assignee))
    # SQLite hands back naive datetimes; they were written in UTC.
    return {email: at if at.tzinfo else at.replace(tzinfo=timezone.utc) for email, at in rows}


def free_capacity(s: Session, agent: Agent, *, exclude: int | None = None) -> int:
    """How many more tickets routing may give the agent now: 0 unless online, active and an agent."""
    if agent.availability != "online" or not agent.active or agent.role != "agent":
        return 0
    return max(0, agent.capacity - open_loads(s, [agent.email], exclude=exclude)[agent.email])


# --- the team queue ----------------------------------------------------------------------------


def _queued(now: datetime):
    """Open tickets nobody owns and no recent decision has given to anyone yet."""
    d = RoutingDecision
    decided = exists().where(d.number == TicketRow.number, d.assignee.is_not(None), d.decided_at >= now - PENDING_WINDOW,
                             or_(d.seq.is_(None), d.seq > TicketRow.last_seq))
    urgency = case(PRIORITY_RANK, value=TicketRow.priority, else_=len(PRIORITY_RANK))
    return (select(TicketRow).where(TicketRow.status.in_(ACTIVE_STATUSES), TicketRow.assignee.is_(None), ~decided)
            .order_by(urgency, TicketRow.created_at, TicketRow.number))


def team_queue(s: Session, slug: str, limit: int = 200) -> list[TicketRow]:
    """A team's waiting tickets, most urgent first, then oldest."""
    return list(s.scalars(_queued(_now()).where(TicketRow.team == slug).limit(limit)))


def queued_counts(s: Session) -> dict[str, int]:
    """How many tickets wait in each team's queue."""
    sub = _queued(_now()).order_by(None).subquery()
    return {team: n for team, n in s.execute(select(sub.c.team, func.count()).group_by(sub.c.team)) if team}


def queue_for_agent(s: Session, email: str, *, exclude: int | None = None) -> list[int]:
    """The queued tickets the agent could take now: up to their free capacity, from the
    queues of their teams, most urgent first, then oldest. Empty unless they are online."""
    agent = s.scalars(select(Agent).where(Agent.email == email)).first()
    if agent is None:
        return []
    n = free_capacity(s, agent, exclude=exclude)
    if n <= 0:
        return []
    slugs = select(Team.slug).join(TeamMember, TeamMember.team_id == Team.id).where(TeamMember.agent_id == agent.id)
    q = _queued(_now()).where(TicketRow.team.in_(slugs)).limit(n)
    if exclude is not None:
        q = q.where(TicketRow.number != exclude)
    return [row.number for row in s.scalars(q)]


# --- serialising decisions ---------------------------------------------------------------------


def lock_team(s: Session, team_id: int) -> None:
    """Begin the decision with a write to the team row: PostgreSQL locks the row until commit,
    SQLite takes its database write lock. Then the team's members are locked in id order, so
    two teams sharing an agent cannot both hand out that agent's last slot (and, locked in
    one order, cannot deadlock)."""
    s.execute(update(Team).where(Team.id == team_id).values(rr_cursor=Team.rr_cursor))
    members = select(TeamMember.agent_id).where(TeamMember.team_id == team_id)
    s.execute(select(Agent.id).where(Agent.id.in_(members)).order_by(Agent.id).with_for_update()).all()
