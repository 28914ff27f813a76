"""The notification outbox (`notifications`, models/tables.py): what kinds there are, who
reads them, and the row updates delivery makes. Delivery itself is activities/delivery.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.tables import Notification, utcnow
from workflows.vocabulary import NotificationKind, words

# Every kind (workflows/vocabulary.py declares them). Mails to the ticket's requester carry
# signed links and thread into the ticket; the others go to agents, leads and managers.
KINDS = words(*NotificationKind)
CUSTOMER_KINDS = words(NotificationKind.TICKET_RECEIVED, NotificationKind.AGENT_REPLY, NotificationKind.STATUS_CHANGED,
                       NotificationKind.RESOLVED, NotificationKind.SURVEY, NotificationKind.MERGED)
AGENT_KINDS = tuple(k for k in KINDS if k not in CUSTOMER_KINDS)
# pending until delivered; sent; failed (for good, with the reason); suppressed: never sent,
# because the agent switched the kind off (models/notification_preferences.py), with the reason.
STATUSES = ("pending", "sent", "failed", "suppressed")
WEBHOOK_PREFIX = "webhook:"


def audience_of(kind: str, recipient: str) -> str:
    if recipient.startswith(WEBHOOK_PREFIX):
        return "system"
    return "customer" if kind in CUSTOMER_KINDS else "agent"


def delivery_key(row: Notification) -> str:
    """The notification's idempotency key, as receivers see it (X-Servicedesk-Delivery)."""
    return f"{row.number}:{row.seq}:{row.kind}:{row.recipient}"


def workflow_id(number: int, seq: int, row_id: int) -> str:
    """The delivery workflow of one outbox row. Ticket numbers are unique per installation and
    the row id per database; no address in it (workflow ids are stored unencrypted)."""
    return f"notification-{number}-{seq}-{row_id}"


def get(session: Session, notification_id: int) -> Notification | None:
    return session.get(Notification, notification_id)


def record_attempt(session: Session, notification_id: int, error: str) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id, Notification.status == "pending")
                    .values(attempts=Notification.attempts + 1, last_error=error[:2000]))


def mark_sent(session: Session, notification_id: int) -> None:
    session.execute(update(Notification).where(Notification.id == notification_id)
                    .values(status="sent", sent_at=utcnow(), attempts=Notification.attempts + 1, last_error=None))


def mark_failed(session: Session, notification_id: int, reason: str) -> bool:
    """Give a pending notification up; False if it was sent meanwhile (or is unknown)."""
    done = session.execute(update(Notification).where(Notification.id == notification_id, Notification.status == "pending")
                           .values(status="failed", last_error=reason[:2000]))
    return bool(done.rowcount)


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    number: int
    seq: int
    kind: str
    channel: str
    recipient: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def list_outbox(session: Session, *, number: int | None = None, status: str | None = None,
                limit: int = 100) -> list[OutboxEntry]:
    q = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if number is not None:
        q = q.where(Notification.number == number)
    if status is not None:
        q = q.where(Notification.status == status)
    return [OutboxEntry(id=r.id, number=r.number, seq=r.seq, kind=r.kind, channel=r.channel, recipient=r.recipient,
                        status=r.status, attempts=r.attempts, last_error=r.last_error, created_at=r.created_at,
                        sent_at=r.sent_at) for r in session.scalars(q)]
