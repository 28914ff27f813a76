"""API tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import Agent, ApiToken

TOKEN_PREFIX = "sdk_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, agent: Agent, name: str) -> str:
    """Create a token for `agent`; returns the plaintext, which is never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(agent_id=agent.id, name=name, token_hash=hash_token(token), prefix=token[:12]))
    session.flush()
    return token


def agent_for_token(session: Session, token: str) -> Agent | None:
    return session.scalars(
        select(Agent)
        .join(ApiToken, ApiToken.agent_id == Agent.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None), Agent.active)
    ).first()
