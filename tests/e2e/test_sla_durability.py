"""Escalations survive process death, with real processes: the worker is SIGKILLed before a
deadline and comes back after it; the dev server is stopped across another deadline. Each
escalation fires exactly once (one notification per person), and its lateness is recorded."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from api.tickets.gateway import TicketGateway
from models.tables import Notification, SlaMilestoneRow, SlaPolicy
from servicedesk.processes import connect, free_port, start_dev_server, stop
from tests.e2e.procs import seeded_readmodel, start_servicedesk
from workflows import messages as m

pytestmark = pytest.mark.slow
SAM = m.Actor(kind="agent", id="sam@demo.example", name="Sam Support")
TARGET = 12  # seconds to first response, around the clock


async def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = await check()
        except Exception:
            result = None
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s")


def _fired(sessions, number: int) -> list[SlaMilestoneRow]:
    with sessions() as s:
        return list(s.scalars(select(SlaMilestoneRow).where(SlaMilestoneRow.number == number).order_by(SlaMilestoneRow.seq)))


def _notes(sessions, number: int) -> list[tuple[str, str]]:
    with sessions() as s:
        return [tuple(r) for r in s.execute(select(Notification.kind, Notification.recipient).where(
            Notification.number == number, Notification.kind.startswith("sla_")).order_by(Notification.id))]


async def _open_ticket(gateway: TicketGateway, number: int) -> m.TicketView:
    await gateway.start(m.TicketInput(number=number, subject=f"Ticket {number}", description="sla durability",
                                      requester_email="dana@customer.example", category="e2e", created_by=SAM))
    return await _until(lambda: _intake_done(gateway, number), 60, f"intake of {number}")


async def _intake_done(gateway: TicketGateway, number: int):
    view = await gateway.view(number)
    return view if view is not None and view.ticket.sla_policy == "E2E" else None


async def test_escalation_fires_once_across_worker_kill_and_server_restart(tmp_path):
    port, ui = free_port(), free_port()
    address = f"127.0.0.1:{port}"
    db_url, engine, sessions = seeded_readmodel(tmp_path)
    with sessions.begin() as s:
        s.add(SlaPolicy(name="E2E", priority="normal", category="e2e", first_response_seconds=TARGET,
                        escalations=[{"level": 1, "after_minutes": 0, "notify": ["assignee", "team_lead"]}]))
    env = {"SERVICEDESK_TEMPORAL_ADDRESS": address, "DATABASE_URL": db_url, "SERVICEDESK_TASK_QUEUE": "sla-e2e"}
    server = start_dev_server(tmp_path, port, ui, tmp_path / "temporal.log")
    worker = start_servicedesk("worker", env, tmp_path / "worker.log")
    try:
        gateway = TicketGateway(await connect(address), "sla-e2e")

        # 1. The worker dies before the deadline and returns well after it.
        view = await _open_ticket(gateway, 1)
        due = next(c.due_at for c in view.sla if c.name == "first_response")
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        await asyncio.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 4)
        assert _fired(sessions, 1) == []  # nobody could fire it
        worker = start_servicedesk("worker", env, tmp_path / "worker2.log")
        fired = await _until(lambda: _escalated(sessions, 1), 60, "escalation after the worker came back")
        assert [f.milestone for f in fired] == ["first_response#0:breach:100", "first_response#0:escalation:1"]
        assert all(f.lateness_ms >= 3_000 for f in fired), [f.lateness_ms for f in fired]  # late, and it says so

        # 2. The dev server stops before the next ticket's deadline and starts after it.
        view = await _open_ticket(gateway, 2)
        due = next(c.due_at for c in view.sla if c.name == "first_response")
        stop(server)
        await asyncio.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()) + 2)
        server = start_dev_server(tmp_path, port, ui, tmp_path / "temporal.log")
        fired2 = await _until(lambda: _escalated(sessions, 2), 90, "escalation after the server came back")
        assert [f.milestone for f in fired2] == ["first_response#0:breach:100", "first_response#0:escalation:1"]

        # Give any duplicate a chance to appear, then check there is none.
        await asyncio.sleep(3)
        for number in (1, 2):
            assert len(_fired(sessions, number)) == 2
            assignee = (await gateway.view(number)).ticket.assignee
            assert _notes(sessions, number) == [("sla_breach", assignee), ("sla_escalation", assignee),
                                                ("sla_escalation", "sue@demo.example")]
    finally:
        stop(worker)
        stop(server)
        engine.dispose()


async def _escalated(sessions, number: int):
    fired = _fired(sessions, number)
    return fired if any(f.kind == "escalation" for f in fired) else None
