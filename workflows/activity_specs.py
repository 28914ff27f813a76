"""Every activity the ticket workflow runs, in one table: its name, input and result types,
retry policy and timeout, and whether it runs as a local activity. The workflow runs them only
through `execute`, and the worker checks at start that it registers each with these types
(servicedesk/worker.py), so a name or a type that does not match fails before any ticket runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.messages import DISPATCH_ACTIVITY, ROUTE_ACTIVITY, SLA_POLICY_ACTIVITY
    from workflows.activity_io import (
        COMMIT_ACTIVITY,
        HEARTBEAT_TIMEOUT,
        INTAKE_ACTIVITY,
        CommitInput,
        CommitResult,
        NotifyInput,
        ProjectionInput,
        DispatchInput,
        DispatchResult,
        IntakeInput,
        IntakeResult,
        RouteInput,
        RouteResult,
        SlaPolicyInput,
        SlaPolicyResult,
    )
    from workflows.messages import TicketEvent, TicketState

# Intake must not hold a ticket hostage: after a few tries it goes on without triage.
INTAKE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=20), maximum_attempts=5)
# The read model and the outbox must converge: retried until the database is back.
COMMIT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@dataclass(frozen=True)
class ActivitySpec:
    name: str
    input: type
    result: type | None
    retry: RetryPolicy
    timeout: timedelta = timedelta(seconds=30)  # bounds a live attempt that hangs (a stuck query)
    # A local activity runs in the worker that runs the workflow task: a marker in the history
    # and no round trip through the server (docs/benchmarks.md says what each costs).
    local: bool = False


INTAKE = ActivitySpec(INTAKE_ACTIVITY, IntakeInput, IntakeResult, INTAKE_RETRY)
COMMIT = ActivitySpec(COMMIT_ACTIVITY, CommitInput, CommitResult, COMMIT_RETRY, timeout=timedelta(seconds=60))
ROUTE = ActivitySpec(ROUTE_ACTIVITY, RouteInput, RouteResult, INTAKE_RETRY)
SLA_POLICY = ActivitySpec(SLA_POLICY_ACTIVITY, SlaPolicyInput, SlaPolicyResult, INTAKE_RETRY)
DISPATCH = ActivitySpec(DISPATCH_ACTIVITY, DispatchInput, DispatchResult, INTAKE_RETRY)

TICKET_ACTIVITIES = (INTAKE, COMMIT, ROUTE, SLA_POLICY, DISPATCH)


async def execute(spec: ActivitySpec, arg: Any, summary: str) -> Any:
    """Run one of the ticket's activities as its spec says."""
    if not isinstance(arg, spec.input):
        raise TypeError(f"{spec.name} takes {spec.input.__name__}, not {type(arg).__name__}")
    if spec.local:
        return await workflow.execute_local_activity(spec.name, arg, result_type=spec.result, summary=summary,
                                                     start_to_close_timeout=spec.timeout, retry_policy=spec.retry)
    return await workflow.execute_activity(spec.name, arg, result_type=spec.result, summary=summary,
                                           start_to_close_timeout=spec.timeout, retry_policy=spec.retry,
                                           heartbeat_timeout=HEARTBEAT_TIMEOUT)


async def commit(state: TicketState, events: list[TicketEvent], notices: list[NotifyInput]) -> None:
    """Write `events` (the snapshot of `state` after them) and the outbox rows of `notices`."""
    span = f"events {events[0].seq}..{events[-1].seq}" if events else "no events"
    kinds = list(dict.fromkeys(n.kind for n in notices))
    created = any(e.kind == "created" for e in events)
    await execute(COMMIT, CommitInput(
        projection=ProjectionInput(snapshot=state.snapshot(), events=events, description=state.description if created else None),
        notices=list(notices)), summary=f"commit {span}" + (f"; notify {', '.join(kinds)}" if kinds else ""))
