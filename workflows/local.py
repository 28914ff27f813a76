"""How the ticket workflow runs its activities: all are short database work, so they run
as local activities, each with its retry policy and a summary that names it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

# Every activity here is a short database read or write, so they run as local activities:
# one marker event each instead of a round trip through the server's task queue. That is
# what lets thousands of SLA timers fire within the same minute on a small machine
# (docs/benchmarks.md). Each still has its own retry policy and summary.
# Intake must not hold a ticket hostage: after a few tries it goes on without triage.
INTAKE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=20), maximum_attempts=5)
# The read model must converge: retried until the database is back.
PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


async def local_activity(name: str, arg: Any, *, result_type: type | None = None, retry: RetryPolicy, summary: str) -> Any:
    """Run one of the ticket's activities (all short database work) as a local activity."""
    return await workflow.execute_local_activity(name, arg, result_type=result_type,
                                                 start_to_close_timeout=timedelta(seconds=30),
                                                 retry_policy=retry, summary=summary)
