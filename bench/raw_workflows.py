"""The raw Temporal baseline for bench/ceiling.py: an empty workflow, a workflow of K sequential
no-op activities, and `serve`, which runs a worker for both in a process of its own.

The workflows live here, not in the benchmark's __main__, which the sandbox would refuse."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta

from temporalio import activity, workflow

EMPTY_WORKFLOW = "RawEmpty"
ACTIVITIES_WORKFLOW = "RawActivities"
OPEN_WORKFLOW = "RawOpen"


@activity.defn(name="raw_noop")
async def noop(i: int) -> int:
    return i


@workflow.defn(name=EMPTY_WORKFLOW)
class RawEmpty:
    @workflow.run
    async def run(self) -> None:
        return None


@workflow.defn(name=ACTIVITIES_WORKFLOW)
class RawActivities:
    @workflow.run
    async def run(self, k: int) -> int:
        for i in range(k):
            await workflow.execute_activity(noop, i, start_to_close_timeout=timedelta(seconds=30))
        return k


@workflow.defn(name=OPEN_WORKFLOW)
class RawOpen:
    """Waits until signalled: an open workflow that holds nothing, for bench/memory.py."""

    def __init__(self) -> None:
        self.closed = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.closed)

    @workflow.signal
    def close(self) -> None:
        self.closed = True


async def _serve(address: str, task_queue: str, like_desk: bool) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    client = None
    for _ in range(300):
        try:
            client = await Client.connect(address)
            break
        except Exception:
            await asyncio.sleep(0.2)
    if client is None:
        raise SystemExit(f"no Temporal at {address}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    options = {}
    if like_desk:  # the desk worker's sandbox and cache (servicedesk/worker.py)
        from models.settings import Settings
        from servicedesk.worker import RUNNER

        options = {"workflow_runner": RUNNER, "max_cached_workflows": Settings().cached_workflows}
    async with Worker(client, task_queue=task_queue, workflows=[RawEmpty, RawActivities, RawOpen], activities=[noop],
                      **options):
        print(f"raw worker polling {task_queue!r}", flush=True)
        await stop.wait()


def serve(address: str, task_queue: str, like_desk: bool = False) -> None:
    """Run the raw worker until SIGTERM; exits with os._exit (sdk-python#300). `like_desk`: with
    the desk worker's sandbox settings and workflow cache."""
    asyncio.run(_serve(address, task_queue, like_desk))
    sys.stdout.flush()
    os._exit(0)
