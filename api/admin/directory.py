"""The organisation as the API shows it: teams, agents, and (for admins) issuing tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.admin.routing_schemas import AgentRoutingOut, TeamRoutingOut
from api.admin.schemas import TokenCreate, TokenCreated, TokenOut
from api.deps import AdminDep, ReaderDep, SessionsDep
from api.errors import ApiError
from api.params import RowId
from models import queries, routing_admin
from models.tokens import issue_token, list_tokens, revoke_token

router = APIRouter(tags=["organisation"])


@router.get("/teams", response_model=list[TeamRoutingOut])
def list_teams(me: ReaderDep, sessions: SessionsDep) -> list[TeamRoutingOut]:
    """Teams with their skills, routing mode, members and how many tickets wait in their queue."""
    with sessions() as s:
        return [TeamRoutingOut(**t) for t in routing_admin.list_teams(s)]


@router.get("/agents", response_model=list[AgentRoutingOut])
def list_agents(me: ReaderDep, sessions: SessionsDep) -> list[AgentRoutingOut]:
    """Agents with their home team (`team`), all their teams, skills, availability, capacity and open load."""
    with sessions() as s:
        return [AgentRoutingOut(**a) for a in routing_admin.list_agents(s)]


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


@router.get("/admin/tokens", response_model=list[TokenOut])
def tokens(me: AdminDep, sessions: SessionsDep) -> list[TokenOut]:
    """Every token issued, newest first: whose, when, and whether revoked (never the token)."""
    with sessions() as s:
        return [TokenOut(id=t.id, prefix=t.prefix, name=t.name, agent_email=a.email, created_at=t.created_at,
                         revoked_at=t.revoked_at) for t, a in list_tokens(s)]


@router.delete("/admin/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={404: {"description": "No such token"}})
def revoke(token_id: RowId, me: AdminDep, sessions: SessionsDep) -> Response:
    """Revoke a token: it stops working at once, and so do the supervisor sessions it opened."""
    with sessions.begin() as s:
        if revoke_token(s, token_id) is None:
            raise ApiError("NotFound", f"no token {token_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
