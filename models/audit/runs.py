"""Fetch a ticket's workflow histories from Temporal, every run of it (continue-as-new),
oldest first. Follows each run's `continuedExecutionRunId` back from the latest run, so it
needs no visibility store (which is only eventually consistent)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

MAX_RUNS = 10_000


class TicketHistoryNotFound(Exception):
    pass


@dataclass(frozen=True)
class RunHistory:
    run_id: str
    history: dict[str, Any]  # {"events": [...]}, the JSON of `temporal workflow show --output json`


async def fetch_runs(client: Client, workflow_id: str) -> list[RunHistory]:
    try:
        latest = (await client.get_workflow_handle(workflow_id).describe()).run_id
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise TicketHistoryNotFound(workflow_id) from err
        raise
    runs: list[RunHistory] = []
    run_id: str | None = latest
    while run_id and len(runs) < MAX_RUNS:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        data = json.loads(history.to_json())
        runs.append(RunHistory(run_id=run_id, history=data))
        events = data.get("events", [])
        started = events[0].get("workflowExecutionStartedEventAttributes", {}) if events else {}
        run_id = started.get("continuedExecutionRunId") or None
    runs.reverse()
    return runs
