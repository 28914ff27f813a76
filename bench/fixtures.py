"""The benchmarks' own fixtures (bench/ imports nothing from tests/; what both use is the
product's, e.g. servicedesk/processes.py): the desk's development mail sink, as `make run` starts
it, for the benchmarks' notifications."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from servicedesk.processes import free_port, stop

ROOT = Path(__file__).resolve().parent.parent


class MailSink:
    """`python -m servicedesk.mailsink serve` (servicedesk/mailsink.py) on 127.0.0.1 at a free
    port, in a child process: every mail the desk sends is delivered, kept as a .eml file in
    `data`/mail and counted; its line per mail goes to `data`/mailsink.log."""

    def __init__(self, data: Path, timeout: float = 30.0) -> None:
        self.folder = data / "mail"
        self.port = free_port()
        cmd = [sys.executable, "-m", "servicedesk.mailsink", "--dir", str(self.folder), "serve",
               "--host", "127.0.0.1", "--port", str(self.port)]
        # cwd: the code of this checkout (python -m puts it first on the path), as the other children.
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=(data / "mailsink.log").open("ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the mail sink exited with {self.proc.returncode}; see {data / 'mailsink.log'}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError(f"the mail sink did not listen on port {self.port} within {timeout:.0f} s") from None
                time.sleep(0.1)

    def count(self) -> int:
        """The mails received so far."""
        return len(list(self.folder.glob("*.eml")))

    def stop(self) -> None:
        stop(self.proc)
