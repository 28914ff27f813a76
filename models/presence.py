"""Who has a ticket open in the console, and who is writing on it: each open page says so
every few seconds (api/console/live.py), and what is older than PRESENT_FOR has left. Kept in
the read model so every API process sees every agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.tables import Agent, Base
from models.utc import UtcDateTime

PRESENT_FOR = timedelta(seconds=30)
STATES = ("viewing", "replying")


class TicketPresence(Base):
    __tablename__ = "ticket_presence"
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10))  # viewing | replying
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


@dataclass(frozen=True)
class Present:
    email: str
    name: str
    state: str


def note(s: Session, number: int, agent_id: int, state: str, now: datetime) -> None:
    """The agent has the ticket open (`viewing`), or is writing on it (`replying`)."""
    row = s.get(TicketPresence, (number, agent_id))
    if row is None:
        s.add(TicketPresence(number=number, agent_id=agent_id, state=state, seen_at=now))
    else:
        row.state, row.seen_at = state, now


def touch(s: Session, number: int, agent_id: int, now: datetime) -> None:
    """The agent still has the ticket open (in whatever state they were)."""
    row = s.get(TicketPresence, (number, agent_id))
    if row is None:
        s.add(TicketPresence(number=number, agent_id=agent_id, state="viewing", seen_at=now))
    else:
        row.seen_at = now


def leave(s: Session, number: int, agent_id: int) -> None:
    s.execute(delete(TicketPresence).where(TicketPresence.number == number, TicketPresence.agent_id == agent_id))


def present(s: Session, number: int, now: datetime, but: int | None = None) -> list[Present]:
    """Who else has the ticket open now, writers first."""
    rows = s.execute(select(Agent.email, Agent.name, TicketPresence.state)
                     .join(Agent, Agent.id == TicketPresence.agent_id)
                     .where(TicketPresence.number == number, TicketPresence.seen_at > now - PRESENT_FOR,
                            TicketPresence.agent_id != (but if but is not None else -1))
                     .order_by(TicketPresence.state.desc(), Agent.name))
    return [Present(email=e, name=n, state=st) for e, n, st in rows]
