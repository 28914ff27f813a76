"""Helpers for tests that run the real processes: `servicedesk` children, waiting, databases.
The dev server, free ports, stopping a child and connecting are servicedesk/processes.py's
(which `servicedesk dev` and the benchmarks use too)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from models.seed import seeded_database
from servicedesk.processes import free_port

T = TypeVar("T")


def wait_for(check: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as err:  # keep polling; report the last error
            last = err
        time.sleep(0.2)
    raise TimeoutError(f"{what} not met within {timeout:.0f} s (last error: {last!r})")


def start_dev(folder: Path, ports: dict[str, int], log: Path) -> subprocess.Popen:
    """`servicedesk dev`, as `make run` runs it, in `folder` (its data in folder/data), on the
    given ports: temporal, ui, api, smtp (the listener taking mail in)."""
    env = {**os.environ,
           "SERVICEDESK_DATA_DIR": str(folder / "data"),
           "SERVICEDESK_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
           "SERVICEDESK_TEMPORAL_UI_PORT": str(ports["ui"]),
           "SERVICEDESK_API_PORT": str(ports["api"]),
           "SERVICEDESK_SMTP_LISTEN": f"127.0.0.1:{ports['smtp']}"}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "servicedesk", "dev"], env=env, cwd=folder,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def banner_token(log: Path) -> str:
    """The admin token `servicedesk dev` prints once everything is up ("" until then)."""
    match = re.search(r"Admin token\s+(\S+)", log.read_text())
    return match.group(1) if match else ""


def start_servicedesk(role: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "servicedesk", role], env={**os.environ, **env},
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def seeded_readmodel(folder: Path):
    """A migrated, seeded SQLite read model in `folder`: (url, engine, sessions)."""
    url = f"sqlite:///{folder / 'readmodel.db'}"
    return (url, *seeded_database(url))


# --- for the fault tests (tests/e2e/test_faults.py) -------------------------------------------


def admin_token(sessions, email: str = "admin@demo.example") -> str:
    """A new API token for a seeded agent (the demo admin by default), as `servicedesk token create` makes it."""
    from sqlalchemy import select

    from models.tables import Agent
    from models.tokens import issue_token

    with sessions.begin() as s:
        return issue_token(s, s.scalars(select(Agent).where(Agent.email == email)).one(), "e2e")


def start_api(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """`servicedesk api` on 127.0.0.1:`port`."""
    return subprocess.Popen([sys.executable, "-m", "servicedesk", "api", "--host", "127.0.0.1", "--port", str(port)],
                            env={**os.environ, **env}, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL, no warning, and reap it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait()


class ScratchPostgresDatabase:
    """A database of its own (unique name) on the PostgreSQL server at `base_url`, dropped on close
    (with the connections still open to it)."""

    def __init__(self, base_url: str, prefix: str = "e2e") -> None:
        import uuid

        from sqlalchemy import create_engine, make_url, text

        self.name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self._admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(base_url).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        from sqlalchemy import text

        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


class PrivatePostgres:
    """A PostgreSQL server of the test's own (initdb + pg_ctl) on a free port, which the test may
    stop abruptly (`crash`: pg_ctl stop -m immediate, as a power cut looks to PostgreSQL but for
    the OS cache) and start again on the same data. PostgreSQL refuses to run as root: as root,
    its programs run as the `postgres` user (or `nobody`) through runuser, in a folder under /tmp
    that user owns. `PrivatePostgres.unavailable()` says why it cannot run here, or None."""

    def __init__(self) -> None:
        import tempfile

        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="e2e-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._user = self._run_as()
        if self._user:
            import pwd

            entry = pwd.getpwnam(self._user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.folder.chmod(0o700)

    @staticmethod
    def _bin(name: str) -> str | None:
        import shutil

        for candidate in (f"/usr/local/bin/{name}", shutil.which(name)):
            if candidate and os.access(candidate, os.X_OK):
                return candidate
        return None

    @staticmethod
    def _run_as() -> str | None:
        if os.geteuid() != 0:
            return None
        import pwd

        for user in ("postgres", "nobody"):
            try:
                pwd.getpwnam(user)
                return user
            except KeyError:
                continue
        raise RuntimeError("running as root and no `postgres` or `nobody` user to run PostgreSQL as")

    @classmethod
    def unavailable(cls) -> str | None:
        import shutil

        missing = [n for n in ("initdb", "pg_ctl") if cls._bin(n) is None]
        if missing:
            return f"no {' or '.join(missing)} (PostgreSQL server binaries) in /usr/local/bin or on PATH"
        if os.geteuid() == 0 and shutil.which("runuser") is None:
            return "running as root without runuser: PostgreSQL will not run as root"
        return None

    def _cmd(self, name: str, *args: str) -> list[str]:
        cmd = [self._bin(name) or name, *args]
        return ["runuser", "-u", self._user, "--", *cmd] if self._user else cmd

    def init(self) -> "PrivatePostgres":
        subprocess.run(self._cmd("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                 "--no-sync"), check=True, capture_output=True, cwd=self.folder)
        return self.start()

    def start(self) -> "PrivatePostgres":
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", opts,
                                 "start"), check=True, capture_output=True, cwd=self.folder)
        return self

    def crash(self) -> None:
        """Stop at once: no checkpoint, every client cut off; the next start recovers from the WAL."""
        subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"), check=True,
                       capture_output=True, cwd=self.folder)

    def close(self) -> None:
        import shutil

        subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"), capture_output=True,
                       cwd=self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)
