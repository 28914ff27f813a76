"""The desk's processes on one machine: the Temporal dev server's command line, a free port, a
client once Temporal answers, and stopping a child. `servicedesk dev` (dev.py) starts and stops
its children with these; the end-to-end tests and the benchmarks run the same dev server with
them (tests/e2e/, bench/)."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
from pathlib import Path

from temporalio.client import Client

from servicedesk.binaries import find_executable
from servicedesk.search_attributes import dev_server_flags


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dev_server_command(db_file: Path, host: str, port: int | str, ui_port: int, namespace: str | None = None,
                       log_level: str = "warn", headless: bool = False) -> list[str]:
    """`temporal server start-dev` persisted to `db_file`, with the WAL pragmas and the ticket
    search attributes registered."""
    return [
        find_executable("temporal"), "server", "start-dev",
        "--db-filename", str(db_file),
        "--ip", host, "--port", str(port),
        "--ui-port", str(ui_port),
        *(["--namespace", namespace] if namespace else []),
        *(["--headless"] if headless else []),
        # Measured here at about 2x the default's workflow throughput.
        "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
        "--log-level", log_level,
        *dev_server_flags(),
    ]


def start_dev_server(data: Path, port: int, ui_port: int, log: Path) -> subprocess.Popen:
    """A headless dev server on 127.0.0.1:`port`, its database in `data`, its output in `log`."""
    cmd = dev_server_command(data / "temporal.db", "127.0.0.1", port, ui_port, log_level="error", headless=True)
    return subprocess.Popen(cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


async def connect(address: str) -> Client:
    """A Temporal client, once the server at `address` answers (60 s at most)."""
    last: Exception | None = None
    for _ in range(300):
        try:
            return await Client.connect(address)
        except Exception as err:  # the server is still starting
            last = err
            await asyncio.sleep(0.2)
    raise TimeoutError(f"no Temporal at {address}: {last!r}")


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
    """Signal a child (SIGTERM by default), wait up to `timeout` s, then kill it; its exit code."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
