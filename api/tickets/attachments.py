"""A ticket's files: list, download, and upload one for an agent (a reply or note can then
reference it). Downloads never render in the browser: attachment disposition, nosniff, and a
sandboxing Content-Security-Policy."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Path, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.deps import AgentDep, ReaderDep, SessionsDep
from api.errors import ApiError
from api.params import MAX_ID, TicketNumber
from api.tickets.downloads import file_download
from api.tickets.scope import VisibleTicket
from api.tickets.uploads import AttachmentStored, accept_upload
from models import queries
from models.mail import Attachment, get_attachment, list_attachments
from models.utc import as_utc

router = APIRouter(prefix="/tickets/{number}/attachments", tags=["attachments"], dependencies=[VisibleTicket])
AttachmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The attachment's id")]


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    message_id: str | None
    uploaded_by: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Attachment) -> AttachmentOut:
        data = {name: getattr(row, name) for name in cls.model_fields}
        return cls(**data | {"created_at": as_utc(row.created_at)})


def _ticket_exists(s, number: int) -> bool:
    return queries.ticket_row(s, number) is not None or queries.ledgered(s, number)


@router.get("", response_model=list[AttachmentOut], responses={404: {"description": "No such ticket"}})
def attachments(number: TicketNumber, me: ReaderDep, sessions: SessionsDep) -> list[AttachmentOut]:
    """The ticket's files, oldest first: from the customer's mails and uploaded by agents."""
    with sessions() as s:
        rows = list_attachments(s, number)
        if not rows and not _ticket_exists(s, number):
            raise ApiError("TicketNotFound", f"ticket {number} does not exist")
        return [AttachmentOut.from_row(r) for r in rows]


@router.get("/{attachment_id}", response_class=Response, responses={
    200: {"description": "The file's bytes, with its stored content type", "content": {"application/octet-stream": {}}},
    404: {"description": "No such attachment on this ticket"}})
def download(number: TicketNumber, attachment_id: AttachmentId, me: ReaderDep, sessions: SessionsDep) -> Response:
    """Download one file."""
    with sessions() as s:
        row = get_attachment(s, number, attachment_id)
        if row is None:
            raise ApiError("NotFound", f"ticket {number} has no attachment {attachment_id}",
                           [{"field": "path parameter attachment_id", "message": "not an attachment of this ticket"}])
        return file_download(row)


@router.post("", status_code=201, response_model=AttachmentStored, responses={
    404: {"description": "No such ticket"}, 409: {"description": "The ticket is closed (TicketClosed)"},
    413: {"description": "Larger than SERVICEDESK_MAX_ATTACHMENT_BYTES"},
    415: {"description": "A type the desk does not keep, an executable, or bytes that are not the declared type"}})
async def upload(number: TicketNumber, request: Request, me: AgentDep, sessions: SessionsDep,
                 file: Annotated[UploadFile, File(description="The file (multipart/form-data field `file`)")]) -> AttachmentStored:
    """Store a file with the ticket for an agent; reference its id in a reply or note."""
    limit = request.app.state.settings.max_attachment_bytes
    data = await file.read(limit + 1)
    return await run_in_threadpool(accept_upload, sessions, number, file.filename, file.content_type, data, limit, me.email)
