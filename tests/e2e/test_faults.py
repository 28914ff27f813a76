"""Faults under load, with real processes: tickets opened through the real HTTP API by a client
that retries (same Idempotency-Key) on connection errors and 5xx, while a worker, the Temporal
dev server and an API process are SIGKILLed, and while the read model's PostgreSQL crashes.
Each test counts what arrived (read model, ledger, Temporal, the SMTP sink) and prints it, with
the recovery seconds after each fault (docs/faults.md has the figures of a run)."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from models.seed import seeded_database
from models.tables import TicketEventRow, TicketIntake, TicketRow
from servicedesk.processes import connect, free_port, start_dev_server, stop
from tests.e2e.procs import (
    PrivatePostgres,
    ScratchPostgresDatabase,
    admin_token,
    kill,
    start_api,
    start_servicedesk,
    wait_for,
)
from tests.notification_servers import Mailbox
from workflows import messages as m

pytestmark = pytest.mark.slow

ACK_SUBJECT = "We received your request"
RETRIED = "retried"  # how the client counts a connection error


# --- the client: retries with the same key, spreads over the APIs, counts every answer ---------------


class Desk:
    """An HTTP client of the desk that does what a careful integration does: each request goes to
    the next API in turn; a connection error or a 5xx is retried (to the next API) with the same
    Idempotency-Key, with a short backoff, until `give_up` seconds have passed."""

    def __init__(self, bases: list[str], token: str, give_up: float = 150.0) -> None:
        self.bases = bases
        self.http = httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=45.0,
                                      limits=httpx.Limits(max_connections=64))
        self.give_up = give_up
        self.statuses: Counter = Counter()  # every answer: status code, or the connection error's name
        self.server_errors: list[tuple[float, str, str]] = []  # every 500: when, what, body
        self._turn = itertools.count()

    async def request(self, method: str, path: str, *, key: str | None = None, json=None,
                      retry: bool = True) -> httpx.Response:
        first = next(self._turn)
        deadline = time.monotonic() + self.give_up
        for attempt in itertools.count():
            base = self.bases[(first + attempt) % len(self.bases)]
            try:
                r = await self.http.request(method, base + path, json=json,
                                            headers={"Idempotency-Key": key} if key else None)
            except httpx.TransportError as err:
                self.statuses[type(err).__name__] += 1
                if not retry:
                    raise
            else:
                self.statuses[r.status_code] += 1
                if r.status_code == 500:
                    self.server_errors.append((time.monotonic(), f"{method} {path}", r.text[:300]))
                if r.status_code < 500 or not retry:
                    return r
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path} (key {key}) had no answer below 500 within {self.give_up:.0f} s")
            await asyncio.sleep(min(0.05 * 2 ** min(attempt, 5), 1.0))
        raise AssertionError("unreachable")

    async def close(self) -> None:
        await self.http.aclose()


@dataclass
class Load:
    """What the client sent and got: per key, when it was first sent and answered, and its number."""

    sent: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)
    number: dict[str, int] = field(default_factory=dict)
    replayed: int = 0

    def answered_count(self) -> int:
        return len(self.answered)


def ticket_body(k: int) -> dict:
    return {"subject": f"Load {k}: the printer on floor 3 jams", "description": f"Fault test ticket {k}.",
            "requester": {"email": f"load{k}@customer.example", "name": f"Load {k}"}}


async def open_tickets(desk: Desk, load: Load, keys: list[tuple[int, str]], rate: float) -> None:
    """Open-loop load: ticket i is first asked for at i / rate seconds, whatever happened to the
    others (as customers arrive); its retries then take what they take."""
    t0 = time.monotonic()

    async def one(i: int, k: int, key: str) -> None:
        await asyncio.sleep(max(0.0, t0 + i / rate - time.monotonic()))
        load.sent[key] = time.monotonic()
        r = await desk.request("POST", "/tickets", key=key, json=ticket_body(k))
        assert r.status_code == 201, (key, r.status_code, r.text)
        load.answered[key] = time.monotonic()
        load.number[key] = r.json()["number"]
        load.replayed += r.headers.get("Idempotent-Replayed") == "true"

    await asyncio.gather(*(one(i, k, key) for i, (k, key) in enumerate(keys)))


class ReadModelWatch:
    """Polls the read model and notes when each ticket's row first appeared (its intake is done:
    triaged, routed, projected). Survives the database being away."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.seen: dict[int, float] = {}
        self.errors = 0
        self._task: asyncio.Task | None = None

    def _poll(self) -> list[int]:
        with self.sessions() as s:
            return list(s.scalars(select(TicketRow.number)))

    async def _run(self) -> None:
        while True:
            try:
                numbers = await asyncio.to_thread(self._poll)
            except Exception:  # the database is down: try again
                self.errors += 1
            else:
                now = time.monotonic()
                for n in numbers:
                    self.seen.setdefault(n, now)
            await asyncio.sleep(0.2)

    def start(self) -> ReadModelWatch:
        self._task = asyncio.create_task(self._run())
        return self

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def all_of(self, numbers: set[int], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not numbers <= self.seen.keys():
            if time.monotonic() > deadline:
                missing = sorted(numbers - self.seen.keys())
                raise AssertionError(f"{what}: {len(missing)} ticket(s) never reached the read model: {missing[:20]}")
            await asyncio.sleep(0.2)


@dataclass
class Fault:
    name: str
    at: float  # monotonic time of the kill
    answered_before: int
    lag_before: int  # tickets answered but not yet through intake, at the kill
    down_s: float = 0.0
    notes: list[int] = field(default_factory=list)
    recovery_s: float = 0.0
    answers_gap_s: float = 0.0


def recovery(fault: Fault, load: Load, seen: dict[int, float]) -> tuple[float, float]:
    """(recovery, answers' gap) in seconds from the kill. Recovery: until the desk was whole again,
    every ticket the client had been answered for before the kill through intake, and a ticket
    first asked for after the kill through too. Answers' gap: until the client was first answered
    201 for a ticket it first asked for after the kill."""
    before = [seen[load.number[k]] for k, t in load.answered.items() if t < fault.at]
    after_sent = [k for k, t in load.sent.items() if t >= fault.at]
    after = [seen[load.number[k]] for k in after_sent]
    ends = [max(before, default=fault.at), min(after, default=fault.at)]
    first_answer = min((load.answered[k] for k in after_sent), default=fault.at)
    return max(0.0, max(ends) - fault.at), max(0.0, first_answer - fault.at)


async def send_notes(desk: Desk, numbers: list[int], label: str) -> None:
    async def one(n: int) -> None:
        r = await desk.request("POST", f"/tickets/{n}/actions", key=f"note-{label}-{n}",
                               json={"kind": "note", "body": f"note during {label} on {n}"})
        assert r.status_code == 200, (n, r.status_code, r.text)

    await asyncio.gather(*(one(n) for n in numbers))


# --- the checks every test makes ------------------------------------------------------------------


class TimedList(list):
    """Mailbox.received, with the monotonic time each mail arrived (`at`, same order)."""

    def __init__(self) -> None:
        super().__init__()
        self.at: list[float] = []

    def append(self, item) -> None:
        self.at.append(time.monotonic())
        super().append(item)


def timed_mailbox() -> Mailbox:
    box = Mailbox()
    box.received = TimedList()
    return box.start()


def mail_copies(mailbox: Mailbox, k: int, since: float) -> list[str]:
    """Each acknowledgement to ticket k's requester: Message-ID and arrival (s after `since`)."""
    with mailbox.lock:
        return [f"{r.message['Message-ID']} at +{at - since:.1f} s" for r, at in zip(mailbox.received, mailbox.received.at)
                if f"load{k}@customer.example" in r.rcpt_tos and ACK_SUBJECT in str(r.message["Subject"])]


async def delivery_story(address: str, number: int) -> list[str]:
    """The ticket's activities as its history has them: name, attempt, outcome (for a failure's message)."""
    from temporalio.api.enums.v1 import EventType

    client = await connect(address)
    history = await client.get_workflow_handle(m.ticket_workflow_id(number)).fetch_history()
    names: dict[int, str] = {}
    story = []
    for e in history.events:
        kind = EventType.Name(e.event_type).removeprefix("EVENT_TYPE_")
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            names[e.event_id] = e.activity_task_scheduled_event_attributes.activity_type.name
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            a = e.activity_task_started_event_attributes
            story.append(f"{names.get(a.scheduled_event_id)} started attempt {a.attempt} ({a.identity}) "
                         f"at {e.event_time.ToDatetime():%H:%M:%S.%f}")
        elif kind.startswith("ACTIVITY_TASK_") and kind != "ACTIVITY_TASK_SCHEDULED":
            story.append(f"{kind.lower()} at {e.event_time.ToDatetime():%H:%M:%S.%f}")
    return story


def acknowledgements(mailbox: Mailbox, ks: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per ticket k: how many acknowledgement mails its requester got, and how many Message-IDs."""
    copies: dict[int, int] = defaultdict(int)
    ids: dict[int, set[str]] = defaultdict(set)
    wanted = {f"load{k}@customer.example": k for k in ks}
    with mailbox.lock:
        for r in mailbox.received:
            if ACK_SUBJECT not in str(r.message["Subject"]):
                continue
            for rcpt in r.rcpt_tos:
                if rcpt in wanted:
                    copies[wanted[rcpt]] += 1
                    ids[wanted[rcpt]].add(str(r.message["Message-ID"]))
    return {k: copies.get(k, 0) for k in ks}, {k: len(ids.get(k, ())) for k in ks}


async def wait_for_acks(mailbox: Mailbox, ks: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        copies, _ = acknowledgements(mailbox, ks)
        if all(copies.values()) or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.5)


def check_read_model(sessions, numbers: set[int]) -> dict[int, int]:
    """Ledger and read model hold exactly the client's numbers, each ticket's events numbered
    1..last_seq with no gap and no repeat. Returns each ticket's projected last_seq."""
    with sessions() as s:
        ledger = set(s.scalars(select(TicketIntake.number)))
        rows = dict(s.execute(select(TicketRow.number, TicketRow.last_seq)).all())
        seqs: dict[int, list[int]] = defaultdict(list)
        for n, seq in s.execute(select(TicketEventRow.number, TicketEventRow.seq).order_by(TicketEventRow.number,
                                                                                           TicketEventRow.seq)):
            seqs[n].append(seq)
    assert ledger == numbers, f"ledger: extra {sorted(ledger - numbers)[:20]}, missing {sorted(numbers - ledger)[:20]}"
    assert set(rows) == numbers, f"read model: extra {sorted(set(rows) - numbers)[:20]}, missing {sorted(numbers - set(rows))[:20]}"
    gaps = {n: seqs[n] for n in numbers if seqs[n] != list(range(1, rows[n] + 1))}
    assert not gaps, f"events not 1..last_seq: {dict(list(gaps.items())[:5])}"
    return rows


async def check_temporal(address: str, numbers: set[int], projected: dict[int, int]) -> None:
    """Temporal holds exactly one ticket workflow per number, and each workflow's view is what the
    read model projected (nothing left behind in either)."""
    client = await connect(address)
    ids: Counter = Counter()
    async for wf in client.list_workflows("WorkflowType = 'Ticket'"):
        ids[wf.id] += 1  # one row per run: a continue-as-new would show twice
    assert set(ids) == {m.ticket_workflow_id(n) for n in numbers}, \
        f"workflows: extra {sorted(set(ids) - {m.ticket_workflow_id(n) for n in numbers})[:10]}"
    from api.tickets.gateway import TicketGateway

    gateway = TicketGateway(client, "unused")
    behind = {}
    for n in sorted(numbers):
        view = await gateway.view(n)
        if view.ticket.last_seq != projected[n]:
            behind[n] = (view.ticket.last_seq, projected[n])
    assert not behind, f"read model behind the workflow (workflow, read model): {dict(list(behind.items())[:10])}"


def process_env(address: str, db_url: str, task_queue: str, mailbox: Mailbox, data: Path) -> dict[str, str]:
    """What every API and worker shares: Temporal, the read model, the mail, the links' key."""
    return {"SERVICEDESK_TEMPORAL_ADDRESS": address, "DATABASE_URL": db_url, "SERVICEDESK_TASK_QUEUE": task_queue,
            "SERVICEDESK_SMTP_HOST": "127.0.0.1", "SERVICEDESK_SMTP_PORT": str(mailbox.port),
            "SERVICEDESK_SECRET_KEY": "faults-secret-key", "SERVICEDESK_PUBLIC_URL": "http://desk.test",
            "SERVICEDESK_DATA_DIR": str(data), "SERVICEDESK_ARCHIVE_EVERY_MINUTES": "0"}


def healthy(base: str) -> bool:
    return httpx.get(f"{base}/health", timeout=5).status_code == 200


# --- 1 and 2: two APIs, three workers, PostgreSQL; kill a worker, the dev server and an API ---------

# The load arrives at a steady RATE the desk keeps up with here (2 cores, shared), so that each
# recovery measures what the kill held up and not a backlog the client piled up. The issue
# measured 600 tickets; at 5/s that is two minutes of load alone, which with the set-up and the
# recovery of the last kill would pass the 3 minutes this test may take: 450 tickets (90 s).
TICKETS = int(os.environ.get("SERVICEDESK_FAULT_TICKETS", "450"))
RATE = float(os.environ.get("SERVICEDESK_FAULT_RATE", "5"))


async def test_load_across_two_apis_and_three_workers_survives_sigkills(tmp_path, postgres_url):
    wall0 = time.monotonic()
    db = ScratchPostgresDatabase(postgres_url, "faults")
    engine, sessions = seeded_database(db.url)
    token = admin_token(sessions)
    mailbox = timed_mailbox()
    port, ui = free_port(), free_port()
    address = f"127.0.0.1:{port}"
    env = process_env(address, db.url, "faults", mailbox, tmp_path)
    api_ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{p}" for p in api_ports]
    server = start_dev_server(tmp_path, port, ui, tmp_path / "temporal.log")
    await connect(address)
    workers = [start_servicedesk("worker", env, tmp_path / f"worker-{i}.log") for i in range(3)]
    apis = [start_api(env, p, tmp_path / f"api-{i}.log") for i, p in enumerate(api_ports)]
    desk = Desk(bases, token)
    watch = ReadModelWatch(sessions)
    try:
        for base in bases:
            await asyncio.to_thread(wait_for, lambda b=base: healthy(b), 60, f"{base}/health")
        setup_s = time.monotonic() - wall0
        watch.start()
        load = Load()
        keys = [(k, f"load-{k}") for k in range(TICKETS)]
        faults: list[Fault] = []
        note_tasks: list[asyncio.Task] = []

        async def at(fraction: float) -> None:
            while load.answered_count() < TICKETS * fraction:
                await asyncio.sleep(0.05)

        def lag() -> int:
            return len(set(load.number.values()) - watch.seen.keys())

        def recent(count: int) -> list[int]:
            """Half the tickets answered last (some still opening, some held by the worker that
            dies), half the earliest (long open, in some worker's cache), none noted before."""
            noted = {n for f in faults for n in f.notes}
            order = [load.number[k] for k in sorted(load.answered, key=load.answered.get)]
            order = [n for n in order if n not in noted]
            return order[-(count - count // 2):] + order[:count // 2]

        async def faults_during_load() -> None:
            nonlocal server
            await at(0.15)
            f = Fault("worker SIGKILL", time.monotonic(), load.answered_count(), lag(), notes=recent(20))
            kill(workers[0])  # the other two carry on; it stays dead
            faults.append(f)
            note_tasks.append(asyncio.create_task(send_notes(desk, f.notes, "worker-kill")))

            await at(0.45)
            f = Fault("dev server SIGKILL", time.monotonic(), load.answered_count(), lag(), notes=recent(10))
            kill(server)
            faults.append(f)
            note_tasks.append(asyncio.create_task(send_notes(desk, f.notes, "server-kill")))
            await asyncio.sleep(2)
            server = start_dev_server(tmp_path, port, ui, tmp_path / "temporal.log")  # the same data folder
            await connect(address)
            f.down_s = time.monotonic() - f.at

            await at(0.75)
            f = Fault("API SIGKILL", time.monotonic(), load.answered_count(), lag(), notes=recent(10))
            kill(apis[1])
            faults.append(f)
            note_tasks.append(asyncio.create_task(send_notes(desk, f.notes, "api-kill")))
            await asyncio.sleep(2)
            apis[1] = start_api(env, api_ports[1], tmp_path / "api-1b.log")
            await asyncio.to_thread(wait_for, lambda: healthy(bases[1]), 60, "the restarted API")
            f.down_s = time.monotonic() - f.at

        t0 = time.monotonic()
        controller = asyncio.create_task(faults_during_load())
        await open_tickets(desk, load, keys, RATE)
        answered_s = time.monotonic() - t0
        await controller
        await asyncio.gather(*note_tasks)
        numbers = set(load.number.values())
        assert len(numbers) == TICKETS, f"{TICKETS} keys got {len(numbers)} numbers"
        await watch.all_of(numbers, 180, "after the load")
        through_s = max(watch.seen[n] for n in numbers) - t0
        for f in faults:
            f.recovery_s, f.answers_gap_s = recovery(f, load, watch.seen)

        # Exactly one acknowledgement per ticket: wait for the last, then give a duplicate time to show.
        ks = [k for k, _ in keys]
        await wait_for_acks(mailbox, ks, 60)
        await asyncio.sleep(3)
        copies, message_ids = acknowledgements(mailbox, ks)

        noted = [n for f in faults for n in f.notes]
        note_counts = await note_applications(desk, sessions, noted)

        projected = check_read_model(sessions, numbers)
        await check_temporal(address, numbers, projected)

        print(f"\nfaults: {TICKETS} tickets through 2 APIs and 3 workers (read model on PostgreSQL), "
              f"{TICKETS - len(numbers & watch.seen.keys())} lost, {TICKETS - len(numbers)} duplicated, "
              f"{sum(message_ids.values())} acknowledgements ({sum(copies.values()) - sum(message_ids.values())} identical copies re-sent), "
              f"{sum(1 for c in note_counts.values() if c == 1)}/{len(noted)} notes applied once")
        for f in faults:
            down = f" (down {f.down_s:.1f} s, restarted)" if f.down_s else " (two workers carried on)"
            print(f"faults: {f.name} at ticket {f.answered_before}{down}: recovery {f.recovery_s:.1f} s "
                  f"(lag at the kill {f.lag_before} tickets), first new ticket answered after "
                  f"{f.answers_gap_s:.1f} s, {len(f.notes)} notes sent during it")
        print(f"faults: offered {RATE:.0f} tickets/s; throughput {TICKETS / answered_s:.1f} tickets/s answered ({answered_s:.1f} s), "
              f"{TICKETS / through_s:.1f} tickets/s through intake ({through_s:.1f} s); {load.replayed} answers were "
              f"replays of a retried key; client saw {dict(desk.statuses)}; setup {setup_s:.1f} s, "
              f"whole test {time.monotonic() - wall0:.1f} s")

        assert not desk.server_errors, f"500 answers: {desk.server_errors[:5]}"
        twice = {k: c for k, c in copies.items() if c != 1}
        for k, count in twice.items():
            number = load.number[f"load-{k}"]
            print(f"faults: ticket {number} (load {k}) got {count} acknowledgements: {mail_copies(mailbox, k, t0)}; "
                  f"faults at {[f'{f.name} +{f.at - t0:.1f} s' for f in faults]}; history: "
                  f"{await delivery_story(address, number)}")
        # Every ticket got its acknowledgement, and only one mail (one Message-ID). A worker killed
        # after the SMTP server took a mail and before the outbox recorded it sent has that row sent
        # again by the retried activity: the same mail, same Message-ID, which mail systems take
        # as one (activities/delivery.py). That window is milliseconds wide; one killed worker can
        # leave at most the deliveries it had in flight, so more than one such copy is a bug.
        assert [k for k, c in copies.items() if c == 0] == [], "tickets whose acknowledgement never came"
        assert {k: c for k, c in message_ids.items() if c != 1} == {}, "tickets with more than one acknowledgement mail"
        assert sum(copies.values()) - TICKETS <= 1, f"identical copies re-sent: {twice}"
        assert {n: c for n, c in note_counts.items() if c != 1} == {}, "notes applied, where not exactly once"
    finally:
        await watch.stop()
        await desk.close()
        for proc in [*apis, *workers, server]:
            stop(proc)
        mailbox.stop()
        engine.dispose()
        db.drop()


async def note_applications(desk: Desk, sessions, noted: list[int]) -> dict[int, int]:
    """Per noted ticket: how often its note is in the workflow's conversation and in the read
    model's events (the smaller of the two; both must be 1), once the read model has it."""
    out: dict[int, int] = {}
    for n in noted:
        r = await desk.request("GET", f"/tickets/{n}")
        assert r.status_code == 200, r.text
        in_view = sum(1 for c in r.json()["conversation"] if c["body"].startswith("note during "))
        deadline = time.monotonic() + 30
        while True:
            with sessions() as s:
                in_events = s.scalar(select(func.count()).select_from(TicketEventRow).where(
                    TicketEventRow.number == n, TicketEventRow.kind == "note"))
            if in_events >= in_view or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        out[n] = in_view if in_view == in_events else -1
    return out


# --- 3: the read model's PostgreSQL crashes under load and comes back ---------------------------------

PG_TICKETS = 200  # at RATE: 40 s of load, the crash in the middle
PG_DOWN_S = 5.0  # short of the intake activities' retries (5 attempts, 1+2+4+8 s apart): they catch up


async def read_during_outage(desk: Desk, numbers: list[int], until: asyncio.Event, seen: Counter,
                             bodies: list[str]) -> None:
    """Reads an agent makes all the time: the list, a ticket, its events. Each answer is counted
    by (status, error type); never retried."""
    paths = ["/tickets?limit=5", *(p for n in numbers[:3] for p in (f"/tickets/{n}", f"/tickets/{n}/events"))]
    for path in itertools.cycle(paths):
        if until.is_set():
            return
        try:
            r = await desk.request("GET", path, retry=False)
        except httpx.TransportError as err:
            seen[(type(err).__name__, "")] += 1
        else:
            try:
                kind = r.json().get("error", {}).get("type", "") if r.status_code >= 400 else ""
            except ValueError:  # not the Error shape (Starlette's plain "Internal Server Error")
                kind = r.text[:40]
            seen[(r.status_code, kind)] += 1
            if r.status_code == 500 and len(bodies) < 3:
                bodies.append(f"GET {path}: {r.text[:200]}")
        await asyncio.sleep(0.1)


async def test_read_model_postgres_crash_under_load_loses_nothing(tmp_path):
    problem = PrivatePostgres.unavailable()
    if problem:
        pytest.skip(f"cannot run a private PostgreSQL here: {problem}")
    wall0 = time.monotonic()
    pg = PrivatePostgres().init()
    engine, sessions = seeded_database(pg.url)
    token = admin_token(sessions)
    mailbox = timed_mailbox()
    port, ui = free_port(), free_port()
    address = f"127.0.0.1:{port}"
    env = process_env(address, pg.url, "faults-pg", mailbox, tmp_path)
    api_port = free_port()
    base = f"http://127.0.0.1:{api_port}"
    server = start_dev_server(tmp_path, port, ui, tmp_path / "temporal.log")
    await connect(address)
    workers = [start_servicedesk("worker", env, tmp_path / f"worker-{i}.log") for i in range(2)]
    api = start_api(env, api_port, tmp_path / "api.log")
    desk = Desk([base], token)
    watch = ReadModelWatch(sessions)
    try:
        await asyncio.to_thread(wait_for, lambda: healthy(base), 60, "the API")
        watch.start()
        load = Load()
        keys = [(k, f"load-{k}") for k in range(PG_TICKETS)]
        outage: Counter = Counter()
        bodies: list[str] = []
        window: dict[str, float] = {}

        async def crash_during_load() -> None:
            while load.answered_count() < PG_TICKETS * 0.4:
                await asyncio.sleep(0.05)
            first = sorted(load.answered, key=load.answered.get)
            done = asyncio.Event()
            window["lag"] = len(set(load.number.values()) - watch.seen.keys())
            window["at"] = time.monotonic()
            await asyncio.to_thread(pg.crash)
            reads = asyncio.create_task(read_during_outage(desk, [load.number[k] for k in first], done, outage, bodies))
            try:
                await asyncio.sleep(PG_DOWN_S)
            finally:
                done.set()
                await asyncio.to_thread(pg.start)
                window["up"] = time.monotonic()
            await reads

        controller = asyncio.create_task(crash_during_load())
        await open_tickets(desk, load, keys, RATE)
        await controller
        numbers = set(load.number.values())
        assert len(numbers) == PG_TICKETS
        await watch.all_of(numbers, 120, "after PostgreSQL came back")
        fault = Fault("PostgreSQL crash", window["at"], 0, int(window["lag"]), down_s=window["up"] - window["at"])
        fault.recovery_s, fault.answers_gap_s = recovery(fault, load, watch.seen)

        ks = [k for k, _ in keys]
        await wait_for_acks(mailbox, ks, 60)
        await asyncio.sleep(2)
        copies, message_ids = acknowledgements(mailbox, ks)
        projected = check_read_model(sessions, numbers)
        await check_temporal(address, numbers, projected)
        with sessions() as s:
            untriaged = s.scalar(select(func.count()).select_from(TicketRow).where(TicketRow.sla_policy.is_(None)))

        print(f"\nfaults: {PG_TICKETS} tickets, read model on a private PostgreSQL crashed (pg_ctl stop -m immediate) "
              f"for {fault.down_s:.1f} s at ticket {sum(1 for t in load.answered.values() if t < fault.at)} "
              f"(lag {fault.lag_before}): {PG_TICKETS - len(numbers & watch.seen.keys())} lost, "
              f"{PG_TICKETS - len(numbers)} duplicated, {sum(message_ids.values())} acknowledgements "
              f"({sum(copies.values()) - sum(message_ids.values())} identical copies re-sent), {untriaged} without an SLA policy")
        print(f"faults: recovery {fault.recovery_s:.1f} s from the crash ({fault.recovery_s - fault.down_s:.1f} s after "
              f"PostgreSQL was back); "
              f"reads during the outage answered {dict(outage)}; the load's client saw {dict(desk.statuses)}; "
              f"whole test {time.monotonic() - wall0:.1f} s")

        assert untriaged == 0, "tickets that went on without triage: the outage outlasted the intake retries"
        assert [k for k, c in copies.items() if c == 0] == [], "tickets whose acknowledgement never came"
        assert {k: c for k, c in message_ids.items() if c != 1} == {}, "tickets with more than one acknowledgement mail"
        assert sum(outage.values()) > 10, outage
        assert not [k for k in outage if k[0] == 500], f"500 during the outage: {dict(outage)}; {bodies}"
        assert set(outage) == {(503, "DatabaseUnavailable")}, f"reads during the outage: {dict(outage)}"
        assert not desk.server_errors, f"500 answers to the load: {desk.server_errors[:3]}"
    finally:
        await watch.stop()
        await desk.close()
        for proc in [api, *workers, server]:
            stop(proc)
        mailbox.stop()
        engine.dispose()
        pg.close()
