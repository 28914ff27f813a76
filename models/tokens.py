"""API tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

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


def list_tokens(session: Session) -> list[tuple[ApiToken, Agent]]:
    """Every token ever issued, newest first, with its agent (the hash is never shown)."""
    return [(t, a) for t, a in session.execute(
        select(ApiToken, Agent).join(Agent, Agent.id == ApiToken.agent_id).order_by(ApiToken.id.desc()))]


def revoke_token(session: Session, ref: str | int) -> ApiToken | None:
    """Revoke a token by id or by its shown prefix (`sdk_AbCd1234`); None if none matches. The
    token stops working at once, and so do the web sessions it opened. Revoking twice is no
    error: the first time stands."""
    where = ApiToken.id == int(ref) if isinstance(ref, int) or str(ref).isdigit() else ApiToken.prefix == str(ref)
    found = session.scalars(select(ApiToken).where(where)).all()
    if len(found) != 1:
        return None
    if found[0].revoked_at is None:
        found[0].revoked_at = datetime.now(timezone.utc)
        session.flush()
    return found[0]
