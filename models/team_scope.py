"""Team scope: which teams' tickets a member of staff may see and work.

A team's tickets are open to every agent, or to its members only. Each team says which
(`teams.ticket_access`: "all" or "team"), or leaves it to the desk's default
(`SERVICEDESK_TICKET_ACCESS`, "all" unless set). Admins and auditors see every team's tickets;
agents and supervisors see a members-only team's tickets only if they are its members. A ticket
no team has yet (before routing) is open to all, so that someone can pick it up.

Who may be assigned a ticket is one rule for everyone: an active agent, supervisor or admin
(never an auditor, who only reads) who is a member of the ticket's team.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from models.tables import Agent, Team, TeamMember
from workflows.vocabulary import ACROSS_TEAMS, ACTING_ROLES

ACCESS = ("all", "team")
ASSIGNABLE_ROLES = ACTING_ROLES


@dataclass(frozen=True)
class Scope:
    """The teams whose tickets are closed to one caller (usually none)."""

    hidden: frozenset[str] = frozenset()

    def allows(self, team: str | None) -> bool:
        return team is None or team not in self.hidden

    def visible(self, column: Any) -> Any:
        """A SQL condition on a ticket's team column: the rows this caller may see. (A plain
        NOT IN would drop the tickets with no team: NULL NOT IN (...) is not true.)"""
        return or_(column.is_(None), column.not_in(sorted(self.hidden))) if self.hidden else true()


def members_only(team_access: str | None, default: str) -> bool:
    return (team_access or default) == "team"


def scope_for(s: Session, agent_id: int, role: str, default: str) -> Scope:
    if role in ACROSS_TEAMS:
        return Scope()
    closed = {slug for slug, access in s.execute(select(Team.slug, Team.ticket_access)) if members_only(access, default)}
    if not closed:
        return Scope()
    mine = set(s.scalars(select(Team.slug).join(TeamMember, TeamMember.team_id == Team.id)
                         .where(TeamMember.agent_id == agent_id)))
    return Scope(frozenset(closed - mine))


def assignment_problem(s: Session, email: str, team: str | None) -> str | None:
    """Why the agent `email` may not be given a ticket of `team`, or None if they may."""
    agent = s.scalars(select(Agent).where(Agent.email == email.lower(), Agent.active)).first()
    if agent is None:
        return f"no active agent {email}"
    if agent.role not in ASSIGNABLE_ROLES:
        return f"{email} is an {agent.role}, who reads tickets and is never assigned one"
    if team is not None:
        member = s.scalar(select(TeamMember.agent_id).join(Team, Team.id == TeamMember.team_id)
                          .where(Team.slug == team, TeamMember.agent_id == agent.id))
        if member is None:
            return f"{email} is not a member of team {team!r}, whose ticket this is"
    return None
