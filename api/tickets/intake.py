"""Creating tickets, exactly once per Idempotency-Key.

Two steps: (1) one transaction writes the request to the intake ledger, which hands out
the next ticket number; (2) the ticket's workflow is started with id `ticket-<number>`.
If the process dies between them, the request is still in the ledger: a retry with the
same key, or the sweeper, starts it. Starting an existing workflow is a no-op, so nothing
runs twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.deps import Principal
from api.errors import ApiError
from api.tickets.gateway import TicketGateway
from api.tickets.schemas import TicketCreate
from models.tables import TicketIntake
from models.utc import as_utc
from workflows.codec import decode_dataclass
from workflows.messages import Actor, AlertInstance, AlertSource, AttachmentRef, RefusedAttachment, TicketInput

# Runs inside the ledger's transaction once the number is known, e.g. to store attachments
# or claim an alert group: returns what the workflow input needs from that work.
Within = Callable[[Session, int], dict[str, Any]]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reservation:
    number: int
    started: bool
    replayed: bool
    request: dict
    received_at: datetime | None = None  # when the ledger took the request: its SLA clocks start then


class Intake:
    def __init__(self, sessions: sessionmaker[Session], gateway: TicketGateway) -> None:
        self._sessions = sessions
        self._gateway = gateway

    async def create(self, body: TicketCreate, me: Principal, key: str | None) -> Reservation:
        res = await self.reserve(body, me, key)
        if not res.started:
            await self._start(res.number, res.request, res.received_at)
        return res

    async def reserve(self, body: TicketCreate, me: Principal, key: str | None) -> Reservation:
        """Step 1 alone: ledger the request and get its number (or the number its key already has)."""
        request = {"ticket": body.model_dump(mode="json"), "created_by": asdict(me.actor())}
        digest = hashlib.sha256(json.dumps(request["ticket"], sort_keys=True).encode()).hexdigest()
        return await run_in_threadpool(self._reserve, me.agent_id, key, request, digest)

    async def open(self, *, source: str, key: str, ticket: dict[str, Any], created_by: Actor,
                   within: Within | None = None) -> Reservation:
        """Open a ticket from a channel that has its own identity for a request (an e-mail's
        Message-ID, an alert group): the same (source, key) always answers with the same
        ticket, whoever delivers it and however often. `ticket` has TicketCreate's shape."""
        request = {"ticket": ticket, "created_by": asdict(created_by)}
        digest = hashlib.sha256(json.dumps(ticket, sort_keys=True, default=str).encode()).hexdigest()
        res = await run_in_threadpool(self._reserve, None, key, request, digest, source, within)
        if not res.started:
            await self._start(res.number, res.request, res.received_at)
        return res

    async def reserve_children(self, parent: int, key: str | None, tickets: list[dict[str, Any]],
                               created_by: Actor) -> list[int]:
        """Numbers for the sub-tickets of a split. The parent's workflow starts them (as child
        workflows), so they are ledgered as started: the sweeper leaves them alone. With a key,
        a retried split gets the same numbers."""
        return await run_in_threadpool(self._reserve_children, parent, key, tickets, created_by)

    def _reserve_children(self, parent: int, key: str | None, tickets: list[dict[str, Any]],
                          created_by: Actor) -> list[int]:
        numbers = []
        for i, ticket in enumerate(tickets):
            request = {"ticket": ticket, "created_by": asdict(created_by), "extra": {"parent": parent}}
            digest = hashlib.sha256(json.dumps(ticket, sort_keys=True).encode()).hexdigest()
            res = self._reserve(None, f"{parent}:{key}:{i}" if key else None, request, digest, source="split")
            numbers.append(res.number)
        with self._sessions.begin() as s:
            s.execute(update(TicketIntake).where(TicketIntake.number.in_(numbers), TicketIntake.started_at.is_(None))
                      .values(started_at=datetime.now(timezone.utc)))
        return numbers

    def _reserve(self, agent_id: int | None, key: str | None, request: dict, digest: str,
                 source: str = "api", within: Within | None = None) -> Reservation:
        if key is not None:
            found = self._find(agent_id, key, digest, source)
            if found is not None:
                return found
        try:
            with self._sessions.begin() as s:
                row = TicketIntake(agent_id=agent_id, source=source, idempotency_key=key, request_hash=digest,
                                   request=request)
                s.add(row)
                s.flush()
                if within is not None:
                    row.request = request = request | {"extra": within(s, row.number)}
                return Reservation(number=row.number, started=False, replayed=False, request=request,
                                   received_at=as_utc(row.created_at))
        except IntegrityError:
            # Two requests with the same key at once: the other one won; answer with its ticket.
            found = self._find(agent_id, key, digest, source) if key is not None else None
            if found is None:
                raise
            return found

    def _find(self, agent_id: int | None, key: str, digest: str, source: str = "api") -> Reservation | None:
        with self._sessions() as s:
            owner = TicketIntake.agent_id == agent_id if agent_id is not None else TicketIntake.agent_id.is_(None)
            row = s.scalars(select(TicketIntake).where(owner, TicketIntake.source == source,
                                                       TicketIntake.idempotency_key == key)).first()
            if row is None:
                return None
            if row.request_hash != digest:
                raise ApiError("IdempotencyKeyReused",
                               f"Idempotency-Key {key!r} was already used for ticket {row.number} with a different body",
                               [{"field": "header Idempotency-Key", "message": "reused with a different request body"}])
            return Reservation(number=row.number, started=row.started_at is not None, replayed=True, request=row.request,
                               received_at=as_utc(row.created_at))

    async def _start(self, number: int, request: dict, received_at: datetime | None) -> None:
        t = request["ticket"]
        await self._gateway.start(TicketInput(
            number=number,
            subject=t["subject"],
            description=t["description"],
            requester_email=t["requester"]["email"],
            requester_name=t["requester"].get("name", ""),
            channel=t.get("channel", "api"),
            priority=t.get("priority"),
            category=t.get("category"),
            tags=list(t.get("tags", [])),
            created_by=Actor(**request["created_by"]),
            received_at=received_at,
            **_extra_fields(request.get("extra") or {}),
        ))
        await run_in_threadpool(self._mark_started, number)

    def _mark_started(self, number: int) -> None:
        with self._sessions.begin() as s:
            s.execute(update(TicketIntake).where(TicketIntake.number == number, TicketIntake.started_at.is_(None))
                      .values(started_at=datetime.now(timezone.utc)))

    # --- recovery ----------------------------------------------------------------------

    async def start_unstarted(self, older_than: timedelta = timedelta(seconds=10)) -> list[int]:
        """Start every ledgered request whose workflow never started (the process died)."""
        cutoff = datetime.now(timezone.utc) - older_than
        rows = await run_in_threadpool(self._unstarted, cutoff)
        for number, request, received_at in rows:
            log.warning("starting ticket %s, which was accepted but never started", number)
            await self._start(number, request, received_at)
        return [n for n, _, _ in rows]

    def _unstarted(self, cutoff: datetime) -> list[tuple[int, dict, datetime]]:
        with self._sessions() as s:
            rows = s.execute(select(TicketIntake.number, TicketIntake.request, TicketIntake.created_at)
                             .where(TicketIntake.started_at.is_(None), TicketIntake.created_at < cutoff)
                             .order_by(TicketIntake.number).limit(500)).all()
            return [(n, r, as_utc(at)) for n, r, at in rows]

    async def sweep_forever(self, every: float = 30.0) -> None:
        while True:
            try:
                await self.start_unstarted()
            except Exception:  # keep sweeping: the next round may find Temporal or the DB back
                log.exception("intake sweep failed")
            await asyncio.sleep(every)


def _extra_fields(extra: dict[str, Any]) -> dict[str, Any]:
    """The TicketInput fields a channel added (see `Within`)."""
    out: dict[str, Any] = {}
    if extra.get("message_id"):
        out["message_id"] = extra["message_id"]
    if extra.get("attachments"):
        out["attachments"] = [decode_dataclass(AttachmentRef, a, "attachments") for a in extra["attachments"]]
    if extra.get("refused_attachments"):
        out["refused_attachments"] = [decode_dataclass(RefusedAttachment, a, "refused_attachments")
                                      for a in extra["refused_attachments"]]
    if extra.get("alert"):
        out["alert"] = decode_dataclass(AlertSource, extra["alert"], "alert")
    if extra.get("alerts"):
        out["alerts"] = [decode_dataclass(AlertInstance, a, "alerts") for a in extra["alerts"]]
    if extra.get("parent"):
        out["parent"] = int(extra["parent"])
    return out
