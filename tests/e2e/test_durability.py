"""Durability with real processes: a SIGKILLed worker and a restarted dev server lose
nothing. The dev server persists to SQLite in a temporary data folder; the worker is
`python -m servicedesk worker`; the read model is SQLite."""

from __future__ import annotations

import asyncio
import signal

import pytest

from api.gateway import TicketGateway
from models.queries import ticket_events
from tests.e2e.procs import connect, free_port, seeded_readmodel, start_dev_server, start_servicedesk, stop
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


async def test_worker_sigkill_and_server_restart_lose_nothing(tmp_path):
    port, ui = free_port(), free_port()
    address = f"127.0.0.1:{port}"
    db_url, engine, sessions = seeded_readmodel(tmp_path)
    env = {"SERVICEDESK_TEMPORAL_ADDRESS": address, "DATABASE_URL": db_url, "SERVICEDESK_TASK_QUEUE": "durability"}
    server = start_dev_server(tmp_path, port, ui, tmp_path / "temporal.log")
    worker = start_servicedesk("worker", env, tmp_path / "worker.log")
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

