"""The customer portal in the read model: the one-time links already spent, and the key a
web form submission is opened under.

A one-time link (models/links.py: confirm, survey) is spent by inserting its id into
`used_links` in the same step that acts on it: the primary key makes a second use a conflict,
whoever gets there first. The reply form of a ticket's page carries a random key (a hidden
field) that the reply's message id is made of, so a double submit is one reply. (The request
form's key is signed and dated: models/links.py `sign_form_key`.)
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from models.tables import Base, utcnow
from models.utc import UtcDateTime, as_utc

FORM_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_LINK_ID = 255  # longer link ids are refused as malformed before they reach the table


class UsedLink(Base):
    """A one-time link that was acted on: it never acts again."""

    __tablename__ = "used_links"
    link_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


@dataclass(frozen=True)
class Spent:
    """The outcome of spending a link: `first` is False when it had been used before (at `used_at`)."""

    first: bool
    used_at: datetime


def used_at(sessions: sessionmaker[Session], link_id: str) -> datetime | None:
    """When the link was spent, or None if it never was."""
    with sessions() as s:
        found = s.scalar(select(UsedLink.used_at).where(UsedLink.link_id == link_id))
        return as_utc(found) if found is not None else None


def spend(sessions: sessionmaker[Session], link_id: str, number: int, purpose: str) -> Spent:
    """Spend a one-time link, exactly once: a conflict on the key means it was used already."""
    try:
        with sessions.begin() as s:
            row = UsedLink(link_id=link_id, number=number, purpose=purpose, used_at=datetime.now(timezone.utc))
            s.add(row)
            s.flush()
            return Spent(first=True, used_at=row.used_at)
    except IntegrityError:
        before = used_at(sessions, link_id)
        return Spent(first=False, used_at=before or datetime.now(timezone.utc))


def unspend(sessions: sessionmaker[Session], link_id: str) -> None:
    """Give a link back when the action it was spent for could not be delivered (the
    workflow service did not answer), so the customer can try again."""
    with sessions.begin() as s:
        s.execute(delete(UsedLink).where(UsedLink.link_id == link_id))


def new_form_key() -> str:
    """The hidden key of one reply form: the reply's message id is made of it."""
    return secrets.token_urlsafe(18)


def form_key_ok(key: str) -> bool:
    return bool(FORM_KEY_PATTERN.match(key))
