"""E-mail in the read model: the Message-IDs of every mail a ticket received or sent (for
threading replies), the files stored with tickets, and a log of every inbound mail for
operators (with the raw bytes of the ones not turned into a ticket or reply)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import dialect_insert
from models.tables import Base, utcnow
from models.utc import UtcDateTime

# The raw bytes kept for a rejected or ignored mail: enough to see what it was.
MAX_LOGGED_RAW_BYTES = 256 * 1024


class MailMessage(Base):
    """One Message-ID known to belong to a ticket: mails it received ("in") and sent ("out")."""

    __tablename__ = "mail_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)  # normalised: "<local@domain>"
    number: Mapped[int] = mapped_column(Integer, index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Attachment(Base):
    """A file stored with a ticket: from a customer's mail (message_id, position) or uploaded
    by an agent (uploaded_by). A mail's attachments are stored once however often it arrives."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("number", "message_id", "position", name="uq_attachment_mail_part"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    message_id: Mapped[str | None] = mapped_column(String(998))
    position: Mapped[int | None] = mapped_column(Integer)  # the attachment's place in its mail
    uploaded_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class InboundMail(Base):
    """Every mail that reached the desk and what became of it."""

    __tablename__ = "inbound_mail"
    __table_args__ = (Index("ix_inbound_mail_received_at", "received_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(String(20))  # opened | replied | duplicate | ignored | rejected
    reason: Mapped[str] = mapped_column(Text, default="")
    number: Mapped[int | None] = mapped_column(Integer)
    via: Mapped[str] = mapped_column(String(10), default="http")  # http | smtp
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # only for ignored and rejected mails, capped
    raw_size: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


# --- Message-IDs --------------------------------------------------------------------------


def normalise_message_id(value: str | None) -> str | None:
    """"<Local@Domain>" as the key: angle brackets, no spaces, the domain lower-cased (the
    local part is case-sensitive in principle, so it is kept)."""
    if not value:
        return None
    v = "".join(value.split()).strip("<>")
    if not v:
        return None
    local, at, domain = v.rpartition("@")
    if not at:
        return f"<{v}>"[:998]
    return f"<{local}@{domain.lower()}>"[:998]


def new_message_id(number: int, seq: int, domain: str) -> str:
    """A Message-ID for mail the desk sends about a ticket; record it with `record_outbound`."""
    return f"<ticket-{number}.{seq}.{secrets.token_hex(8)}@{domain.lower()}>"


def record_outbound(session: Session, number: int, message_id: str) -> None:
    """Remember a Message-ID the desk sent, so a reply to it threads into the ticket."""
    _record(session, number, message_id, "out")


def record_inbound(session: Session, number: int, message_id: str) -> None:
    _record(session, number, message_id, "in")


def _record(session: Session, number: int, message_id: str, direction: str) -> None:
    key = normalise_message_id(message_id)
    if key is None:
        raise ValueError("empty Message-ID")
    stmt = dialect_insert(session, MailMessage.__table__).values(
        message_id=key, number=number, direction=direction, created_at=utcnow())
    session.execute(stmt.on_conflict_do_nothing(index_elements=["message_id"]))


def move_inbound(session: Session, message_id: str, number: int) -> None:
    """Point a received mail (and its stored attachments) at another ticket: used when a reply
    to a ticket that closed meanwhile opens a follow-up instead."""
    key = normalise_message_id(message_id)
    row = session.scalars(select(MailMessage).where(MailMessage.message_id == key)).first()
    if row is None:
        record_inbound(session, number, message_id)
        return
    old, row.number = row.number, number
    for att in session.scalars(select(Attachment).where(Attachment.message_id == key, Attachment.number == old)):
        att.number = number


def ticket_for_message_ids(session: Session, message_ids: list[str]) -> int | None:
    """The ticket of the first of these Message-IDs that the desk knows (give them in order
    of preference: In-Reply-To first, then References from the newest)."""
    keys = [k for k in (normalise_message_id(m) for m in message_ids) if k]
    if not keys:
        return None
    found = dict(session.execute(select(MailMessage.message_id, MailMessage.number)
                                 .where(MailMessage.message_id.in_(keys))).all())
    return next((found[k] for k in keys if k in found), None)


def known_message(session: Session, message_id: str) -> MailMessage | None:
    return session.scalars(select(MailMessage).where(MailMessage.message_id == normalise_message_id(message_id))).first()


# --- attachments --------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAttachment:
    id: int
    filename: str
    content_type: str
    size: int


def store_attachment(session: Session, *, number: int, filename: str, content_type: str, data: bytes,
                     message_id: str | None = None, position: int | None = None,
                     uploaded_by: str | None = None) -> StoredAttachment:
    """Store a file; a mail's part (number, message_id, position) is stored once, and storing
    it again answers with the row already there."""
    key = normalise_message_id(message_id)
    if key is not None and position is not None:
        row = session.scalars(select(Attachment).where(Attachment.number == number, Attachment.message_id == key,
                                                       Attachment.position == position)).first()
        if row is not None:
            return StoredAttachment(row.id, row.filename, row.content_type, row.size)
    row = Attachment(number=number, filename=filename, content_type=content_type, size=len(data),
                     sha256=hashlib.sha256(data).hexdigest(), data=data, message_id=key, position=position,
                     uploaded_by=uploaded_by)
    session.add(row)
    session.flush()
    return StoredAttachment(row.id, row.filename, row.content_type, row.size)


def list_attachments(session: Session, number: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.number == number).order_by(Attachment.id)))


def get_attachment(session: Session, number: int, attachment_id: int) -> Attachment | None:
    return session.scalars(select(Attachment).where(Attachment.id == attachment_id, Attachment.number == number)).first()


# --- the inbound log ----------------------------------------------------------------------


def log_inbound(session: Session, *, outcome: str, via: str, raw: bytes | None, message_id: str | None = None,
                sender: str = "", subject: str = "", reason: str = "", number: int | None = None,
                keep_raw: bool = False) -> None:
    session.add(InboundMail(
        message_id=normalise_message_id(message_id), sender=sender[:320], subject=subject[:300], outcome=outcome,
        reason=reason, number=number, via=via, raw_size=len(raw or b""),
        raw=(raw or b"")[:MAX_LOGGED_RAW_BYTES] if keep_raw else None,
    ))


def inbound_log(session: Session, limit: int = 100) -> list[InboundMail]:
    return list(session.scalars(select(InboundMail).order_by(InboundMail.id.desc()).limit(limit)))
