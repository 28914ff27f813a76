"""Durability with real processes: a SIGKILLed worker and a restarted dev server lose
nothing. The dev server persists to SQLite in a temporary data folder; the worker is
`python -m servicedesk worker`; the read model is SQLite."""

from __future__ import annotations

import asyncio
import signal

import pytest

from api.tickets.gateway import TicketGateway
from models.queries import ticket_events
from servicedesk.processes import connect, free_port, start_dev_server, stop
from tests.e2e.procs import seeded_readmodel, start_servicedesk
from workflows import messages as m

pytestmark = pytest.mark.slow
SAM = m.Actor(kind="agent", id="sam@demo.example", name="Sam Support")


async def _views(gateway: TicketGateway, numbers: list[int]) -> dict[int, m.TicketView]:
    return {n: await gateway.view(n) for n in numbers}


async def _eventually(check, timeout: float = 60.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)


def _start(tmp_path, queue: str, worker_log: str):
    """A dev server on SQLite in `tmp_path`, a seeded SQLite read model, one worker process on
    `queue`: (port, ui port, worker env, engine, sessions, server, worker)."""
    port, ui = free_port(), free_port()
    db_url, engine, sessions = seeded_readmodel(tmp_path)
    env = {"SERVICEDESK_TEMPORAL_ADDRESS": f"127.0.0.1:{port}", "DATABASE_URL": db_url, "SERVICEDESK_TASK_QUEUE": queue}
    server = start_dev_server(tmp_path, port, ui, tmp_path / "temporal.log")
    worker = start_servicedesk("worker", env, tmp_path / worker_log)
    return port, ui, env, engine, sessions, server, worker


async def test_worker_sigkill_and_server_restart_lose_nothing(tmp_path):
    port, ui, env, engine, sessions, server, worker = _start(tmp_path, "durability", "worker.log")
    address = f"127.0.0.1:{port}"
    try:
        client = await connect(address)
        gateway = TicketGateway(client, "durability")
        numbers = list(range(1, 9))
        for n in numbers[:4]:
            await gateway.start(m.TicketInput(number=n, subject=f"Ticket {n}", description="durability",
                                              requester_email="dana@customer.example", created_by=SAM))
        await _eventually(lambda: _all_routed(gateway, numbers[:4]))

        # Kill the worker without warning, then keep working: new tickets, signalled actions.
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        for n in numbers[4:]:
            await gateway.start(m.TicketInput(number=n, subject=f"Ticket {n}", description="durability",
                                              requester_email="dana@customer.example", created_by=SAM))
        for n in numbers[:4]:
            await gateway.signal_action(n, m.Note(actor=SAM, body=f"written while no worker ran ({n})"))

        worker = start_servicedesk("worker", env, tmp_path / "worker2.log")
        await _eventually(lambda: _all_routed(gateway, numbers))
        views = await _eventually(lambda: _notes_applied(gateway, numbers[:4]))
        for n in numbers[:4]:
            assert [c.body for c in views[n].conversation] == [f"written while no worker ran ({n})"]
        view = await gateway.act(1, m.Resolve(actor=SAM, resolution="fixed"))
        assert view.ticket.status == "resolved"

        # Stop the dev server and start it again on the same data folder.
        assert stop(server) is not None
        server = start_dev_server(tmp_path, port, ui, tmp_path / "temporal.log")
        client = await connect(address)
        gateway = TicketGateway(client, "durability")
        after = await _eventually(lambda: _all_routed(gateway, numbers))
        assert after[1].ticket.status == "resolved"
        assert [c.body for c in after[2].conversation] == ["written while no worker ran (2)"]
        closed = await gateway.act(1, m.Close(actor=SAM))
        assert closed.ticket.status == "closed"
        view = await gateway.act(5, m.Reply(actor=SAM, body="after the restart"))
        assert view.ticket.status == "open"

        # The read model follows the answers (by about one activity round trip) and saw every
        # event exactly once, in order.
        async def caught_up() -> bool:
            with sessions() as s:
                return all(len(ticket_events(s, n)) >= v.ticket.last_seq for n, v in ((1, closed), (5, view)))
        await _eventually(caught_up)
        with sessions() as s:
            for n in numbers:
                seqs = [e.seq for e in ticket_events(s, n)]
                assert seqs == list(range(1, len(seqs) + 1)), (n, seqs)
            assert [e.kind for e in ticket_events(s, 1)][-2:] == ["resolve", "close"]
    finally:
        stop(worker)
        stop(server)
        engine.dispose()


async def _all_routed(gateway: TicketGateway, numbers: list[int]):
    try:
        views = await _views(gateway, numbers)
    except Exception:
        return None
    if all(v is not None and v.ticket.last_seq >= 4 for v in views.values()):
        return views
    return None


async def _notes_applied(gateway: TicketGateway, numbers: list[int]):
    views = await _views(gateway, numbers)
    return views if all(len(v.conversation) == 1 for v in views.values()) else None



async def test_a_killed_workers_work_moves_on_in_seconds(tmp_path):
    """A worker SIGKILLed in the middle of an activity (here a commit waiting on a read model
    that another writer holds) sends no failure: the server learns it only from a timeout. The
    activities heartbeat, so the commit is retried on the next worker after the heartbeat
    timeout (5 s), not the commit's start-to-close timeout (60 s). A ticket the dead worker had in
    its cache answers its next action once the server gives up on the dead worker's sticky queue
    (the SDK's 10 s default) and hands the task to the next worker."""
    import sqlite3
    import time

    from temporalio.client import WorkflowHandle

    from workflows.activity_io import HEARTBEAT_TIMEOUT
    from workflows.activity_specs import COMMIT

    port, _, env, engine, sessions, server, worker = _start(tmp_path, "kill", "worker1.log")
    address = f"127.0.0.1:{port}"
    lock = None
    try:
        gateway = TicketGateway(await connect(address), "kill")
        for n in (1, 2):
            await gateway.start(m.TicketInput(number=n, subject=f"Ticket {n}", description="kill",
                                              requester_email="dana@customer.example", created_by=SAM))
        routed = await _eventually(lambda: _all_routed(gateway, [1, 2]))

        async def projected(n: int, seq: int) -> bool:
            with sessions() as s:
                return len(ticket_events(s, n)) >= seq
        for n in (1, 2):
            await _eventually(lambda: projected(n, routed[n].ticket.last_seq))

        # Another writer holds the read model: ticket 1's commit of the note waits on it.
        lock = sqlite3.connect(tmp_path / "readmodel.db", isolation_level=None, timeout=30)
        lock.execute("BEGIN IMMEDIATE")
        noted = await gateway.act(1, m.Note(actor=SAM, body="written as the worker died"))
        handle: WorkflowHandle = gateway._handle(1)

        async def commit_running() -> bool:
            pending = (await handle.describe()).raw_description.pending_activities
            return any(a.activity_type.name == COMMIT.name and a.state == 2 for a in pending)  # 2 = STARTED
        await _eventually(commit_running, timeout=30)

        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed = time.monotonic()
        lock.rollback()
        worker = start_servicedesk("worker", env, tmp_path / "worker2.log")

        async def seconds(step) -> tuple[object, float]:
            result = await step
            return result, time.monotonic() - killed

        # The retried commit, and meanwhile the next action on ticket 2 (in the dead worker's cache).
        (_, commit_after), (replied, action_after) = await asyncio.gather(
            seconds(_eventually(lambda: projected(1, noted.ticket.last_seq), timeout=90)),
            seconds(gateway.act(2, m.Reply(actor=SAM, body="after the kill"))))
        print(f"\nworker SIGKILLed mid-commit: the commit was done by the next worker {commit_after:.1f} s later "
              f"(heartbeat timeout {HEARTBEAT_TIMEOUT.total_seconds():.0f} s, start-to-close "
              f"{COMMIT.timeout.total_seconds():.0f} s); an action on a ticket the dead worker had cached "
              f"answered after {action_after:.1f} s")
        assert replied.ticket.status == "open"
        # Well inside the start-to-close timeout: the heartbeat timeout moved it on.
        assert commit_after < COMMIT.timeout.total_seconds() / 2, commit_after
        with sessions() as s:
            bodies = [e.kind for e in ticket_events(s, 1)]
        assert bodies.count("note") == 1  # retried, applied once
    finally:
        if lock is not None:
            lock.close()
        stop(worker)
        stop(server)
        engine.dispose()
