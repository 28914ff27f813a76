"""Keeping a file an agent uploads to a ticket: the checks mail attachments get (type, size,
bytes that are what they claim), then stored with the ticket. For the API's
`POST /tickets/{n}/attachments` and the console's reply and note forms alike."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError
from api.inbound.mail.attachments import Accepted, check_attachment
from models import queries
from models.mail import store_attachment


class AttachmentStored(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


def checked_upload(filename: str | None, content_type: str | None, data: bytes, limit: int) -> Accepted:
    """An uploaded file as the mail attachments' checks accept it (its clean name and type), or
    the 413 / 415 naming the field `file`. The knowledge base's files are checked by it too."""
    if len(data) > limit:
        raise ApiError("PayloadTooLarge", f"file: larger than {limit} bytes",
                       [{"field": "file", "message": f"at most {limit} bytes"}])
    verdict = check_attachment(filename, content_type, data, limit)
    if not isinstance(verdict, Accepted):
        raise ApiError("AttachmentRefused", f"file: {verdict.reason}", [{"field": "file", "message": verdict.reason}])
    return verdict


def accept_upload(sessions: sessionmaker[Session], number: int, filename: str | None, content_type: str | None,
                  data: bytes, limit: int, uploaded_by: str) -> AttachmentStored:
    """Check and keep a file an agent uploads to a ticket (the API's and the console's upload)."""
    verdict = checked_upload(filename, content_type, data, limit)
    with sessions.begin() as s:
        ticket = queries.ticket_row(s, number)
        if ticket is None and not queries.ledgered(s, number):
            raise ApiError("TicketNotFound", f"ticket {number} does not exist")
        if ticket is not None and ticket.status == "closed":  # as a note on it would be refused
            raise ApiError("TicketClosed", f"ticket {number} is closed: it takes no more files")
        row = store_attachment(s, number=number, filename=verdict.filename, content_type=verdict.content_type,
                               data=data, uploaded_by=uploaded_by)
        return AttachmentStored(id=row.id, filename=row.filename, content_type=row.content_type, size=row.size)
