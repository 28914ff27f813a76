"""Each agent's say on the notices meant for them: every kind of `SWITCHABLE_KINDS` (a ticket
given to them, the requester writing on theirs, an @mention) is on until they switch it off.
SLA warnings, breaches and escalations are not switchable: a policy's escalation always goes out.

A preference is applied when a notice is delivered, not when the workflow makes it
(activities/notifications.py records the row, activities/delivery.py sends it): switching a
kind off stops what is already queued too, and the workflow stays pure. A notice kept back is
not lost: its outbox row is `suppressed`, with the reason, for whoever asks why no mail went.

`preferences_of` and `set_preferences` are the service the API (`/me/notification-preferences`,
api/me/routes.py) and the web console call for the agent who is signed in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import dialect_insert
from models.sla_admin import ConfigError
from models.tables import Agent, Base, utcnow
from models.utc import UtcDateTime
from workflows.vocabulary import SWITCHABLE_KINDS, NotificationKind

SUPPRESSED = "suppressed"  # the outbox status of a notice kept back by its recipient's preference


class NotificationPreference(Base):
    """One agent's choice for one kind; no row: on."""

    __tablename__ = "agent_notification_preferences"
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def preferences_of(session: Session, agent_id: int) -> dict[str, bool]:
    """Every switchable kind, on or off for this agent, in the vocabulary's order."""
    chosen = {kind: enabled for kind, enabled in session.execute(
        select(NotificationPreference.kind, NotificationPreference.enabled).where(NotificationPreference.agent_id == agent_id))}
    return {kind: bool(chosen.get(kind, True)) for kind in SWITCHABLE_KINDS}


def refusal(kind: str) -> str | None:
    """Why `kind` cannot be switched, or None if it can."""
    if kind in SWITCHABLE_KINDS:
        return None
    if kind in (NotificationKind.SLA_WARNING, NotificationKind.SLA_BREACH, NotificationKind.SLA_ESCALATION):
        return "SLA notices cannot be switched off: an SLA policy's warnings, breach and escalations always go out"
    known = " (it is not sent to agents)" if kind in set(NotificationKind) else ""
    return f"unknown notification kind{known}; expected some of {', '.join(SWITCHABLE_KINDS)}"


def set_preferences(session: Session, agent_id: int, changes: Mapping[str, bool]) -> dict[str, bool]:
    """Switch the kinds in `changes` on (True) or off (False), the others as they were; returns
    them all. A kind that is not switchable, or a value that is not a bool, is a ConfigError
    (ValidationError, naming the kind) and nothing changes."""
    for kind, on in changes.items():
        if (why := refusal(kind)) is not None:
            raise ConfigError("ValidationError", kind, why)
        if not isinstance(on, bool):
            raise ConfigError("ValidationError", kind, "true (on) or false (off)")
    now = utcnow()
    for kind, on in changes.items():
        insert = dialect_insert(session, NotificationPreference).values(agent_id=agent_id, kind=kind, enabled=on,
                                                                         updated_at=now)
        session.execute(insert.on_conflict_do_update(index_elements=["agent_id", "kind"],
                                                     set_={"enabled": on, "updated_at": now}))
    return preferences_of(session, agent_id)


def switched_off(session: Session, email: str, kind: str) -> bool:
    """Whether the agent with this address has switched `kind` off (an address that is no
    agent's, and a kind that is not switchable, never is)."""
    if kind not in SWITCHABLE_KINDS:
        return False
    enabled = session.scalar(select(NotificationPreference.enabled)
                             .join(Agent, Agent.id == NotificationPreference.agent_id)
                             .where(Agent.email == email.strip().lower(), NotificationPreference.kind == kind))
    return enabled is False


def suppressed_reason(email: str, kind: str) -> str:
    return f"not sent: {email} switched {kind} notices off (their notification preferences)"
