"""For auditors (and supervisors, admins): a ticket's timeline and a verifiable export, read
from its Temporal workflow histories, every run of it (docs/audit.md)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from temporalio.service import RPCError

from api.audit import manifest
from api.audit.runs import RunHistory, TicketHistoryNotFound, fetch_runs
from api.audit.timeline import run_summaries, timeline
from api.deps import Principal, TemporalDep, require_role
from api.errors import ApiError
from workflows.messages import ticket_workflow_id

router = APIRouter(prefix="/tickets", tags=["audit"])
AuditorDep = Annotated[Principal, Depends(require_role("auditor", "supervisor", "admin"))]
TicketNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The ticket number", examples=[42])]
ERRORS = {401: {"description": "No or bad token"}, 403: {"description": "Only auditors, supervisors and admins"},
          404: {"description": "No such ticket (or its history is no longer kept by Temporal)"}}


async def _runs(temporal: Any, number: int) -> list[RunHistory]:
    try:
        return await fetch_runs(temporal, ticket_workflow_id(number))
    except TicketHistoryNotFound:
        raise ApiError("TicketNotFound", f"ticket {number} has no workflow history",
                       [{"field": "number", "message": "no such ticket, or its history has been deleted"}]) from None
    except RPCError as err:
        raise ApiError("TemporalUnavailable", f"could not read ticket {number}'s history: {err.message}") from err


@router.get("/{number}/history", responses=ERRORS)
async def history(number: TicketNumber, me: AuditorDep, temporal: TemporalDep) -> dict[str, Any]:
    """The ticket's timeline from its workflow histories, across every run: actions with actor
    and time, signals, activities with their outcome, SLA timers with due/fired/lateness."""
    runs = [(r.run_id, r.history) for r in await _runs(temporal, number)]
    return {"ticket": number, "workflow_id": ticket_workflow_id(number), "runs": run_summaries(runs),
            "entries": timeline(runs)}


@router.get("/{number}/export", responses=ERRORS)
async def export(number: TicketNumber, me: AuditorDep, temporal: TemporalDep) -> JSONResponse:
    """`{"manifest": {...}, "histories": [...]}`: each run's raw history (the JSON of
    `temporal workflow show --output json`, which the SDK's Replayer accepts), oldest first,
    and a manifest with a SHA-256 digest chain over the events; `servicedesk audit verify`."""
    runs = await _runs(temporal, number)
    exported_at = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    body = manifest.build_export(ticket_workflow_id(number), [r.run_id for r in runs], [r.history for r in runs],
                                 exported_at, number)
    filename = f"ticket-{number}-history.json"
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
