"""The organisation as the API shows it: teams, agents, and (for admins) issuing tokens."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from api.deps import AdminDep, ReaderDep, SessionsDep
from api.errors import ApiError
from api.schemas import AgentOut, TeamOut, TokenCreate, TokenCreated
from models import queries
from models.tables import Agent, Team
from models.tokens import issue_token

router = APIRouter(tags=["organisation"])


@router.get("/teams", response_model=list[TeamOut])
def list_teams(me: ReaderDep, sessions: SessionsDep) -> list[TeamOut]:
    with sessions() as s:
        return [TeamOut(slug=t.slug, name=t.name, is_default=t.is_default) for t in s.scalars(select(Team).order_by(Team.slug))]


@router.get("/agents", response_model=list[AgentOut])
def list_agents(me: ReaderDep, sessions: SessionsDep) -> list[AgentOut]:
    with sessions() as s:
        rows = s.execute(select(Agent, Team.slug).outerjoin(Team, Team.id == Agent.team_id).order_by(Agent.email)).all()
        return [AgentOut(email=a.email, name=a.name, role=a.role, team=slug, active=a.active, capacity=a.capacity)
                for a, slug in rows]


@router.post("/admin/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, me: AdminDep, sessions: SessionsDep) -> TokenCreated:
    """Issue an API token for an agent. The token is shown once."""
    with sessions.begin() as s:
        agent = queries.active_agent(s, body.agent_email)
        if agent is None:
            raise ApiError("UnknownAgent", f"agent_email: no active agent {body.agent_email}",
                           [{"field": "agent_email", "message": "no such active agent"}])
        token = issue_token(s, agent, body.name)
        return TokenCreated(token=token, prefix=token[:12], agent_email=agent.email)
