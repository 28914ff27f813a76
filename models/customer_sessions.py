"""Customers signed in to the portal (docs/portal.md, "Signing in"): a one-time sign-in link
mailed to the address, and the session it opens.

The link is signed like the ticket links (models/links.py: claims and an HMAC-SHA256 under the
desk's key, with its own prefix so neither kind passes for the other) and carries the address,
its expiry and a random id. It is spent in `used_links` (models/portal.py, purpose `sign_in`)
when it opens a session, so it works once. The outbox row that mails it keeps only the id and
the expiry: the link itself is signed at send time (activities/delivery.py), so no credential
waits in the database.

The session's id is random and only its SHA-256 is kept (as for the agents' sessions,
models/web_sessions.py); it ends when the customer signs out, when it has not been used for
`idle`, or at its absolute expiry. It also keeps the time zone the customer chose for the
portal's pages."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import String, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import dialect_insert
from models.links import LinkError, seal, unseal
from models.tables import Base, Notification, TicketRow, utcnow
from models.tokens import hash_token
from models.utc import UtcDateTime
from models.web_sessions import TOUCH_EVERY, Lifetime

SESSION_PREFIX = "sdc_"
SIGN_IN_PURPOSE = "sign_in"  # the purpose a spent sign-in link has in used_links
MAIL_KIND = "portal_sign_in"  # the outbox row's kind and its templates (activities/templates/portal_sign_in.*)
MAIL_NUMBER = 0  # the outbox row is about no ticket: number 0 (report mails are below 0, tickets above)


class CustomerSession(Base):
    __tablename__ = "customer_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))  # chosen on the portal; None: UTC
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class Customer:
    """Who a live session is: their address, and the zone their pages show times in."""

    email: str
    timezone: str


# --- the sign-in link -------------------------------------------------------------------


@dataclass(frozen=True)
class SignInClaims:
    email: str
    expires_at: datetime
    link_id: str


SIGN_IN = "sign-in:"  # the links' signing domain: a ticket's link never passes for one of these


def sign_sign_in(secret: str, email: str, expires_at: datetime, link_id: str) -> str:
    """The token of `/portal/sign-in/<token>`: `<claims>.<signature>`, URL-safe."""
    return seal(secret, {"a": email, "e": int(expires_at.timestamp()), "j": link_id}, domain=SIGN_IN)


def verify_sign_in(secret: str, token: str, now: datetime | None = None) -> SignInClaims:
    """The claims of a genuine, unexpired sign-in link; LinkError (forged, malformed, expired) otherwise."""
    raw = unseal(secret, token, domain=SIGN_IN)
    try:
        claims = SignInClaims(email=str(raw["a"]), expires_at=datetime.fromtimestamp(int(raw["e"]), timezone.utc),
                              link_id=str(raw["j"]))
    except (ValueError, KeyError, TypeError) as err:
        raise LinkError("malformed", "this link is damaged") from err
    if not claims.link_id or len(claims.link_id) > 64 or "@" not in claims.email:
        raise LinkError("malformed", "this link is damaged")
    if (now or datetime.now(timezone.utc)) >= claims.expires_at:
        raise LinkError("expired", f"this link expired on {claims.expires_at:%Y-%m-%d %H:%M} UTC")
    return claims


def new_link_id() -> str:
    return secrets.token_urlsafe(16)


def enqueue_sign_in_mail(s: Session, email: str, link_id: str, expires_at: datetime) -> tuple[int, int]:
    """Record the sign-in mail in the notification outbox (delivered like every notification);
    (id, seq) of its row. Its key is the link id (as `seq`, a number): one mail per link."""
    seq = int(hashlib.sha256(link_id.encode()).hexdigest()[:7], 16)  # 28 bits: fits any INTEGER
    row = {"number": MAIL_NUMBER, "seq": seq, "kind": MAIL_KIND, "recipient": email, "subject": "Your sign-in link",
           "data": {"link_id": link_id}, "channel": "email", "audience": "customer", "status": "pending",
           "attempts": 0, "links": [SIGN_IN_PURPOSE], "links_expire_at": expires_at}
    s.execute(dialect_insert(s, Notification).values(**row).on_conflict_do_nothing(
        index_elements=["number", "seq", "recipient", "kind"]))
    row_id = s.execute(select(Notification.id).where(Notification.number == MAIL_NUMBER, Notification.seq == seq,
                                                     Notification.recipient == email,
                                                     Notification.kind == MAIL_KIND)).scalar_one()
    return row_id, seq


# --- sessions ---------------------------------------------------------------------------


def open_session(s: Session, email: str, lifetime: Lifetime) -> str:
    """A new session for the address: its id, shown to the browser once and stored only hashed."""
    sid = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    s.execute(delete(CustomerSession).where((CustomerSession.expires_at <= now)  # the ended ones, by the way
                                            | (CustomerSession.last_seen_at <= now - lifetime.idle)))
    s.add(CustomerSession(id_hash=hash_token(sid), email=email.lower(), created_at=now, last_seen_at=now,
                          expires_at=now + lifetime.absolute))
    return sid


def customer_for_session(s: Session, sid: str, idle: timedelta) -> Customer | None:
    """The customer of a live session (not past its expiry, used within `idle`), noting its use."""
    now = utcnow()
    row = s.scalars(select(CustomerSession).where(CustomerSession.id_hash == hash_token(sid),
                                                  CustomerSession.expires_at > now,
                                                  CustomerSession.last_seen_at > now - idle)).first()
    if row is None:
        return None
    if row.last_seen_at <= now - TOUCH_EVERY:
        s.execute(update(CustomerSession).where(CustomerSession.id_hash == row.id_hash).values(last_seen_at=now))
    return Customer(email=row.email, timezone=row.timezone or "UTC")


def set_timezone(s: Session, sid: str, zone: str) -> None:
    s.execute(update(CustomerSession).where(CustomerSession.id_hash == hash_token(sid)).values(timezone=zone))


def close_session(s: Session, sid: str) -> None:
    s.execute(delete(CustomerSession).where(CustomerSession.id_hash == hash_token(sid)))


def valid_zone(name: str) -> bool:
    """An IANA zone name zoneinfo knows ("Europe/Berlin", "UTC"), nothing else (no paths)."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def zone_names() -> list[str]:
    return sorted(available_timezones())


# --- what a customer sees ----------------------------------------------------------------


@dataclass(frozen=True)
class RequestLine:
    number: int
    subject: str
    status: str
    created_at: datetime
    updated_at: datetime | None


def requests_of(s: Session, email: str, page: int, per_page: int) -> tuple[list[RequestLine], int]:
    """The tickets whose requester is `email` (however capitalised), newest first: one page, and the count."""
    mine = func.lower(TicketRow.requester_email) == email.lower()
    total = s.scalar(select(func.count()).select_from(TicketRow).where(mine)) or 0
    rows = s.execute(select(TicketRow.number, TicketRow.subject, TicketRow.status, TicketRow.created_at,
                            TicketRow.updated_at).where(mine)
                     .order_by(TicketRow.created_at.desc(), TicketRow.number.desc())
                     .offset((page - 1) * per_page).limit(per_page)).all()
    return [RequestLine(r.number, r.subject, r.status, r.created_at, r.updated_at) for r in rows], total
