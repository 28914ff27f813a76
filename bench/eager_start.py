"""Eager workflow start, measured on raw Temporal: what it would give the desk's intake.

With eager start the server hands a new workflow's first task back in the answer to the start
call, to a worker in the process that started it, instead of through the task queue. The desk's
API and worker are separate processes (docs/architecture.md), so the API cannot use it; this
measures the raw gain to say what it would be worth. One dev server (SQLite with the WAL
pragmas), one process with a client and a worker (bench/raw_workflows.py): N empty workflows,
C starts in flight, results awaited, alternately without and with `request_eager_start`, twice.
Prints figures; never fails.

    .venv/bin/python bench/eager_start.py              # 400 workflows, 8 in flight
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.worker import Worker

from bench.raw_workflows import RawEmpty
from bench.stats import pct
from servicedesk.processes import connect, free_port, start_dev_server, stop

QUEUE = "raw-eager"


async def batch(client, n: int, concurrency: int, eager: bool, tag: str) -> tuple[float, list[float]]:
    gate, latencies = asyncio.Semaphore(concurrency), []

    async def one(i: int) -> None:
        async with gate:
            t = time.perf_counter()
            handle = await client.start_workflow(RawEmpty.run, id=f"{tag}-{i}", task_queue=QUEUE,
                                                 request_eager_start=eager)
            await handle.result()
            latencies.append((time.perf_counter() - t) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - t0), latencies


async def run(args, data: Path) -> None:
    port = free_port()
    server = start_dev_server(data, port, free_port(), data / "temporal.log")
    try:
        client = await connect(f"127.0.0.1:{port}")
        async with Worker(client, task_queue=QUEUE, workflows=[RawEmpty]):
            await batch(client, 2 * args.concurrency, args.concurrency, False, "warm")
            rows = []
            for round_ in range(2):
                for eager in (False, True):
                    rate, lat = await batch(client, args.workflows, args.concurrency, eager, f"r{round_}-{eager}")
                    rows.append((eager, rate, lat))
        print()
        print("Eager start benchmark:", " ".join([sys.executable, *sys.argv]))
        print(f"  {args.workflows} empty workflows per run, {args.concurrency} in flight, start + result")
        for eager, rate, lat in rows:
            print(f"  {'eager' if eager else 'queued'}: {rate:.1f}/s, start+result p50 {pct(lat, 50):.0f} ms, "
                  f"p99 {pct(lat, 99):.0f} ms")
        plain = sum(r for e, r, _ in rows if not e) / 2
        eager = sum(r for e, r, _ in rows if e) / 2
        print(f"  eager / queued: {eager / plain:.2f}")
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workflows", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="eager-bench-"))
    try:
        asyncio.run(run(args, data))
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
