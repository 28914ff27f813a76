"""Sign-in sessions of the web pages (the agents' console, the supervisors' reports): the
browser's cookie holds a random session id; the database holds only the id's SHA-256.

A session is opened by an agent's e-mail and password, or by an API token pasted into the
sign-in page (for those who have no password). It ends when its owner signs out, when it has
not been used for `idle` (a forgotten tab), at its absolute expiry (a working day), when the
agent's password changes or the agent is deactivated, and, for one opened with a token, when
that token is revoked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.tables import Agent, ApiToken, Base, utcnow
from models.tokens import hash_token
from models.utc import UtcDateTime

SESSION_PREFIX = "sds_"
# A session's last use is written at most this often: a page that polls does not write on every request.
TOUCH_EVERY = timedelta(seconds=60)


class WebSession(Base):
    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    # The token it was opened with (None: with a password): revoking the token ends it.
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class Lifetime:
    """How long a session lasts: at most `absolute` after sign-in, and `idle` after its last use."""

    absolute: timedelta
    idle: timedelta


def open_session(s: Session, agent: Agent, lifetime: Lifetime, token: ApiToken | None = None) -> str:
    """A new session for `agent`: its id, shown to the browser once and stored only hashed."""
    sid = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    s.execute(delete(WebSession).where(or_(WebSession.expires_at <= now,  # the ended ones, by the way
                                           WebSession.last_seen_at <= now - lifetime.idle)))
    s.add(WebSession(id_hash=hash_token(sid), agent_id=agent.id, token_id=token.id if token else None,
                     created_at=now, last_seen_at=now, expires_at=now + lifetime.absolute))
    return sid


def token_row(s: Session, token: str) -> tuple[Agent, ApiToken] | None:
    """The active agent and live token row of a pasted API token."""
    row = s.execute(select(Agent, ApiToken).join(ApiToken, ApiToken.agent_id == Agent.id).where(
        ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None), Agent.active)).first()
    return (row[0], row[1]) if row is not None else None


def agent_for_session(s: Session, sid: str, idle: timedelta) -> Agent | None:
    """The agent of a live session (not expired nor idle too long, its token if any not revoked,
    the agent active), noting its use."""
    now = utcnow()
    row = s.execute(
        select(Agent, WebSession).join(WebSession, WebSession.agent_id == Agent.id)
        .outerjoin(ApiToken, ApiToken.id == WebSession.token_id)
        .where(WebSession.id_hash == hash_token(sid), WebSession.expires_at > now,
               WebSession.last_seen_at > now - idle, Agent.active,
               or_(WebSession.token_id.is_(None), ApiToken.revoked_at.is_(None)))
    ).first()
    if row is None:
        return None
    agent, session = row
    if session.last_seen_at <= now - TOUCH_EVERY:
        s.execute(update(WebSession).where(WebSession.id_hash == session.id_hash).values(last_seen_at=now))
    return agent


def form_token(sid: str) -> str:
    """The CSRF token of the session's forms: derived from the session id, which no other site
    can read (the cookie is HttpOnly), so it needs no storage and changes with every sign-in."""
    return hmac.new(sid.encode(), b"servicedesk form", hashlib.sha256).hexdigest()


def form_token_matches(sid: str, sent: str) -> bool:
    return hmac.compare_digest(form_token(sid), sent)


def close_session(s: Session, sid: str) -> None:
    s.execute(delete(WebSession).where(WebSession.id_hash == hash_token(sid)))


def close_sessions_of(s: Session, agent_id: int, keep: str | None = None) -> None:
    """End every session of the agent (but `keep`, the one that changed its own password)."""
    query = delete(WebSession).where(WebSession.agent_id == agent_id)
    if keep is not None:
        query = query.where(WebSession.id_hash != hash_token(keep))
    s.execute(query)
