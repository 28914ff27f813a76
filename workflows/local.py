"""How TicketV1 (workflows/ticket_v1.py) runs its activities: as ordinary activities since the
patch `ordinary-activities`, as local ones in the histories recorded before it, each with its
retry policy and a summary that names it. TicketV2 runs its activities through the table in
workflows/activity_specs.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.activity_io import HEARTBEAT_TIMEOUT

# Every activity here is a short database read or write. Before `ordinary-activities` they ran
# as local activities: one marker event each instead of a round trip through the server.
# Intake must not hold a ticket hostage: after a few tries it goes on without triage.
INTAKE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=20), maximum_attempts=5)
# The read model must converge: retried until the database is back.
PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


# Since this patch they run as ordinary activities instead. The SDK's core (temporalio 1.35.0)
# cannot replay some histories of a ticket that takes updates concurrently while its SLA
# timer is re-planned and the API queries it: a local activity that resolved in a later
# workflow task than it was recorded in is resolved earlier on replay, an update then
# completes before its acceptance is replayed, and every later workflow task fails with
# "UpdateMachine in state CompletedCommandCreated says the transition is invalid during event
# WorkflowExecutionUpdateAccepted": the ticket is stuck for good after its first cache eviction.
# Ordinary activities resolve through history events, in one order on first run and replay.
# (tests/e2e/test_long_ticket.py found it; docs/architecture.md, "Long tickets".)
ORDINARY_ACTIVITIES = "ordinary-activities"


async def ticket_activity(name: str, arg: Any, *, result_type: type | None = None, retry: RetryPolicy, summary: str) -> Any:
    """Run one of the ticket's activities (all short database work): as an ordinary activity,
    or, in histories recorded before ORDINARY_ACTIVITIES, as the local activity it was."""
    if workflow.patched(ORDINARY_ACTIVITIES):
        return await workflow.execute_activity(name, arg, result_type=result_type,
                                               start_to_close_timeout=timedelta(seconds=30),
                                               heartbeat_timeout=HEARTBEAT_TIMEOUT, retry_policy=retry, summary=summary)
    return await workflow.execute_local_activity(name, arg, result_type=result_type,
                                                 start_to_close_timeout=timedelta(seconds=30),
                                                 retry_policy=retry, summary=summary)
