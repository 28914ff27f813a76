"""The organisation's answer bodies (teams, agents, tokens) and the health check's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.schemas import Email, Strict


class AgentOut(BaseModel):
    email: str
    name: str
    role: str
    team: str | None
    active: bool
    capacity: int


class TeamOut(BaseModel):
    slug: str
    name: str
    is_default: bool


class TokenCreate(Strict):
    agent_email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = "api"


class TokenCreated(BaseModel):
    token: str = Field(description="Shown once; only its hash is stored.")
    prefix: str
    agent_email: str


class TokenOut(BaseModel):
    id: int
    prefix: str = Field(description="The token's first characters, to tell tokens apart; never the token")
    name: str
    agent_email: str
    created_at: datetime
    revoked_at: datetime | None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    temporal: str
