"""Retention: ended tickets' histories are archived into the read model's database (by the
AuditArchive workflow, on a Temporal Schedule) and stay readable, verifiable and replayable
after Temporal has deleted them. Real dev server, real worker, both databases."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from activities.archive import LOST_NOTE
from models.audit import manifest
from servicedesk.audit import replay_export
from servicedesk.schedules import ARCHIVE_SCHEDULE_ID, ensure_archive_schedule
from tests.api.conftest import running_desk
from tests.conftest import worker_settings
from tests.portal.helpers import SECRET, link
from workflows.activity_io import ArchiveInput, ArchiveResult
from workflows.archive import AuditArchiveWorkflow

pytestmark = pytest.mark.slow


@pytest.fixture
async def desk(dev_server, database, task_queue):
    async with running_desk(dev_server, database, task_queue, secret_key=SECRET) as d:
        yield d


async def _closed(desk, subject: str) -> int:
    """A ticket replied to, resolved and confirmed by its customer (so: closed, survey sent)."""
    number = (await desk.create(subject=subject, description="It broke")).json()["number"]
    await desk.wait_routed(number)
    assert (await desk.act(number, kind="reply", body="On it.")).status_code == 200
    assert (await desk.act(number, kind="resolve", resolution="Fixed.")).status_code == 200
    await desk.wait_for(number, lambda t: t["status"] == "resolved")
    r = await desk.http.post(f"{link(number, 'confirm')}/confirmation", data={"decision": "confirm"})
    assert r.status_code == 200
    await desk.wait_for(number, lambda t: t["status"] == "closed")
    return number


async def _ended(desk, subject: str) -> int:
    """A closed ticket whose customer answered the survey: its workflow has ended."""
    number = await _closed(desk, subject)
    assert (await desk.http.post(f"{link(number, 'survey')}/survey", data={"csat": "5"})).status_code == 200
    await _wait_status(desk.temporal, number, WorkflowExecutionStatus.COMPLETED)
    return number


async def _wait_status(client: Client, number: int, status: WorkflowExecutionStatus, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (await client.get_workflow_handle(f"ticket-{number}").describe()).status != status:
        assert asyncio.get_running_loop().time() < deadline, f"ticket {number}'s workflow never got {status}"
        await asyncio.sleep(0.1)


async def _forget(client: Client, number: int) -> None:
    """What Temporal's retention does to a closed workflow: delete its history. Waits until it
    is gone, which takes the dev server about 35 s."""
    await client.workflow_service.delete_workflow_execution(DeleteWorkflowExecutionRequest(
        namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=f"ticket-{number}")))
    deadline = asyncio.get_running_loop().time() + 120
    while True:
        try:
            await client.get_workflow_handle(f"ticket-{number}").describe()
        except RPCError as err:
            assert err.status == RPCStatusCode.NOT_FOUND
            return
        assert asyncio.get_running_loop().time() < deadline, f"ticket-{number} was never deleted"
        await asyncio.sleep(0.5)


async def _archive(desk, batch: int = 50) -> ArchiveResult:
    """One run of the workflow the schedule starts, on the desk's worker."""
    return await desk.temporal.execute_workflow(
        AuditArchiveWorkflow.run, ArchiveInput(batch=batch), id=f"archive-test-{uuid.uuid4().hex[:8]}",
        task_queue=desk.app.state.settings.task_queue, result_type=ArchiveResult)


async def _archives(desk) -> dict[int, dict]:
    r = await desk.http.get("/audit/archives", headers=desk.auth("auditor"))
    assert r.status_code == 200, r.text
    return {item["ticket"]: item for item in r.json()["items"]}


async def test_ended_tickets_are_archived_and_outlive_temporal(desk, tmp_path):
    ended = await _ended(desk, "Mail server down")
    waiting = await _closed(desk, "Printer offline")  # closed, survey not answered: still running
    still_open = (await desk.create(subject="Laptop slow", description="Since Monday")).json()["number"]
    live = (await desk.http.get(f"/tickets/{ended}/history", headers=desk.auth("auditor"))).json()
    assert live["source"] == "temporal"

    # batch=1: the run has to page past the ticket that is still running.
    done = await _archive(desk, batch=1)
    assert (done.archived, done.still_running, done.lost) == ([ended], [waiting], [])
    kept = await _archives(desk)
    assert set(kept) == {ended} and still_open not in kept
    assert kept[ended]["run_count"] == 1 and kept[ended]["event_count"] == sum(r["event_count"] for r in live["runs"])
    digest = kept[ended]["export_digest"]
    assert len(digest) == 64 and kept[ended]["archived_at"].endswith(("Z", "+00:00"))

    # Temporal's retention passes: the history is gone from Temporal, not from the desk.
    await _forget(desk.temporal, ended)
    h = await desk.http.get(f"/tickets/{ended}/history", headers=desk.auth("auditor"))
    assert h.status_code == 200, h.text
    assert h.json()["source"] == "archive" and h.json()["entries"] == live["entries"]
    r = await desk.http.get(f"/tickets/{ended}/export", headers=desk.auth("auditor"))
    assert r.status_code == 200 and r.headers["x-audit-source"] == "archive"
    export = r.json()
    assert export["manifest"]["export_digest"] == digest
    assert manifest.verify(export, digest) == []
    assert await replay_export(export) == []
    assert (await desk.http.get(f"/tickets/{ended}/export", headers=desk.auth("agent"))).status_code == 403

    # A changed byte in the archived export is caught, wherever the copy went.
    tampered = json.loads(json.dumps(export))
    reply = next(e for e in tampered["histories"][0]["events"] if "workflowExecutionUpdateAcceptedEventAttributes" in e)
    t = reply["eventTime"]  # 2026-11-23T20:50:01.123Z: one digit of the seconds moved
    reply["eventTime"] = t[:17] + ("1" if t[17] != "1" else "2") + t[18:]
    problems = manifest.verify(tampered, digest)
    assert any(f"event {reply['eventId']} " in p and "does not match its digest" in p for p in problems), problems

    # Archiving again changes nothing; the survey answered later lets the other one end and go in.
    again = await _archive(desk)
    assert (again.archived, again.still_running) == ([], [waiting])
    assert (await desk.http.post(f"{link(waiting, 'survey')}/survey", data={"csat": "3"})).status_code == 200
    await _wait_status(desk.temporal, waiting, WorkflowExecutionStatus.COMPLETED)
    assert (await _archive(desk)).archived == [waiting]
    kept = await _archives(desk)
    assert set(kept) == {ended, waiting} and kept[ended]["export_digest"] == digest


async def test_a_history_deleted_before_archiving_is_on_record_as_lost(desk):
    number = await _ended(desk, "Badge reader broken")
    await _forget(desk.temporal, number)
    done = await _archive(desk)
    assert (done.archived, done.lost) == ([], [number])
    kept = await _archives(desk)
    assert kept[number]["export_digest"] is None and kept[number]["note"] == LOST_NOTE
    r = await desk.http.get(f"/tickets/{number}/history", headers=desk.auth("auditor"))
    assert r.status_code == 404 and r.json()["error"]["fields"][0]["message"] == LOST_NOTE
    assert (await _archive(desk)).lost == []  # on record once, not retried


async def test_the_schedule_archives_on_its_own(dev_server, database, task_queue):
    settings = worker_settings(task_queue, archive_every_minutes=60)
    client = dev_server.client
    handle = client.get_schedule_handle(ARCHIVE_SCHEDULE_ID)
    async with running_desk(dev_server, database, task_queue, secret_key=SECRET) as desk:
        number = await _ended(desk, "Wi-Fi drops")
        await ensure_archive_schedule(client, settings)
        try:
            described = await handle.describe()
            assert described.schedule.spec.intervals[0].every == timedelta(minutes=60)
            assert described.schedule.action.task_queue == task_queue
            await ensure_archive_schedule(client, settings.model_copy(update={"archive_every_minutes": 5}))
            assert (await handle.describe()).schedule.spec.intervals[0].every == timedelta(minutes=5)

            await handle.trigger()  # what the interval does every few minutes
            deadline = asyncio.get_running_loop().time() + 30
            while number not in await _archives(desk):
                assert asyncio.get_running_loop().time() < deadline, "the scheduled run never archived the ticket"
                await asyncio.sleep(0.2)
        finally:
            await ensure_archive_schedule(client, settings.model_copy(update={"archive_every_minutes": 0}))
    with pytest.raises(RPCError):
        await handle.describe()  # turned off: the schedule is gone


async def test_the_cli_archives_now_and_reads_the_archive(dev_server, sqlite_database, task_queue, tmp_path):
    # SQLite only: the CLI reaches the database by its URL, and the PostgreSQL fixture isolates
    # each test in a schema of its own that a URL cannot name.
    async with running_desk(dev_server, sqlite_database, task_queue, secret_key=SECRET) as desk:
        await _cli_archives_now_and_reads_the_archive(desk, sqlite_database, tmp_path)


async def _cli_archives_now_and_reads_the_archive(desk, database, tmp_path) -> None:
    number = await _ended(desk, "VPN certificate expired")
    env = {**os.environ, "DATABASE_URL": database.url,
           "SERVICEDESK_TEMPORAL_ADDRESS": desk.temporal.service_client.config.target_host}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "servicedesk", "audit", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    r = await asyncio.to_thread(cli, "archive")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("archived 1 ticket(s); 0 closed but still running"), r.stdout
    assert number in await _archives(desk)
    await _forget(desk.temporal, number)
    out = tmp_path / "export.json"
    r = await asyncio.to_thread(cli, "export", str(number), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert (await _archives(desk))[number]["export_digest"] in r.stdout
    assert (await asyncio.to_thread(cli, "verify", str(out))).returncode == 0
    r = await asyncio.to_thread(cli, "timeline", str(number))
    assert r.returncode == 0 and "action resolve by" in r.stdout, r.stdout
