"""For auditors (and supervisors, admins): a ticket's timeline and a verifiable export, read
from its workflow histories, every run of it: from the audit archive once the ticket's
workflow has ended and been archived (the histories then never change, and outlive
Temporal's retention), from Temporal before that (docs/audit.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker
from temporalio.service import RPCError

from api.deps import ManagerDep, SessionsDep, TemporalDep
from api.errors import ApiError
from api.params import MAX_ID, TicketNumber
from api.tickets.scope import VisibleTicket
from models.audit import archive as audit_archive
from models.audit import source
from models.audit.timeline import run_summaries, timeline
from workflows.messages import ticket_workflow_id

router = APIRouter(prefix="/tickets", tags=["audit"])
ERRORS = {401: {"description": "No or bad token"}, 403: {"description": "Only auditors, supervisors and admins"},
          404: {"description": "No such ticket (or its history is no longer kept by Temporal)"}}


async def _export(temporal: Any, sessions: sessionmaker[Session], number: int) -> tuple[dict[str, Any], str]:
    try:
        return await source.ticket_export(temporal, sessions, number)
    except source.HistoryGone as gone:
        raise ApiError("TicketNotFound", f"ticket {number} has no workflow history",
                       [{"field": "number", "message": gone.why}]) from None
    except RPCError as err:
        raise ApiError("TemporalUnavailable", f"could not read ticket {number}'s history: {err.message}") from err


@router.get("/{number}/history", responses=ERRORS, dependencies=[VisibleTicket])
async def history(number: TicketNumber, me: ManagerDep, temporal: TemporalDep, sessions: SessionsDep) -> dict[str, Any]:
    """The ticket's timeline from its workflow histories, across every run: actions with actor
    and time, signals, activities with their outcome, SLA timers with due/fired/lateness.
    `source` says where the histories came from: `archive` or `temporal`."""
    export, origin = await _export(temporal, sessions, number)
    runs = source.timeline_runs(export)
    return {"ticket": number, "workflow_id": ticket_workflow_id(number), "source": origin,
            "runs": run_summaries(runs), "entries": timeline(runs)}


@router.get("/{number}/export", responses=ERRORS, dependencies=[VisibleTicket])
async def export(number: TicketNumber, me: ManagerDep, temporal: TemporalDep, sessions: SessionsDep) -> JSONResponse:
    """`{"manifest": {...}, "histories": [...]}`: each run's raw history (the JSON of
    `temporal workflow show --output json`, which the SDK's Replayer accepts), oldest first,
    and a manifest with a SHA-256 digest chain over the events; `servicedesk audit verify`.
    An archived ticket's export is the one made when it was archived (same digest every time);
    the `X-Audit-Source` header says `archive` or `temporal`."""
    body, origin = await _export(temporal, sessions, number)
    filename = f"ticket-{number}-history.json"
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                       "X-Audit-Source": origin})


archives = APIRouter(prefix="/audit", tags=["audit"])


@archives.get("/archives", responses={401: ERRORS[401], 403: ERRORS[403]})
def list_archives(me: ManagerDep, sessions: SessionsDep,
                  since: Annotated[datetime | None, Query(description="archived at or after (ISO 8601)")] = None,
                  after: Annotated[int, Query(ge=0, le=MAX_ID, description="ticket numbers above this (paging)")] = 0,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """The archived tickets and their export digests, by ticket number: keep the digests
    somewhere else and `servicedesk audit verify --digest` an export against them later.
    A row with `note` and no digest is a ticket whose history was gone before archiving."""
    if since is not None and since.tzinfo is None:
        raise ApiError("ValidationError", "since needs a time zone",
                       [{"field": "since", "message": "give a UTC offset, e.g. 2026-11-01T00:00:00Z"}])
    with sessions() as s:
        rows = audit_archive.entries(s, since, after, limit)
    items = [{"ticket": e.number, "workflow_id": e.workflow_id, "run_count": e.run_count,
              "event_count": e.event_count, "export_digest": e.export_digest,
              "workflow_closed_at": e.workflow_closed_at, "archived_at": e.archived_at,
              "size_bytes": e.size_bytes, "note": e.note} for e in rows]
    return {"items": items, "next_after": items[-1]["ticket"] if len(items) == limit else None}
