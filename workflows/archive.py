"""AuditArchive: started by the `audit-archive` Temporal Schedule (servicedesk/schedules.py),
it archives closed tickets' histories into the product's own store (activities/archive.py),
a batch at a time from the lowest ticket number up, until it has looked at every closed
ticket not archived yet or has done `max_batches` (the next run starts again from the lowest).

A regular activity (not local): a batch fetches whole histories and may take a while, so it
heartbeats and is retried on its own. The schedule skips a run while the previous one is still
going, and the next run picks up whatever this one left."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.activity_io import ARCHIVE_ACTIVITY, ArchiveInput, ArchiveResult

ARCHIVE_WORKFLOW = "AuditArchive"


@workflow.defn(name=ARCHIVE_WORKFLOW)
class AuditArchiveWorkflow:
    @workflow.run
    async def run(self, inp: ArchiveInput) -> ArchiveResult:
        total = ArchiveResult(next_after=inp.after_number)
        for _ in range(inp.max_batches):
            step = ArchiveInput(batch=inp.batch, max_batches=inp.max_batches, after_number=total.next_after)
            done: ArchiveResult = await workflow.execute_activity(
                ARCHIVE_ACTIVITY, step, result_type=ArchiveResult,
                start_to_close_timeout=timedelta(minutes=10), heartbeat_timeout=timedelta(minutes=1),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=2),
                                         maximum_attempts=10),
                summary=f"archive up to {inp.batch} closed tickets")
            total.absorb(done)
            if not done.more:
                break
        return total
