"""What the browser tests need around them: Debian's Chromium (or a clear skip), a real SMTP
server that keeps the desk's mails, the API served by a real uvicorn on a free port, and the checks
every page gets: axe-core (no serious or critical violation) and no page wider than its window."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import threading
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller

from tests.portal.helpers import SECRET

CHROMIUM = os.environ.get("SERVICEDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]
INSTALL_HINT = ("install Debian's Chromium and Playwright's Python package: `sudo apt-get install -y chromium` "
                "and `.venv/bin/pip install -e '.[dev]'` (or `make browser`); never `playwright install`")
SCREENSHOTS = Path(__file__).parent / "screenshots"
LINK = re.compile(r"https?://[^\s\"'<>]+/portal/t/[A-Za-z0-9_.-]+")


def require_browser() -> None:
    """Skip (locally) or fail (CI=true) when the browser cannot run here."""
    problem = None
    try:
        import playwright.async_api  # noqa: F401  # imported only to see that it is installed
    except ImportError:
        problem = "the playwright package is not installed"
    if problem is None and not os.access(CHROMIUM, os.X_OK):
        problem = f"no Chromium at {CHROMIUM}"
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI, but {problem}: .ci/run installs it ({INSTALL_HINT})")
    pytest.skip(f"{problem}: {INSTALL_HINT}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Keep:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.box.lock:
            self.box.mails.append((list(envelope.rcpt_tos), msg))
        return "250 OK: kept"


class Mailbox:
    """A real SMTP server on 127.0.0.1 that keeps every mail the desk sends."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mails: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self._controller = Controller(_Keep(self), hostname="127.0.0.1", port=self.port, ready_timeout=10)

    def __enter__(self) -> Mailbox:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    def links_to(self, address: str, purpose_words: str) -> list[str]:
        """The portal link that follows `purpose_words` in each mail to `address`."""
        found = []
        with self.lock:
            for rcpts, msg in self.mails:
                if address not in rcpts:
                    continue
                part = msg.get_body(preferencelist=("plain",)) or msg
                text = part.get_content()
                after = text.split(purpose_words, 1)[1] if purpose_words in text else ""
                link = LINK.search(after)  # the first link after the words that ask for it
                if link:
                    found.append(link.group(0))
        return found

    async def wait_link(self, address: str, purpose_words: str, timeout: float = 30.0) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            links = self.links_to(address, purpose_words)
            if links:
                return links[-1]
            if loop.time() > deadline:
                with self.lock:
                    subjects = [str(m["Subject"]) for _, m in self.mails]
                raise AssertionError(f"no mail to {address} with {purpose_words!r} and a link; mails: {subjects}")
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def served(app, port: int) -> AsyncIterator[str]:
    """The app behind a real uvicorn on 127.0.0.1:<port>, in this event loop."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not server.started:
        if task.done():
            task.result()  # raises why it stopped
        assert loop.time() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)


class Site(NamedTuple):
    base: str  # the desk's address
    api: httpx.AsyncClient  # its JSON API, as the token's agent (no token: anonymous)
    mail: Mailbox  # what the desk mailed
    browser: Any  # Chromium


@contextlib.asynccontextmanager
async def desk_in_a_browser(dev_server, db, task_queue: str, *, token: str | None) -> AsyncIterator[Site]:
    """The whole desk for one browser test: the API behind uvicorn on a free port (its public
    address), a worker on the dev server, the read model `db`, a real SMTP server for its mails,
    and Chromium."""
    from playwright.async_api import async_playwright

    from api.app import create_app
    from models.settings import Settings
    from servicedesk.worker import build_worker

    port = free_port()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with Mailbox() as mail:
        settings = Settings(task_queue=task_queue, secret_key=SECRET, public_url=f"http://127.0.0.1:{port}",
                            smtp_host="127.0.0.1", smtp_port=mail.port)
        app = create_app(settings, temporal=dev_server.client, sessions=db.sessions, sweep=False)
        async with build_worker(dev_server.client, db.sessions, task_queue, settings), served(app, port) as base, \
                httpx.AsyncClient(base_url=base, headers=headers) as api, async_playwright() as pw:
            yield Site(base, api, mail, await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS))


async def accessible(page, what: str) -> None:
    """axe-core (the copy axe-playwright-python ships) finds no serious or critical violation."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{what}: {bad}"


async def fits(page, what: str) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{what} is {width} px wide at {page.viewport_size['width']} px"
