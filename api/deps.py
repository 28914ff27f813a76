"""Dependencies: who is calling (from the bearer token), and the app's shared clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from api.errors import ApiError
from api.throttle import client_address, throttle_of, too_many
from models.settings import Settings
from models.tables import Agent
from models.tokens import agent_for_token
from workflows.messages import Actor
from workflows.vocabulary import ACTING_ROLES, MANAGER_ROLES, Role, words

bearer = HTTPBearer(auto_error=False, description="An API token from `servicedesk token create`.")


@dataclass(frozen=True)
class Principal:
    agent_id: int
    email: str
    name: str
    role: str

    def actor(self) -> Actor:
        return Actor(kind="agent", id=self.email, name=self.name)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions


def get_temporal(request: Request) -> Client:
    return request.app.state.temporal


SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def principal_for_token(sessions: sessionmaker[Session], token: str) -> Principal | None:
    """The agent an API token belongs to, or None (unknown or revoked). Blocks: call it on a thread."""
    with sessions() as s:
        return principal_of(agent_for_token(s, token))


def principal_of(agent: Agent | None) -> Principal | None:
    return None if agent is None else Principal(agent_id=agent.id, email=agent.email, name=agent.name, role=agent.role)


def current_principal(
    request: Request,
    sessions: SessionsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    # A plain `def`: FastAPI runs it on a thread, so the database lookup never blocks the loop.
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError("Unauthorized", "missing bearer token: send 'Authorization: Bearer <token>'", headers=challenge)
    # A client that has sent too many wrong tokens is not answered whether its next one is right,
    # so guessing stops at the limit.
    throttle, client = throttle_of(request), client_address(request)
    if (wait := throttle.wait(throttle.failed_tokens, client)) is not None:
        raise too_many("failed token checks from this address", wait)
    me = principal_for_token(sessions, credentials.credentials)
    if me is None:
        throttle.count(throttle.failed_tokens, client)
        raise ApiError("Unauthorized", "invalid or revoked API token", headers=challenge)
    return me


def require_role(*allowed: str):
    roles = [str(r) for r in allowed]

    def check(me: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if me.role not in roles:
            raise ApiError("Forbidden", f"role {me.role!r} may not do this; needs one of {list(roles)}")
        return me

    return check


# Who may call an operation: every role alias of the API, here and nowhere else.
ReaderDep = Annotated[Principal, Depends(require_role(*words(*Role)))]  # reads tickets: every role
AgentDep = Annotated[Principal, Depends(require_role(*ACTING_ROLES))]  # acts on tickets
SupervisorDep = Annotated[Principal, Depends(require_role(Role.SUPERVISOR, Role.ADMIN))]  # runs the floor
ManagerDep = Annotated[Principal, Depends(require_role(*MANAGER_ROLES))]  # reports, histories, rules to read
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]
