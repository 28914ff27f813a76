"""Routing: a routing rule picks the team; inside it, the least-loaded available agent
with capacity left. With nobody free the ticket waits in the team queue."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from models.tables import Agent, RoutingRule, Team, TicketRow
from workflows.activity_io import RouteInput, RouteResult
from workflows.messages import ROUTE_ACTIVITY

OPEN_STATUSES = ("new", "open", "pending", "on_hold")


def pick_team(s: Session, inp: RouteInput) -> tuple[Team | None, str]:
    rules = s.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id))
    for rule in rules:
        if rule.category is not None and rule.category != inp.category:
            continue
        if rule.tag is not None and rule.tag not in inp.tags:
            continue
        team = s.get(Team, rule.team_id)
        what = f"category {inp.category!r}" if rule.category else "any category"
        return team, f"rule #{rule.id} ({what}{f', tag {rule.tag!r}' if rule.tag else ''}) -> team {team.slug}"
    default = s.scalars(select(Team).where(Team.is_default)).first()
    if default is not None:
        return default, f"no routing rule for category {inp.category!r} -> default team {default.slug}"
    return None, f"no routing rule for category {inp.category!r} and no default team"


def pick_agent(s: Session, team: Team, number: int) -> tuple[Agent | None, str]:
    load = (
        select(TicketRow.assignee, func.count().label("n"))
        .where(TicketRow.status.in_(OPEN_STATUSES), TicketRow.number != number)
        .group_by(TicketRow.assignee)
        .subquery()
    )
    rows = s.execute(
        select(Agent, func.coalesce(load.c.n, 0))
        .outerjoin(load, load.c.assignee == Agent.email)
        # Supervisors oversee the queue; routing hands tickets to agents.
        .where(Agent.team_id == team.id, Agent.active, Agent.role == "agent")
        .order_by(func.coalesce(load.c.n, 0), Agent.id)
    ).all()
    for agent, open_count in rows:
        if open_count < agent.capacity:
            return agent, f"least loaded in {team.slug}: {agent.email} with {open_count} open of {agent.capacity}"
    if not rows:
        return None, f"nobody available in {team.slug}; waiting in the team queue"
    return None, f"everyone in {team.slug} is at capacity; waiting in the team queue"


class RoutingActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @activity.defn(name=ROUTE_ACTIVITY)
    def route_ticket(self, inp: RouteInput) -> RouteResult:
        with self._sessions() as s:
            if inp.team is not None:  # an escalation names the team; only the agent is chosen
                team = s.scalars(select(Team).where(Team.slug == inp.team)).first()
                why_team = f"team {inp.team} given" if team else f"team {inp.team!r} does not exist"
            else:
                team, why_team = pick_team(s, inp)
            if team is None:
                return RouteResult(team=None, assignee=None, reason=why_team)
            agent, why_agent = pick_agent(s, team, inp.number)
            return RouteResult(team=team.slug, assignee=agent.email if agent else None, reason=f"{why_team}; {why_agent}")
