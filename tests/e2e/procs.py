"""Helpers for tests that run the real processes: free ports, children, waiting."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from servicedesk.binaries import find_executable

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def start_dev_server(data: Path, port: int, ui_port: int, log: Path) -> subprocess.Popen:
    from servicedesk.search_attributes import dev_server_flags

    cmd = [find_executable("temporal"), "server", "start-dev", "--db-filename", str(data / "temporal.db"),
           "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(ui_port), "--headless",
           "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
           "--log-level", "error", *dev_server_flags()]
    return subprocess.Popen(cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


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


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def seeded_readmodel(folder: Path):
    """A migrated, seeded SQLite read model in `folder`: (url, engine, sessions)."""
    from models.db import make_engine, make_sessions
    from models.migrate import upgrade
    from models.seed import seed_demo

    url = f"sqlite:///{folder / 'readmodel.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
    return url, engine, sessions


async def connect(address: str):
    """A Temporal client, once the server at `address` answers (60 s at most)."""
    import asyncio

    from temporalio.client import Client

    for _ in range(300):
        try:
            return await Client.connect(address)
        except Exception:
            await asyncio.sleep(0.2)
    raise TimeoutError(f"no Temporal at {address}")
