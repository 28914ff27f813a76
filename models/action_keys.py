"""The Idempotency-Keys of agents' actions: which ticket and which body each key was first
used with, so that a retry with the same key and another body is refused instead of answering
with the first action's outcome as if it were the second's (the workflow's update id dedups the
retry itself, but cannot tell the bodies apart)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import dialect_insert
from models.tables import Base, utcnow
from models.utc import UtcDateTime


class ActionKey(Base):
    __tablename__ = "action_keys"
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def request_hash(number: int, body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps({"number": number, "body": body}, sort_keys=True, default=str).encode()).hexdigest()


def claim(s: Session, agent_id: int, key: str, number: int, digest: str) -> ActionKey | None:
    """Record the key's first use; None if this is it (or a retry of it), else the first use
    when that was with another ticket or body."""
    s.execute(dialect_insert(s, ActionKey.__table__).values(
        agent_id=agent_id, idempotency_key=key, number=number, request_hash=digest, created_at=utcnow(),
    ).on_conflict_do_nothing())
    first = s.scalars(select(ActionKey).where(ActionKey.agent_id == agent_id, ActionKey.idempotency_key == key)).one()
    return None if (first.number, first.request_hash) == (number, digest) else first


def release(s: Session, agent_id: int, key: str) -> None:
    """Forget a key whose action was refused (nothing applied): it may name another action now."""
    s.execute(delete(ActionKey).where(ActionKey.agent_id == agent_id, ActionKey.idempotency_key == key))
