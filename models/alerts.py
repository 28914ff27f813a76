"""Monitoring alert groups: which ticket stands for which Alertmanager group.

One row per group (by the sha256 of its `groupKey`). `generation` counts the tickets the
group has had: the intake key of the current one is `<group_key_hash>:<generation>`, so any
number of deliveries of one notification open one ticket, and after that ticket is closed
the next firing notification opens generation + 1.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.tables import Base, TicketIntake, utcnow
from models.utc import UtcDateTime


class AlertGroup(Base):
    __tablename__ = "alert_groups"
    group_key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of group_key
    group_key: Mapped[str] = mapped_column(Text)
    receiver: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[int] = mapped_column(ForeignKey("ticket_intake.number"))  # the group's current ticket
    generation: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16))  # of the last notification: firing | resolved
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    notifications: Mapped[int] = mapped_column(Integer, default=1)  # notifications accepted for the group


def group_key_hash(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()


def intake_key(key_hash: str, generation: int) -> str:
    return f"{key_hash}:{generation}"


@dataclass(frozen=True)
class GroupTicket:
    """The group's current ticket, as the table knows it."""

    number: int
    generation: int


def current_ticket(s: Session, key_hash: str) -> GroupTicket | None:
    row = s.get(AlertGroup, key_hash)
    return GroupTicket(row.number, row.generation) if row is not None else None


def claim(s: Session, *, key_hash: str, group_key: str, receiver: str, status: str, number: int,
          generation: int) -> None:
    """Make `number` the group's ticket for `generation` (inside the intake transaction that
    ledgered it). The intake key is unique per generation, so only one transaction gets here
    per generation; a row at a newer generation is left alone."""
    now = utcnow()
    row = s.get(AlertGroup, key_hash, with_for_update=True)
    if row is None:
        s.add(AlertGroup(group_key_hash=key_hash, group_key=group_key, receiver=receiver[:200], number=number,
                         generation=generation, status=status, first_seen_at=now, last_seen_at=now, notifications=1))
        s.flush()
    elif row.generation < generation:
        row.number, row.generation, row.receiver, row.status = number, generation, receiver[:200], status
        row.last_seen_at, row.notifications = now, row.notifications + 1


def seen(s: Session, *, key_hash: str, status: str) -> None:
    """Count a notification delivered to the group's existing ticket."""
    s.execute(update(AlertGroup).where(AlertGroup.group_key_hash == key_hash)
              .values(status=status, last_seen_at=utcnow(), notifications=AlertGroup.notifications + 1))


def ledgered_ticket(s: Session, key: str) -> tuple[int, dict] | None:
    """The ticket number and stored request the intake ledger holds for an alert intake key."""
    row = s.execute(select(TicketIntake.number, TicketIntake.request)
                    .where(TicketIntake.source == "alertmanager", TicketIntake.agent_id.is_(None),
                           TicketIntake.idempotency_key == key)).first()
    return (row[0], row[1]) if row is not None else None
