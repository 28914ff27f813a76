"""Where a ticket's histories come from: the audit archive once its workflow has ended and been
archived (models/audit/archive.py; then they never change and outlive Temporal's retention),
else Temporal itself. Shared by the API's audit routes, the archiving activity and the auditors' CLI."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from models.audit import archive, manifest
from models.audit.runs import TicketHistoryNotFound, fetch_runs
from workflows.messages import ticket_workflow_id


class HistoryGone(TicketHistoryNotFound):
    """Neither Temporal nor the archive has the history; `why` says what is known."""

    def __init__(self, workflow_id: str, why: str) -> None:
        super().__init__(workflow_id)
        self.why = why


def _archived(sessions: sessionmaker[Session], number: int) -> tuple[dict[str, Any] | None, str | None]:
    """(the archived export or None, the archive's note when the history was lost before archiving)."""
    with sessions() as s:
        kept = archive.entry(s, number)
        if kept is None:
            return None, None
        return archive.load(s, number), kept.note


async def from_temporal(client: Client, number: int) -> dict[str, Any]:
    """An export built now from every run's history in Temporal."""
    workflow_id = ticket_workflow_id(number)
    runs = await fetch_runs(client, workflow_id)
    exported_at = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    return manifest.build_export(workflow_id, [r.run_id for r in runs], [r.history for r in runs], exported_at, number)


async def ended_export(client: Client, number: int) -> dict[str, Any] | None:
    """from_temporal, or None when Temporal has no history for the ticket (the archiver's view)."""
    try:
        return await from_temporal(client, number)
    except TicketHistoryNotFound:
        return None


async def ticket_export(client: Client, sessions: sessionmaker[Session] | None, number: int) -> tuple[dict[str, Any], str]:
    """(export, "archive" | "temporal"). Raises HistoryGone when neither has it."""
    note = None
    if sessions is not None:
        archived, note = await asyncio.to_thread(_archived, sessions, number)
        if archived is not None:
            return archived, "archive"
    try:
        return await from_temporal(client, number), "temporal"
    except TicketHistoryNotFound:
        raise HistoryGone(ticket_workflow_id(number),
                          note or "no such ticket, or its history has been deleted") from None


def timeline_runs(export: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(run id, history) per run, oldest first, as the timeline functions take them."""
    return [(run["run_id"], h) for run, h in zip(export["manifest"]["runs"], export["histories"], strict=True)]
