"""Passwords through the JSON API: an admin sets an agent's (`PUT /admin/agents/{id}/password`),
an agent changes their own (`PUT /me/password`, with the current one). Both end the agent's
web sessions; the API tokens stay (they are revoked on their own, /admin/tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import Field
from sqlalchemy.orm import Session

from api.deps import AdminDep, ReaderDep, SessionsDep
from api.errors import ApiError
from api.params import RowId
from api.schemas import Strict
from models import passwords
from models.tables import Agent

router = APIRouter(tags=["organisation"])
Password = Annotated[str, Field(min_length=1, max_length=passwords.MAX_CHARS,
                                description=f"at least {passwords.MIN_CHARS} characters, at least 4 different ones")]


class PasswordSet(Strict):
    password: Password


class PasswordChange(Strict):
    current_password: Annotated[str, Field(max_length=passwords.MAX_CHARS, description="empty if none is set yet")] = ""
    new_password: Password


def _set(s: Session, agent: Agent, password: str, field: str) -> None:
    try:
        passwords.set_password(s, agent, password)
    except passwords.PasswordRefused as why:
        raise ApiError("PasswordRefused", f"{field}: {why}", [{"field": field, "message": str(why)}]) from None


@router.put("/admin/agents/{agent_id}/password", status_code=status.HTTP_204_NO_CONTENT,
            responses={404: {"description": "No such agent"}})
def set_password(agent_id: RowId, body: PasswordSet, me: AdminDep, sessions: SessionsDep) -> Response:
    """Set an agent's web sign-in password (the agent can change it afterwards). Ends the agent's web sessions."""
    with sessions.begin() as s:
        agent = s.get(Agent, agent_id)
        if agent is None:
            raise ApiError("NotFound", f"no agent {agent_id}")
        _set(s, agent, body.password, "password")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_own_password(body: PasswordChange, me: ReaderDep, sessions: SessionsDep) -> Response:
    """Change your own web sign-in password, giving the current one (none yet: leave it empty). Ends your web sessions."""
    with sessions.begin() as s:
        agent = s.get(Agent, me.agent_id)
        assert agent is not None  # the token's agent
        if agent.password_hash is not None and not passwords.matches(agent, body.current_password):
            raise ApiError("WrongPassword", "current_password: that is not your current password",
                           [{"field": "current_password", "message": "not your current password"}])
        _set(s, agent, body.new_password, "new_password")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
