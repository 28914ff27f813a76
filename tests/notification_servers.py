"""Real servers for notification tests: an aiosmtpd SMTP server that keeps what it receives
(and can refuse recipients, or be stopped and started again on its port), and an HTTP server
that receives webhooks (answering with the statuses it is told)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def eventually(check, timeout: float = 20.0, what: str = "condition"):
    """Poll `check()` until it returns something truthy (and return that), or fail at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = check()
        if found:
            return found
        if loop.time() > deadline:
            raise AssertionError(f"{what} never happened within {timeout:.0f} s")
        await asyncio.sleep(0.05)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _Handler:
    def __init__(self, box: "Mailbox") -> None:
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.box.refuse:
            return "550 5.1.1 <%s>: no such mailbox" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.box.lock:
            self.box.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK: queued"


class Mailbox:
    """An SMTP server on 127.0.0.1:<port> that keeps every mail."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.refuse: set[str] = set()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> "Mailbox":
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received if address in r.rcpt_tos]

    def about(self, number: int) -> list[Received]:
        with self.lock:
            return [r for r in self.received if f"[#{number}]" in str(r.message["Subject"])]


@contextlib.contextmanager
def mailbox():
    box = Mailbox().start()
    try:
        yield box
    finally:
        box.stop()


@dataclass
class Hook:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """An HTTP server that records every POST and answers each path with `statuses[path]` in
    turn (then 200)."""

    def __init__(self) -> None:
        self.requests: list[Hook] = []
        self.statuses: dict[str, list[int]] = {}
        receiver = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):  # http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(Hook(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                queue = receiver.statuses.get(self.path) or []
                status = queue.pop(0) if queue else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
