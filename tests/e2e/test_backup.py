"""`servicedesk backup` / `servicedesk restore` (servicedesk/backup.py, docs/operations.md
"Backups"): a backup taken while the desk runs, restored into a new data folder, brings back every
ticket (the live view and the read model's row), its whole Temporal history and its audit trail,
the same admin token and link key; the restored desk carries on, and hands out no number twice.
The refusals (a damaged backup, a folder in use, data already there) need no servers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from api.tickets.gateway import TicketGateway
from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.queries import ticket_events
from models.settings import Settings
from models.tables import TicketIntake, TicketRow
from servicedesk.backup import BackupError, backup, restore
from tests.conftest import IN_CI
from servicedesk.processes import connect, free_port, stop
from tests.e2e.procs import banner_token, start_dev, wait_for


def _cli(*args: str, data: Path, temporal: str = "127.0.0.1:1") -> subprocess.CompletedProcess:
    env = {**os.environ, "SERVICEDESK_DATA_DIR": str(data), "SERVICEDESK_TEMPORAL_ADDRESS": temporal}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "servicedesk", *args], env=env, cwd=data.parent,
                          capture_output=True, text=True, timeout=120)


def _rows(data: Path) -> tuple[dict, dict]:
    """The read model's ticket rows and audit trails, as plain values."""
    engine = make_engine(f"sqlite:///{data / 'servicedesk.db'}")
    try:
        with make_sessions(engine)() as s:
            rows = {r.number: {c.name: getattr(r, c.name) for c in TicketRow.__table__.columns}
                    for r in s.scalars(select(TicketRow))}
            trails = {n: [(e.seq, e.kind, e.at, e.actor_id, e.status_from, e.status_to, e.data)
                          for e in ticket_events(s, n)] for n in rows}
        return rows, trails
    finally:
        engine.dispose()


async def _temporal(address: str, numbers: list[int]) -> tuple[dict, dict]:
    """Each ticket's live view and its workflow history (event id and type of every event)."""
    client = await connect(address)
    gateway = TicketGateway(client, "tickets")
    views = {n: await gateway.view(n) for n in numbers}
    histories = {}
    for n in numbers:
        history = await client.get_workflow_handle(f"ticket-{n}").fetch_history()
        histories[n] = [(e.event_id, e.event_type) for e in history.events]
    return views, histories


@pytest.mark.slow
def test_a_backup_taken_while_the_desk_runs_restores_every_ticket_and_its_history(tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICEDESK_SMTP_PORT", str(free_port()))  # each desk's own mail sink, not a shared 1025
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    ports = {"temporal": free_port(), "ui": free_port(), "api": free_port(), "smtp": free_port()}
    address, api = f"127.0.0.1:{ports['temporal']}", f"http://127.0.0.1:{ports['api']}"
    log = first / "dev.log"
    proc = start_dev(first, ports, log)
    try:
        token = wait_for(lambda: banner_token(log), timeout=120, what="the start-up banner")
        h = {"Authorization": f"Bearer {token}"}
        numbers = []
        for subject in ("VPN is down", "Printer jams", "Invoice is wrong"):
            r = httpx.post(f"{api}/tickets", headers=h, timeout=30, json={
                "subject": subject, "description": "backup test", "requester": {"email": "dana@customer.example"}})
            assert r.status_code == 201, r.text
            numbers.append(r.json()["number"])
        one, two, three = numbers
        for n, body in ((one, {"kind": "reply", "body": "We are on it."}),
                        (two, {"kind": "note", "body": "Checked the toner"}),
                        (two, {"kind": "pend", "reason": "Asked for the model"}),
                        (three, {"kind": "resolve", "resolution": "Credit note sent"})):
            r = httpx.post(f"{api}/tickets/{n}/actions", headers=h, json=body, timeout=30)
            assert r.status_code == 200, r.text

        # Quiet: the read model has every ticket up to its view's last event, and no history grows.
        def settled():
            views, histories = asyncio.run(_temporal(address, numbers))
            rows, _ = _rows(first / "data")
            if all(n in rows and rows[n]["last_seq"] == views[n].ticket.last_seq for n in numbers):
                return views, histories
            return None
        views, histories = wait_for(settled, timeout=60, what="the read model catching up")
        while (again := wait_for(settled, timeout=60, what="quiet"))[1] != histories:
            views, histories = again
        rows, trails = _rows(first / "data")
        assert [views[n].ticket.status for n in numbers] == ["open", "pending", "resolved"]

        r = _cli("backup", str(tmp_path / "backup"), data=first / "data", temporal=address)
        assert r.returncode == 0, r.stderr
        assert "backed up 3 ticket(s)" in r.stdout
        # Written after the backup: the restored desk must not have it (a backup is a point in time).
        r = httpx.post(f"{api}/tickets/{one}/actions", headers=h, json={"kind": "note", "body": "after the backup"})
        assert r.status_code == 200, r.text
    finally:
        stop(proc, signal.SIGINT, timeout=60)

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert set(manifest["files"]) == {"temporal.db", "servicedesk.db", "secret-key", "dev-token"}
    r = _cli("restore", str(tmp_path / "backup"), data=second / "data", temporal=address)
    assert r.returncode == 0, r.stderr
    assert (second / "data" / "secret-key").read_text() == (first / "data" / "secret-key").read_text()

    log = second / "dev.log"
    proc = start_dev(second, ports, log)
    try:
        assert wait_for(lambda: banner_token(log), timeout=120, what="the restored desk's banner") == token
        after_views, after_histories = asyncio.run(_temporal(address, numbers))
        for n in numbers:
            assert after_views[n] == views[n], n
            # The whole history is back (a restarted desk may add to it, never lose any of it).
            assert after_histories[n][:len(histories[n])] == histories[n], n
        assert "after the backup" not in [c.body for c in after_views[one].conversation]
        after_rows, after_trails = _rows(second / "data")
        assert after_rows == rows and after_trails == trails
        listed = httpx.get(f"{api}/tickets", headers=h, timeout=30).json()
        assert sorted(t["number"] for t in listed["items"]) == numbers
        events = httpx.get(f"{api}/tickets/{two}/events", headers=h, timeout=30).json()
        assert len(events["items"] if isinstance(events, dict) else events) == len(trails[two])

        # The restored desk carries on: actions apply, and the next ticket gets a new number.
        r = httpx.post(f"{api}/tickets/{two}/actions", headers=h, json={"kind": "resume"}, timeout=30)
        assert r.status_code == 200 and r.json()["status"] == "open", r.text
        r = httpx.post(f"{api}/tickets", headers=h, timeout=30, json={
            "subject": "After the restore", "description": "x", "requester": {"email": "dana@customer.example"}})
        assert r.status_code == 201 and r.json()["number"] == max(numbers) + 1, r.text
    finally:
        stop(proc, signal.SIGINT, timeout=60)


# --- the refusals and the intake ledger, on small files -------------------------------------


def _data_folder(path: Path) -> Settings:
    """A data folder with a stand-in Temporal file (any SQLite database in WAL mode) and a
    migrated read model."""
    path.mkdir(parents=True)
    conn = sqlite3.connect(path / "temporal.db")
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("CREATE TABLE executions (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO executions (body) VALUES ('ticket-1')")
    conn.commit()
    conn.close()
    settings = Settings(data_dir=path, database_url="", temporal_address=f"127.0.0.1:{free_port()}")
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    engine.dispose()
    return settings


def test_backup_and_restore_refuse_what_would_lose_data(tmp_path):
    settings = _data_folder(tmp_path / "data")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(BackupError, match="not empty"):
        backup(settings, tmp_path / "busy")
    with pytest.raises(BackupError, match="nothing to back up"):
        backup(Settings(data_dir=tmp_path / "nowhere", database_url=""), tmp_path / "b0")
    backup(settings, tmp_path / "b1")

    # Data already in the target folder: only with --force, and a stale WAL beside it goes.
    r = _cli("restore", str(tmp_path / "b1"), data=tmp_path / "data", temporal=settings.temporal_address)
    assert r.returncode == 2 and "already there" in r.stderr and "--force" in r.stderr, r.stderr
    (tmp_path / "data" / "temporal.db-wal").write_bytes(b"stale")
    r = _cli("restore", "--force", str(tmp_path / "b1"), data=tmp_path / "data", temporal=settings.temporal_address)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "data" / "temporal.db-wal").exists()
    assert sqlite3.connect(tmp_path / "data" / "temporal.db").execute("SELECT body FROM executions").fetchall() == [
        ("ticket-1",)]

    # A damaged or incomplete backup restores nothing.
    target = Settings(data_dir=tmp_path / "new", database_url="", temporal_address=settings.temporal_address)
    with (tmp_path / "b1" / "servicedesk.db").open("r+b") as f:
        f.seek(200)
        f.write(b"\xff")
    with pytest.raises(BackupError, match="damaged"):
        restore(target, tmp_path / "b1")
    assert not (tmp_path / "new").exists()
    with pytest.raises(BackupError, match="not a backup"):
        restore(target, tmp_path / "busy")


def test_restore_leaves_requests_started_after_the_temporal_snapshot_to_the_sweeper(tmp_path):
    """A ticket whose workflow started between the two snapshots is in the read model's ledger
    but not in the Temporal copy: restore marks it unstarted, so the API's sweeper starts it from
    its request (starting one that exists is a no-op). Older ones stay started."""
    settings = _data_folder(tmp_path / "data")
    engine = make_engine(settings.resolved_database_url)
    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    with make_sessions(engine).begin() as s:
        for number, started in ((1, long_ago), (2, datetime.now(timezone.utc) + timedelta(seconds=1)), (3, None)):
            s.add(TicketIntake(number=number, request_hash="h", request={}, created_at=long_ago, started_at=started))
    engine.dispose()
    backup(settings, tmp_path / "b")
    restore(Settings(data_dir=tmp_path / "new", database_url="", temporal_address=settings.temporal_address),
            tmp_path / "b")
    engine = make_engine(f"sqlite:///{tmp_path / 'new' / 'servicedesk.db'}")
    with make_sessions(engine)() as s:
        started = {i.number: i.started_at is not None for i in s.scalars(select(TicketIntake))}
    engine.dispose()
    assert started == {1: True, 2: False, 3: False}


@pytest.fixture
def scratch_databases(postgres_url):
    """Two databases of the test's own on the PostgreSQL server (dropped afterwards)."""
    import uuid

    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    names = [f"backup_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield [make_url(postgres_url).set(database=n).render_as_string(hide_password=False) for n in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_a_postgresql_read_model_goes_through_pg_dump_and_pg_restore(tmp_path, scratch_databases):
    import shutil

    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        if IN_CI:
            pytest.fail("pg_dump and pg_restore are required in CI (Debian's postgresql-client)")
        pytest.skip("no pg_dump/pg_restore: apt-get install postgresql-client")
    source_url, target_url = scratch_databases
    settings = _data_folder(tmp_path / "data")  # the stand-in Temporal file; its SQLite read model is not used
    settings = Settings(data_dir=settings.data_dir, database_url=source_url, temporal_address=settings.temporal_address)
    engine = make_engine(source_url)
    upgrade(engine)
    long_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    with make_sessions(engine).begin() as s:
        s.add(TicketIntake(number=7, request_hash="h", request={"ticket": {"subject": "kept"}}, created_at=long_ago,
                           started_at=long_ago))
        s.add(TicketIntake(number=8, request_hash="h", request={}, created_at=long_ago,
                           started_at=datetime.now(timezone.utc) + timedelta(seconds=1)))
    engine.dispose()

    manifest = backup(settings, tmp_path / "b")
    assert manifest["readmodel"] == "postgresql" and "servicedesk.pgdump" in manifest["files"]
    target = Settings(data_dir=tmp_path / "new", database_url=target_url, temporal_address=settings.temporal_address)
    restore(target, tmp_path / "b")
    engine = make_engine(target_url)
    with make_sessions(engine)() as s:
        intake = {i.number: (i.request, i.started_at is not None) for i in s.scalars(select(TicketIntake))}
        assert s.scalar(select(func.count()).select_from(TicketRow)) == 0
    engine.dispose()
    assert intake == {7: ({"ticket": {"subject": "kept"}}, True), 8: ({}, False)}
    assert (tmp_path / "new" / "temporal.db").exists()
    with pytest.raises(BackupError, match="already there"):
        restore(target, tmp_path / "b")
    restore(target, tmp_path / "b", force=True)  # --clean: the same rows again, not twice
    engine = make_engine(target_url)
    with make_sessions(engine)() as s:
        assert s.scalar(select(func.count()).select_from(TicketIntake)) == 2
    engine.dispose()
