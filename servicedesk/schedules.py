"""The desk's Temporal Schedules, created (or brought in line with the settings) when a worker
starts: `audit-archive` runs the AuditArchive workflow every `archive_every_minutes`."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from models.settings import Settings
from workflows.activity_io import ArchiveInput
from workflows.archive import ARCHIVE_WORKFLOW

ARCHIVE_SCHEDULE_ID = "audit-archive"
log = logging.getLogger(__name__)


def archive_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ARCHIVE_WORKFLOW, ArchiveInput(), id="audit-archive-run", task_queue=settings.task_queue,
            execution_timeout=timedelta(hours=6)),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=settings.archive_every_minutes))]),
        # One archiving run at a time: a run still going when the next is due makes it skip.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(minutes=1)),
    )


async def ensure_archive_schedule(client: Client, settings: Settings) -> None:
    """Create the schedule, or update it to the current settings; delete it when turned off."""
    handle = client.get_schedule_handle(ARCHIVE_SCHEDULE_ID)
    if settings.archive_every_minutes == 0:
        try:
            await handle.delete()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:  # NOT_FOUND: there was none to turn off
                raise
        return
    schedule = archive_schedule(settings)
    try:
        await client.create_schedule(ARCHIVE_SCHEDULE_ID, schedule)
        log.info("created schedule %r: archive every %d min", ARCHIVE_SCHEDULE_ID, settings.archive_every_minutes)
    except ScheduleAlreadyRunningError:
        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await handle.update(replace)
