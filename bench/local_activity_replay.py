"""Does temporalio replay local activities the way they ran? A minimal reproduction of the
failure workflows/local.py describes, for the SDK version installed: N workflows of each shape in
bench/la_shapes.py take U updates (8 in flight) while Q clients query them, then every history is
replayed with the SDK's Replayer. Prints how many replayed; never fails.

    .venv/bin/python bench/local_activity_replay.py                # 5 workflows x 150 updates, 2 queriers
    .venv/bin/python bench/local_activity_replay.py 5 150 0        # the same without queries

Seen with temporalio 1.35.0 (docs/benchmarks.md): with queries, UpdateAwaitsLA fails to replay
3 of 5 ("UpdateMachine in state CompletedCommandCreated says the transition is invalid during
event WorkflowExecutionUpdateAccepted"), SyncUpdateRunFlushes replays 5 of 5; with no queries
both replay. A local activity's result that the first run received one workflow task after its
marker was recorded (a query arrived meanwhile) reaches the code one task earlier on replay."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from bench import la_shapes
from servicedesk.binaries import find_executable


async def one(client, cls, task_queue: str, updates: int, queriers: int):
    handle = await client.start_workflow(cls.run, id=f"{cls.__name__}-{uuid.uuid4().hex[:6]}", task_queue=task_queue)
    gate, stop = asyncio.Semaphore(8), asyncio.Event()

    async def update(i: int) -> None:
        async with gate:
            await handle.execute_update("act", f"u{i}")

    async def query() -> None:
        while not stop.is_set():
            await handle.query("view")
            await asyncio.sleep(0.005)

    readers = [asyncio.create_task(query()) for _ in range(queriers)]
    await asyncio.gather(*(update(i) for i in range(updates)))
    stop.set()
    await asyncio.gather(*readers)
    await handle.signal("finish")
    await handle.result()
    return await handle.fetch_history()


async def main(workflows: int, updates: int, queriers: int) -> None:
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=find_executable("temporal"),
                                                dev_server_log_level="error")
    for cls in (la_shapes.UpdateAwaitsLA, la_shapes.SyncUpdateRunFlushes):
        task_queue = uuid.uuid4().hex
        async with Worker(env.client, task_queue=task_queue, workflows=[cls], activities=[la_shapes.write]):
            histories = await asyncio.gather(*(one(env.client, cls, task_queue, updates, queriers)
                                               for _ in range(workflows)))
        ok, errors = 0, []
        for history in histories:
            result = await Replayer(workflows=[cls]).replay_workflow(history, raise_on_replay_failure=False)
            if result.replay_failure is None:
                ok += 1
            else:
                message = str(result.replay_failure)
                errors.append(message[message.find('message: "') + 10:].split('", source')[0])
        print(f"{cls.__name__}: {workflows} workflows x {updates} updates, {queriers} queriers: "
              f"replayed {ok}, failed {len(errors)}")
        for error in errors:
            print("   ", error)
    await env.shutdown()
    sys.stdout.flush()
    os._exit(0)  # sdk-python#300


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    asyncio.run(main(*(args + [5, 150, 2][len(args):])))
