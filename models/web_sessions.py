"""Sign-in sessions of the web pages (the supervisors' now): the browser's cookie holds a random
session id, never the API token it was opened with; the database holds only the id's SHA-256.
A session ends when it expires, when its owner signs out, or when its token is revoked."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.tables import Agent, ApiToken, Base, utcnow
from models.tokens import hash_token
from models.utc import UtcDateTime

SESSION_PREFIX = "sds_"


class WebSession(Base):
    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


def open_session(s: Session, token: str, lifetime: timedelta) -> str | None:
    """A new session for a valid token's agent: its id (shown to the browser once), or None."""
    row = s.scalars(select(ApiToken).join(Agent, Agent.id == ApiToken.agent_id).where(
        ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None), Agent.active)).first()
    if row is None:
        return None
    sid = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    s.execute(delete(WebSession).where(WebSession.expires_at <= now))  # the expired ones, by the way
    s.add(WebSession(id_hash=hash_token(sid), token_id=row.id, created_at=now, expires_at=now + lifetime))
    return sid


def agent_for_session(s: Session, sid: str) -> Agent | None:
    """The agent of a live session: not expired, its token not revoked, the agent active."""
    return s.scalars(
        select(Agent).join(ApiToken, ApiToken.agent_id == Agent.id).join(WebSession, WebSession.token_id == ApiToken.id)
        .where(WebSession.id_hash == hash_token(sid), WebSession.expires_at > utcnow(),
               ApiToken.revoked_at.is_(None), Agent.active)
    ).first()


def close_session(s: Session, sid: str) -> None:
    s.execute(delete(WebSession).where(WebSession.id_hash == hash_token(sid)))
