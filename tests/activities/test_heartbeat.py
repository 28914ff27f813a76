"""The desk's activities heartbeat while they run (activities/defn.py): one that takes longer
than its heartbeat timeout, alive, is never timed out (a slow database is not a dead worker),
and one that is quick sends no heartbeat. Real dev server and worker; the heartbeat timeout is
shortened here so the test is short."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.worker import Worker

from activities.defn import sync_activity



@sync_activity("test_slow_database_work")
def slow_database_work(seconds: float) -> int:
    time.sleep(seconds)  # blocked, as a query waiting on a lock is: it cannot heartbeat itself
    return activity.info().attempt


@workflow.defn(sandboxed=False)
class SlowWork:
    @workflow.run
    async def run(self, seconds: float) -> int:
        return await workflow.execute_activity(
            slow_database_work, seconds, start_to_close_timeout=timedelta(seconds=30),
            heartbeat_timeout=timedelta(seconds=2), retry_policy=RetryPolicy(maximum_attempts=1))


async def test_a_slow_activity_stays_alive_on_its_heartbeats(dev_server):
    queue = f"heartbeat-{uuid.uuid4()}"
    async with Worker(dev_server.client, task_queue=queue, workflows=[SlowWork], activities=[slow_database_work],
                      activity_executor=ThreadPoolExecutor(2)):
        # 4.5 s of work against a 2 s heartbeat timeout, in one attempt: only the heartbeats kept it.
        slow = await dev_server.client.start_workflow(SlowWork.run, 4.5, id=f"slow-{queue}", task_queue=queue)
        assert await slow.result() == 1
        quick = await dev_server.client.start_workflow(SlowWork.run, 0.1, id=f"quick-{queue}", task_queue=queue)
        assert await quick.result() == 1
    for handle in (slow, quick):
        started = [e.activity_task_started_event_attributes async for e in handle.fetch_history_events()
                   if e.HasField("activity_task_started_event_attributes")]
        assert [s.attempt for s in started] == [1]
