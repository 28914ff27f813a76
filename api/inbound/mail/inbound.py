"""The one way mail comes in: the HTTP endpoint and the SMTP listener both call `MailIntake.receive`.

A mail is, in this order: refused when too large or malformed (nothing written but the log
row, with its raw bytes); ignored when a robot sent it (logged, raw kept, never answered);
a duplicate when its Message-ID was taken in before (the ticket or reply it made is made
sure of, never made twice); a reply when it threads into an open ticket; otherwise it opens
a ticket (a follow-up one when it answers a closed ticket).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.inbound.mail.attachments import Accepted, check_attachment
from api.inbound.mail.loops import robot_reason
from api.inbound.mail.parse import MalformedMail, ParsedMail, parse_mail, reply_text
from api.inbound.mail.threading import ThreadMatch, find_thread
from api.tickets.gateway import TicketGateway
from api.tickets.intake import Intake
from api.tickets.schemas import TicketCreate
from models.mail import (
    known_message,
    log_inbound,
    move_inbound,
    normalise_message_id,
    record_inbound,
    store_attachment,
)
from models.settings import Settings
from models.tables import TicketIntake, TicketRow
from workflows.messages import MAX_BODY_CHARS, MAX_SUBJECT_CHARS, Actor, AttachmentRef, CustomerReply, RefusedAttachment

log = logging.getLogger(__name__)
T = TypeVar("T")
SOURCE = "email"
GATEWAY_ACTOR = Actor(kind="system", id="email", name="E-mail gateway")


@dataclass(frozen=True)
class MailOutcome:
    outcome: str  # opened | replied | duplicate | ignored
    number: int | None = None
    reason: str = ""
    message_id: str | None = None
    attachments: list[AttachmentRef] = field(default_factory=list)
    refused_attachments: list[RefusedAttachment] = field(default_factory=list)


@dataclass(frozen=True)
class _Known:
    number: int
    direction: str
    request: dict | None  # the ledgered ticket request, when this mail opened the ticket


class MailIntake:
    def __init__(self, sessions: sessionmaker[Session], intake: Intake, gateway: TicketGateway, settings: Settings) -> None:
        self._sessions = sessions
        self._intake = intake
        self._gateway = gateway
        self._settings = settings

    async def receive(self, raw: bytes, *, via: str, envelope_from: str | None = None) -> MailOutcome:
        """Take one raw RFC 5322 message in. Raises ApiError: PayloadTooLarge, MalformedMail
        (both logged with the raw bytes), TemporalUnavailable or DatabaseUnavailable (retry:
        nothing is lost or duplicated)."""
        try:
            return await self._receive(raw, via, envelope_from)
        except (OperationalError, InterfaceError) as err:
            raise ApiError("DatabaseUnavailable", f"the database did not answer: {type(err).__name__}") from err

    async def _receive(self, raw: bytes, via: str, envelope_from: str | None) -> MailOutcome:
        limit = self._settings.max_message_bytes
        if len(raw) > limit:
            reason = f"message is {len(raw)} bytes, the limit is {limit} bytes"
            await self._log(outcome="rejected", via=via, raw=raw, reason=reason, keep_raw=True)
            raise ApiError("PayloadTooLarge", f"message too large: {reason}",
                           [{"field": "body", "message": f"at most {limit} bytes"}])
        try:
            mail = parse_mail(raw)
        except MalformedMail as err:
            await self._log(outcome="rejected", via=via, raw=raw, reason=f"{err.field}: {err.message}", keep_raw=True)
            raise ApiError("MalformedMail", f"malformed mail: {err.message}",
                           [{"field": err.field, "message": err.message}]) from err
        key = normalise_message_id(mail.message_id) or f"<{hashlib.sha256(raw).hexdigest()}@sha256.invalid>"
        meta = {"via": via, "raw": raw, "message_id": key, "sender": mail.from_address, "subject": mail.subject}

        reason = robot_reason(mail, own_domain=self._settings.mail_domain, envelope_from=envelope_from)
        if reason is not None:
            await self._log(outcome="ignored", reason=reason, keep_raw=True, **meta)
            return MailOutcome("ignored", reason=reason, message_id=key)
        try:
            _ticket_request(mail, None)  # a requester the desk can take (e.g. not "root@localhost")
        except ApiError as err:
            await self._log(outcome="rejected", reason=err.message, keep_raw=True, **meta)
            raise

        known = await self._db(self._known, key)
        if known is not None and known.direction == "out":
            reason = "loop: the Message-ID is one the desk sent"
            await self._log(outcome="ignored", reason=reason, keep_raw=True, number=known.number, **meta)
            return MailOutcome("ignored", number=known.number, reason=reason, message_id=key)
        if known is not None:
            out = await self._redeliver(known, key, mail)
            await self._log(outcome=out.outcome, number=out.number, reason=out.reason, **meta)
            return out

        match = await self._db(find_thread_in, self._sessions, mail)
        out = await self._reply(match, key, mail) if match is not None else await self._open(key, mail)
        await self._log(outcome=out.outcome, number=out.number, reason=out.reason, **meta)
        return out

    # --- the three ways in ------------------------------------------------------------------

    async def _open(self, key: str, mail: ParsedMail, follow_up_of: int | None = None) -> MailOutcome:
        ticket = _ticket_request(mail, follow_up_of)
        stored: dict[str, Any] = {}

        def within(s: Session, number: int) -> dict[str, Any]:
            if follow_up_of is None:
                record_inbound(s, number, key)
            else:  # a reply first recorded for the ticket that closed meanwhile moves to the follow-up
                move_inbound(s, key, number)
            refs, refused = self._store_attachments(s, number, key, mail)
            stored.update(attachments=refs, refused=refused)
            return {"message_id": key, "attachments": [asdict(r) for r in refs],
                    "refused_attachments": [asdict(r) for r in refused]}

        res = await self._intake.open(source=SOURCE, key=_intake_key(key), ticket=ticket, created_by=GATEWAY_ACTOR,
                                      within=within)
        if res.replayed:  # delivered twice at the same moment: the other delivery opened it
            return MailOutcome("duplicate" if res.started else "opened", res.number, "already taken in", key)
        reason = f"follow-up to closed ticket #{follow_up_of}" if follow_up_of is not None else ""
        return MailOutcome("opened", res.number, _with_refused(reason, stored.get("refused", [])), key,
                           stored.get("attachments", []), stored.get("refused", []))

    async def _reply(self, match: ThreadMatch, key: str, mail: ParsedMail) -> MailOutcome:
        number, status, how = await self._current(match.number, f"matched by {match.how}")
        if status is None:  # the ticket is gone (or was never started): a new ticket, then
            return await self._open(key, mail)
        if status == "closed":
            return await self._open(key, mail, follow_up_of=number)
        refs, refused = await self._db(self._store_reply, number, key, mail)
        try:
            await self._gateway.customer_reply(number, _customer_reply(mail, key, refs, refused))
        except ApiError as err:
            if err.type == "TicketClosed":  # closed between the look and the signal
                return await self._open(key, mail, follow_up_of=number)
            raise
        return MailOutcome("replied", number, _with_refused(how, refused), key, refs, refused)

    async def _current(self, number: int, how: str) -> tuple[int, str | None, str]:
        """The ticket a reply to `number` belongs to: a duplicate merged into another hands its
        mail on to that one (and so on, a few hops at most)."""
        status = await self._status(number)
        for _ in range(5):
            if status != "closed":
                break
            view = await self._gateway.view(number)
            into = view.ticket.merged_into if view is not None else await self._db(self._row_merged_into, number)
            if into is None:
                break
            how += f"; #{number} was merged into #{into}"
            number, status = into, await self._status(into)
        return number, status, how

    def _row_merged_into(self, number: int) -> int | None:
        with self._sessions() as s:
            return s.scalars(select(TicketRow.merged_into).where(TicketRow.number == number)).first()

    async def _redeliver(self, known: _Known, key: str, mail: ParsedMail) -> MailOutcome:
        """The same mail again (an MTA retry, or HTTP and SMTP both): make sure what it did the
        first time is done, and do nothing twice."""
        if known.request is not None:
            res = await self._intake.open(source=SOURCE, key=_intake_key(key), ticket=known.request["ticket"],
                                          created_by=Actor(**known.request["created_by"]))
            # Not started before: the first delivery stopped half-way (it got a 451/503), so this one opened it.
            return MailOutcome("duplicate" if res.started else "opened", res.number,
                               "already taken in" if res.started else "", key)
        # A reply: signal it again; the workflow ignores a Message-ID it has seen.
        refs, refused = await self._db(self._store_reply, known.number, key, mail)
        try:
            await self._gateway.customer_reply(known.number, _customer_reply(mail, key, refs, refused))
        except ApiError as err:
            if err.type not in ("TicketClosed", "TicketNotFound"):
                raise
        return MailOutcome("duplicate", known.number, "already taken in", key, refs, refused)

    # --- database work (on a thread) ---------------------------------------------------------

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await run_in_threadpool(fn, *args)

    def _known(self, key: str) -> _Known | None:
        with self._sessions() as s:
            row = known_message(s, key)
            if row is None:
                return None
            request = s.scalars(select(TicketIntake.request).where(
                TicketIntake.source == SOURCE, TicketIntake.idempotency_key == _intake_key(key),
                TicketIntake.agent_id.is_(None))).first()
            return _Known(row.number, row.direction, request)

    async def _status(self, number: int) -> str | None:
        view = await self._gateway.view(number)
        if view is not None:
            return view.ticket.status
        return await self._db(self._row_status, number)

    def _row_status(self, number: int) -> str | None:
        with self._sessions() as s:
            status = s.scalars(select(TicketRow.status).where(TicketRow.number == number)).first()
            ledgered = s.get(TicketIntake, number) if status is None else None
            if ledgered is not None and ledgered.started_at is None:
                # Accepted but its workflow not started yet (Temporal was away): the sender retries.
                raise ApiError("TemporalUnavailable", f"ticket {number} is not started yet; try again later")
            return status

    def _store_reply(self, number: int, key: str, mail: ParsedMail) -> tuple[list[AttachmentRef], list[RefusedAttachment]]:
        for attempt in (1, 2):
            try:
                with self._sessions.begin() as s:
                    refs, refused = self._store_attachments(s, number, key, mail)
                    record_inbound(s, number, key)
                    return refs, refused
            except IntegrityError:  # the same reply stored at the same moment by another delivery
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _store_attachments(self, s: Session, number: int, key: str, mail: ParsedMail
                           ) -> tuple[list[AttachmentRef], list[RefusedAttachment]]:
        refs: list[AttachmentRef] = []
        refused: list[RefusedAttachment] = []
        for position, att in enumerate(mail.attachments):
            verdict = check_attachment(att.filename, att.content_type, att.data, self._settings.max_attachment_bytes)
            if not isinstance(verdict, Accepted):
                refused.append(RefusedAttachment(filename=verdict.filename, reason=verdict.reason))
                continue
            row = store_attachment(s, number=number, filename=verdict.filename, content_type=verdict.content_type,
                                   data=att.data, message_id=key, position=position)
            refs.append(AttachmentRef(id=row.id, filename=row.filename, content_type=row.content_type, size=row.size))
        return refs, refused

    async def _log(self, *, outcome: str, via: str, raw: bytes, reason: str = "", message_id: str | None = None,
                   sender: str = "", subject: str = "", number: int | None = None, keep_raw: bool = False) -> None:
        def write() -> None:
            with self._sessions.begin() as s:
                log_inbound(s, outcome=outcome, via=via, raw=raw, message_id=message_id, sender=sender,
                            subject=subject, reason=reason, number=number, keep_raw=keep_raw)

        await self._db(write)
        log.info("mail %s via %s from %s: %s%s", message_id or "-", via, sender or "-", outcome,
                 f" ({reason})" if reason else "")


def find_thread_in(sessions: sessionmaker[Session], mail: ParsedMail) -> ThreadMatch | None:
    with sessions() as s:
        return find_thread(s, mail)


def _intake_key(key: str) -> str:
    """The ledger's key column holds 255 characters; longer Message-IDs go by their hash."""
    return key if len(key) <= 255 else f"<{hashlib.sha256(key.encode()).hexdigest()}@long-message-id.invalid>"


def _clip(text: str, limit: int, note: str) -> str:
    return text if len(text) <= limit else text[: limit - len(note) - 1].rstrip() + "\n" + note


def _body(mail: ParsedMail) -> str:
    text = mail.text or f"(no text; {len(mail.attachments)} attachment(s))"
    return _clip(text, MAX_BODY_CHARS, "[message truncated]")


def _ticket_request(mail: ParsedMail, follow_up_of: int | None) -> dict[str, Any]:
    description = _body(mail)
    tags: list[str] = []
    if follow_up_of is not None:
        description = _clip(f"Follow-up to #{follow_up_of}\n\n{description}", MAX_BODY_CHARS, "[message truncated]")
        tags = ["follow-up"]
    subject = mail.subject or "(no subject)"
    if len(subject) > MAX_SUBJECT_CHARS:
        subject = subject[: MAX_SUBJECT_CHARS - 1] + "…"
    try:
        body = TicketCreate.model_validate({
            "subject": subject, "description": description, "channel": "email", "tags": tags,
            "requester": {"email": mail.from_address, "name": mail.from_name[:200]},
        })
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        if where.startswith("requester"):
            field_name, problem = "header From", f"{mail.from_address!r} is not a deliverable address"
        else:
            field_name, problem = where, str(first.get("msg"))
        raise ApiError("MalformedMail", f"malformed mail: {field_name}: {problem}",
                       [{"field": field_name, "message": problem}]) from err
    return body.model_dump(mode="json", exclude_none=True)


def _customer_reply(mail: ParsedMail, key: str, refs: list[AttachmentRef], refused: list[RefusedAttachment]) -> CustomerReply:
    body = _clip(reply_text(mail.text), MAX_BODY_CHARS, "[message truncated]") if mail.text else _body(mail)
    return CustomerReply(actor=Actor(kind="customer", id=mail.from_address, name=mail.from_name[:200]),
                         body=body, channel="email", recorded_by="email", message_id=key,
                         attachments=refs, refused_attachments=refused)


def _with_refused(reason: str, refused: list[RefusedAttachment]) -> str:
    if not refused:
        return reason
    listed = "; ".join(f"{r.filename}: {r.reason}" for r in refused)
    return f"{reason}; attachments not kept: {listed}" if reason else f"attachments not kept: {listed}"
