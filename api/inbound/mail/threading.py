"""Which ticket a mail answers, if any.

1. In-Reply-To, then References (newest first), against the Message-IDs the desk has seen for
   a ticket: the mails it received and the mails it sent. Message-IDs the desk sends carry a
   random part, so they cannot be guessed.
2. Otherwise the ticket number in the subject, "[#123]" anywhere or "#123" right after
   Re:/Fwd:, but only when the sender is that ticket's requester: a number is easy to guess,
   and a stranger must not be able to write into someone else's ticket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.inbound.mail.parse import ParsedMail
from models.mail import ticket_for_message_ids
from models.tables import TicketRow

_BRACKETED = re.compile(r"\[#(\d{1,10})\]")
_AFTER_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|tr|antw|r)\s*(?:\[\d+\])?\s*:\s*)+#(\d{1,10})\b", re.IGNORECASE)


@dataclass(frozen=True)
class ThreadMatch:
    number: int
    how: str  # "in-reply-to" | "subject"


def referenced_ids(mail: ParsedMail) -> list[str]:
    """The Message-IDs a mail answers, most specific first."""
    seen: list[str] = []
    for mid in [*mail.in_reply_to, *reversed(mail.references)]:
        if mid not in seen:
            seen.append(mid)
    return seen


def subject_number(subject: str) -> int | None:
    for pattern in (_BRACKETED, _AFTER_PREFIX):
        m = pattern.search(subject)
        if m:
            n = int(m.group(1))
            if 1 <= n <= 2**31 - 1:
                return n
    return None


def find_thread(session: Session, mail: ParsedMail) -> ThreadMatch | None:
    number = ticket_for_message_ids(session, referenced_ids(mail))
    if number is not None:
        return ThreadMatch(number, "in-reply-to")
    number = subject_number(mail.subject)
    if number is None:
        return None
    requester = session.scalars(select(TicketRow.requester_email).where(TicketRow.number == number)).first()
    if requester is not None and requester.lower() == mail.from_address.lower():
        return ThreadMatch(number, "subject")
    return None
