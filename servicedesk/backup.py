"""`servicedesk backup DEST` / `servicedesk restore SRC`: the embedded default's data folder
(the Temporal dev server's `temporal.db` and the read model) as one consistent pair, while the
desk runs (docs/operations.md, "Backups").

Both files are copied with SQLite's online backup API, each from a read transaction, which in
WAL mode is a snapshot: the copy is the database as it was when the transaction began, whatever
is written meanwhile. Temporal's snapshot is taken first and the read model's right after it,
then both are copied. So the read model is never older than Temporal: every ticket Temporal has
is in its intake ledger (which hands out the numbers, so none is handed out twice after a
restore), and every activity Temporal saw complete has its rows (events, outbox) there. What the
read model may hold beyond Temporal's snapshot is what happened in between (microseconds): an
activity Temporal still has in flight runs again after the restore and finds its rows (it is
idempotent), and a ticket whose workflow started in between is started again from its intake
request by the API's sweeper (restore marks those requests unstarted).

A read model on PostgreSQL (DATABASE_URL) is dumped with pg_dump (custom format) right after
Temporal's snapshot, and restored with pg_restore.

A backup is a folder: temporal.db, servicedesk.db (or servicedesk.pgdump), the link-signing key
(secret-key, unless SERVICEDESK_SECRET_KEY is set) and dev-token when the data folder has them,
and manifest.json with each file's SHA-256, checked before anything is restored.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

TEMPORAL = "temporal.db"
READMODEL_SQLITE = "servicedesk.db"
READMODEL_PGDUMP = "servicedesk.pgdump"
KEPT = ("secret-key", "dev-token")  # small files of the data folder that go with the databases
MANIFEST = "manifest.json"
FORMAT = 1
# Intake requests ledgered as started this close to (or after) Temporal's snapshot are marked
# unstarted on restore, so the sweeper starts any whose workflow the Temporal copy lacks.
RESTART_WINDOW = timedelta(seconds=5)


class BackupError(Exception):
    """What was wrong, for the operator; nothing was changed."""


def add_parser(sub: Any) -> None:
    b = sub.add_parser("backup", help="copy the data folder's Temporal database and read model, consistently, while the desk runs")
    b.add_argument("dest", help="a new (or empty) folder for the backup")
    r = sub.add_parser("restore", help="put a backup into the data folder (SERVICEDESK_DATA_DIR); the desk must be stopped")
    r.add_argument("src", help="a folder made by `servicedesk backup`")
    r.add_argument("--force", action="store_true", help="replace the databases already in the data folder")


def run(args: argparse.Namespace, settings: Any) -> int:
    try:
        if args.command == "backup":
            m = backup(settings, Path(args.dest))
            print(f"backed up {m['tickets']} ticket(s) to {args.dest}: " + ", ".join(sorted(m["files"])))
        else:
            m = restore(settings, Path(args.src), force=args.force)
            print(f"restored {m['tickets']} ticket(s) from {args.src} (taken {m['temporal_snapshot_at']}) into "
                  f"{settings.data_dir}; start the desk (servicedesk dev) to carry on from there")
        return 0
    except BackupError as err:
        print(err, file=sys.stderr)
        return 2


# --- backup ---------------------------------------------------------------------------------


def backup(settings: Any, dest: Path) -> dict[str, Any]:
    data = Path(settings.data_dir)
    temporal = data / TEMPORAL
    if not temporal.exists():
        raise BackupError(f"no {temporal}: nothing to back up (is SERVICEDESK_DATA_DIR the desk's data folder?)")
    url = settings.resolved_database_url
    readmodel = _sqlite_file(url)
    if readmodel is not None and not readmodel.exists():
        raise BackupError(f"no read model at {readmodel}")
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: back up into a new folder")
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)

    src_temporal = _snapshot(temporal)  # Temporal first: the read model must not be older
    temporal_at = _now()
    try:
        if readmodel is not None:
            src_readmodel = _snapshot(readmodel)
            readmodel_at = _now()
            try:
                tickets = src_readmodel.execute("SELECT count(*) FROM tickets").fetchone()[0]
                _copy(src_readmodel, dest / READMODEL_SQLITE)
            finally:
                src_readmodel.close()
        else:
            readmodel_at = _now()
            _pg("pg_dump", "--format=custom", "--no-owner", "--file", str(dest / READMODEL_PGDUMP), _libpq(url))
            tickets = _pg_count(url)
        _copy(src_temporal, dest / TEMPORAL)
    finally:
        src_temporal.close()
    for name in KEPT:
        if (data / name).exists():
            shutil.copyfile(data / name, dest / name)
            (dest / name).chmod(0o600)
    files = {p.name: _sha256(p) for p in sorted(dest.iterdir()) if p.name != MANIFEST}
    manifest = {"format": FORMAT, "temporal_snapshot_at": temporal_at.isoformat(),
                "readmodel_snapshot_at": readmodel_at.isoformat(),
                "readmodel": "sqlite" if readmodel is not None else "postgresql", "tickets": tickets, "files": files}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _snapshot(path: Path) -> sqlite3.Connection:
    """A connection holding a read transaction: in WAL mode, the database as of now, for as long
    as it stays open (writers carry on; the WAL is only checkpointed past it afterwards)."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts at the first read
    return conn


def _copy(src: sqlite3.Connection, target: Path) -> None:
    """The online backup API, in one step (so from the snapshot `src` holds), then a check."""
    part = target.with_name(target.name + ".part")
    dst = sqlite3.connect(part)
    try:
        src.backup(dst)
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        dst.execute("PRAGMA journal_mode=delete")  # one self-contained file
    finally:
        dst.close()
    if check != "ok":
        part.unlink()
        raise BackupError(f"the copy of {target.name} failed its check: {check}")
    part.rename(target)


# --- restore --------------------------------------------------------------------------------


def restore(settings: Any, src: Path, force: bool = False) -> dict[str, Any]:
    manifest = _checked_manifest(src)
    data = Path(settings.data_dir)
    url = settings.resolved_database_url
    readmodel = _sqlite_file(url)
    if manifest["readmodel"] == "sqlite" and readmodel is None:
        raise BackupError("this backup's read model is SQLite but DATABASE_URL names PostgreSQL: unset it to restore "
                          "into the data folder")
    if manifest["readmodel"] == "postgresql" and readmodel is not None:
        raise BackupError("this backup's read model is a PostgreSQL dump: set DATABASE_URL to the (empty) database "
                          "to restore it into")
    existing = [p for p in (data / TEMPORAL, readmodel) if p is not None and p.exists()]
    if readmodel is None and _pg_has_schema(url):
        existing.append(Path(make_url(url).database or "the DATABASE_URL database"))
    if existing and not force:
        raise BackupError("already there: " + ", ".join(map(str, existing)) +
                          " (stop the desk; --force replaces them)")
    host, _, port = settings.temporal_address.rpartition(":")
    if _listening(host or "127.0.0.1", int(port)):
        raise BackupError(f"something answers at {settings.temporal_address}: stop the desk (and its Temporal "
                          "dev server) before restoring")

    data.mkdir(parents=True, exist_ok=True)
    _place(src / TEMPORAL, data / TEMPORAL)
    if readmodel is not None:
        readmodel.parent.mkdir(parents=True, exist_ok=True)
        _place(src / READMODEL_SQLITE, readmodel)
    else:
        _pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", _libpq(url),
            str(src / READMODEL_PGDUMP))
    for name in KEPT:
        if (src / name).exists():
            shutil.copyfile(src / name, data / name)
            (data / name).chmod(0o600)
    _unstart_recent_intake(url, datetime.fromisoformat(manifest["temporal_snapshot_at"]))
    return manifest


def _checked_manifest(src: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError) as err:
        raise BackupError(f"{src} is not a backup made by `servicedesk backup` ({err})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src}: unknown backup format {manifest.get('format')!r}")
    for name, digest in manifest["files"].items():
        if not (src / name).exists():
            raise BackupError(f"{src / name} is missing: the backup is incomplete")
        if _sha256(src / name) != digest:
            raise BackupError(f"{src / name} does not match its SHA-256 in {MANIFEST}: the backup was damaged")
    needed = {TEMPORAL, READMODEL_SQLITE if manifest["readmodel"] == "sqlite" else READMODEL_PGDUMP}
    if not needed <= set(manifest["files"]):
        raise BackupError(f"{src}: the backup lacks {', '.join(sorted(needed - set(manifest['files'])))}")
    return manifest


def _place(src: Path, target: Path) -> None:
    """Copy a database file into place, first removing the old one's WAL and shared-memory files
    (SQLite would otherwise apply a stale WAL to the restored database)."""
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    part = target.with_name(target.name + ".part")
    shutil.copyfile(src, part)
    part.rename(target)


def _unstart_recent_intake(url: str, temporal_at: datetime) -> None:
    from sqlalchemy import update

    from models.db import make_engine, make_sessions
    from models.tables import TicketIntake

    engine = make_engine(url)
    try:
        with make_sessions(engine).begin() as s:
            s.execute(update(TicketIntake).where(TicketIntake.started_at >= temporal_at - RESTART_WINDOW)
                      .values(started_at=None))
    finally:
        engine.dispose()


# --- helpers --------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError(f"the read model {url} is not a file")
    return Path(parsed.database)


def _libpq(url: str) -> str:
    """DATABASE_URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _pg(program: str, *args: str) -> None:
    found = shutil.which(program)
    if found is None:
        raise BackupError(f"{program} not found: install the PostgreSQL client (e.g. apt-get install postgresql-client)")
    done = subprocess.run([found, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()}")


def _pg_count(url: str) -> int:
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
    finally:
        engine.dispose()


def _pg_has_schema(url: str) -> bool:
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar_one()
    except Exception as err:
        raise BackupError(f"cannot reach the read model at DATABASE_URL: {err}".splitlines()[0]) from None
    finally:
        engine.dispose()


def _listening(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)
