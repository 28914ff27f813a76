"""POST /inbound/email: a raw RFC 5322 message from an MTA pipe or an integration (the SMTP
listener takes the same path); GET /inbound/email: what became of each mail, for operators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.deps import AgentDep, SessionsDep, SupervisorDep
from api.errors import ApiError
from api.inbound.mail.inbound import MailIntake, MailOutcome
from api.params import RowId
from models.mail import InboundMail
from models.utc import as_utc

router = APIRouter(prefix="/inbound/email", tags=["e-mail"])
RAW_TYPES = ("message/rfc822", "text/plain", "application/octet-stream")
STATUS_BY_OUTCOME = {"opened": 201, "replied": 200, "duplicate": 200, "ignored": 202}


def mail_intake(request: Request) -> MailIntake:
    return request.app.state.mail


class KeptAttachmentOut(BaseModel):
    """A file of the mail the desk kept (its download link comes with the ticket's attachments)."""

    id: int
    filename: str
    content_type: str
    size: int


class RefusedAttachmentOut(BaseModel):
    filename: str
    reason: str


class MailReceived(BaseModel):
    outcome: Literal["opened", "replied", "duplicate", "ignored"]
    number: int | None
    reason: str
    message_id: str | None
    attachments: list[KeptAttachmentOut]
    refused_attachments: list[RefusedAttachmentOut]

    @classmethod
    def of(cls, out: MailOutcome) -> MailReceived:
        return cls(outcome=out.outcome, number=out.number, reason=out.reason, message_id=out.message_id,  # type: ignore[arg-type]  # MailOutcome.outcome holds one of the Literal's words
                   attachments=[KeptAttachmentOut(**vars(a)) for a in out.attachments],
                   refused_attachments=[RefusedAttachmentOut(**vars(r)) for r in out.refused_attachments])


class InboundMailOut(BaseModel):
    id: int
    message_id: str | None
    sender: str
    subject: str
    outcome: str
    reason: str
    number: int | None
    via: str
    raw_size: int
    raw_kept: bool
    received_at: datetime

    @classmethod
    def from_row(cls, row: InboundMail) -> InboundMailOut:
        return cls(id=row.id, message_id=row.message_id, sender=row.sender, subject=row.subject, outcome=row.outcome,
                   reason=row.reason, number=row.number, via=row.via, raw_size=row.raw_size,
                   raw_kept=row.raw is not None, received_at=as_utc(row.received_at))


@router.post("", response_model=MailReceived, status_code=201, responses={
    200: {"description": "A reply added to its ticket, or a mail taken in before (outcome `duplicate`)"},
    202: {"description": "An auto-reply or bounce: logged, no ticket, never answered"},
    413: {"description": "The message is larger than SERVICEDESK_MAX_MESSAGE_BYTES"},
    415: {"description": "Content-Type is not message/rfc822 or text/plain"},
    422: {"description": "Malformed mail; the body names the problem"},
    503: {"description": "Temporal or the database is unavailable: retry, nothing is lost or duplicated"},
}, openapi_extra={"requestBody": {"required": True, "content": {
    "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
    "text/plain": {"schema": {"type": "string"}}}}})
async def receive_mail(request: Request, me: AgentDep, mail: Annotated[MailIntake, Depends(mail_intake)]) -> JSONResponse:
    """Take in one raw e-mail: a new mail opens a ticket (201), a reply goes to its ticket (200)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in RAW_TYPES:
        raise ApiError("UnsupportedMediaType", f"send the raw message as message/rfc822 or text/plain, not {ctype or 'nothing'}",
                       [{"field": "header Content-Type", "message": "expected message/rfc822 or text/plain"}])
    raw = await request.body()
    out = await mail.receive(raw, via="http")
    return JSONResponse(MailReceived.of(out).model_dump(mode="json"), status_code=STATUS_BY_OUTCOME[out.outcome])


@router.get("", response_model=list[InboundMailOut])
def inbound_log(
    me: SupervisorDep,
    sessions: SessionsDep,
    outcome: Annotated[Literal["opened", "replied", "duplicate", "ignored", "rejected"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InboundMailOut]:
    """Every mail received, newest first, and what became of it."""
    with sessions() as s:
        q = select(InboundMail).order_by(InboundMail.id.desc()).limit(limit)
        if outcome is not None:
            q = q.where(InboundMail.outcome == outcome)
        return [InboundMailOut.from_row(r) for r in s.scalars(q)]


@router.get("/{log_id}/raw", response_class=Response, responses={
    200: {"content": {"message/rfc822": {}}}, 404: {"description": "No such entry, or its bytes were not kept"}})
async def inbound_raw(log_id: RowId, me: SupervisorDep, sessions: SessionsDep) -> Response:
    """The raw bytes of an ignored or rejected mail (capped), to see what it was or replay it."""
    def load() -> bytes | None:
        with sessions() as s:
            row = s.get(InboundMail, log_id)
            return row.raw if row is not None else None

    raw = await run_in_threadpool(load)
    if raw is None:
        raise ApiError("NotFound", f"no kept raw message for inbound mail {log_id}")
    return Response(raw, media_type="message/rfc822", headers={
        "Content-Disposition": f'attachment; filename="inbound-{log_id}.eml"', "X-Content-Type-Options": "nosniff"})
