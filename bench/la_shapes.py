"""The workflow shapes bench/local_activity_replay.py compares (in a module: the sandbox refuses
workflows defined in __main__). Updates and concurrent queries only: no signals, no timers."""
from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from temporalio import activity, workflow


@activity.defn
async def write(x: str) -> str:
    # short database work, now and then slower
    await asyncio.sleep(0.15 if random.random() < 0.1 else random.random() * 0.04)
    return x


@workflow.defn
class UpdateAwaitsLA:
    """The update handler awaits a local activity (under a lock), as TicketV1 once did."""
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.n = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.n

    @workflow.update
    async def act(self, x: str) -> int:
        async with self.lock:
            await workflow.execute_local_activity(write, x, start_to_close_timeout=timedelta(seconds=10))
            self.n += 1
            return self.n

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def view(self) -> int:
        return self.n


@workflow.defn
class SyncUpdateRunFlushes:
    """The update handler applies synchronously; run() writes the pending items with one local
    activity per batch and goes straight back to waiting."""
    def __init__(self) -> None:
        self.pending: list[str] = []
        self.n = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        while True:
            await workflow.wait_condition(lambda: bool(self.pending) or self.done)
            if not self.pending:
                break
            batch, self.pending = self.pending, []
            await workflow.execute_local_activity(write, ",".join(batch), start_to_close_timeout=timedelta(seconds=10))
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.n

    @workflow.update
    def act(self, x: str) -> int:
        self.pending.append(x)
        self.n += 1
        return self.n

    @workflow.signal
    def finish(self) -> None:
        self.done = True

    @workflow.query
    def view(self) -> int:
        return self.n
