"""Archive closed tickets' workflow histories into the read model's database (`audit_archives`,
models/audit/archive.py), before Temporal's retention deletes them (docs/audit.md).

One pass takes the closed tickets not archived yet, by ticket number; for each whose
workflow has ended it fetches every run's history and keeps the same export that
GET /tickets/{n}/export gives (raw histories + digest manifest). A closed ticket whose workflow
still runs (it waits for its survey) is left for a later pass: its history is not final yet.

Safe to repeat and to run concurrently: a ticket is archived once (the primary key), and an
archived history never changes, because a workflow that has ended has no more events.
The pass is run by the AuditArchive workflow on a Temporal Schedule (workflows/archive.py,
servicedesk/schedules.py), and by `servicedesk audit archive` on demand.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from models.audit import archive as audit_archive
from models.audit.source import ended_export
from workflows.activity_io import ARCHIVE_ACTIVITY, ArchiveInput, ArchiveResult
from workflows.messages import ticket_workflow_id

log = logging.getLogger(__name__)
LOST_NOTE = "the workflow history was already deleted by Temporal (past its retention) when archiving reached it"


async def archive_pass(client: Client, sessions: sessionmaker[Session], batch: int, after_number: int = 0,
                       heartbeat=lambda *_: None) -> ArchiveResult:
    """Look at up to `batch` closed, unarchived tickets numbered above `after_number`, and
    archive those whose workflow has ended; `more` says whether others wait beyond them."""
    numbers = await asyncio.to_thread(_candidates, sessions, after_number, batch + 1)
    more = len(numbers) > batch
    numbers = numbers[:batch]
    done = ArchiveResult(next_after=numbers[-1] if numbers else after_number, more=more)
    for number in numbers:
        heartbeat(number)
        await _archive_one(client, sessions, number, done)
    return done


async def archive_all(client: Client, sessions: sessionmaker[Session], batch: int = 50) -> ArchiveResult:
    """Passes until every closed ticket has been looked at once (`servicedesk audit archive`)."""
    total = ArchiveResult()
    while True:
        done = await archive_pass(client, sessions, batch, total.next_after)
        total.absorb(done)
        if not done.more:
            return total


def _candidates(sessions: sessionmaker[Session], after_number: int, limit: int) -> list[int]:
    with sessions() as s:
        return audit_archive.closed_unarchived(s, after_number, limit)


async def _archive_one(client: Client, sessions: sessionmaker[Session], number: int, done: ArchiveResult) -> None:
    workflow_id = ticket_workflow_id(number)
    try:
        described = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        await asyncio.to_thread(_record_lost, sessions, number, workflow_id)
        done.lost.append(number)
        return
    if described.status == WorkflowExecutionStatus.RUNNING:
        done.still_running.append(number)
        return
    # The same export as GET /tickets/{n}/export gives (models/audit/source.py); None when
    # Temporal no longer has the history.
    export = await ended_export(client, number)
    if export is None:
        await asyncio.to_thread(_record_lost, sessions, number, workflow_id)
        done.lost.append(number)
        return
    await asyncio.to_thread(_store, sessions, number, export, described.close_time)
    done.archived.append(number)


def _store(sessions: sessionmaker[Session], number: int, export: dict, closed_at: datetime | None) -> None:
    with sessions.begin() as s:
        audit_archive.store(s, number, export, closed_at)


def _record_lost(sessions: sessionmaker[Session], number: int, workflow_id: str) -> None:
    log.warning("ticket %s: %s", number, LOST_NOTE)
    with sessions.begin() as s:
        audit_archive.record_lost(s, number, workflow_id, LOST_NOTE)


class ArchiveActivities:
    def __init__(self, client: Client, sessions: sessionmaker[Session]) -> None:
        self._client = client
        self._sessions = sessions

    @activity.defn(name=ARCHIVE_ACTIVITY)
    async def archive_closed_tickets(self, inp: ArchiveInput) -> ArchiveResult:
        return await archive_pass(self._client, self._sessions, inp.batch, inp.after_number,
                                  heartbeat=activity.heartbeat)
