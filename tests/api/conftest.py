"""The API in-process against the real dev server and a real read model, with a worker."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from models.seed import ONE_AGENT_PER_ROLE
from models.tables import Agent
from models.tokens import issue_token
from servicedesk.worker import build_worker
from tests.conftest import projected, worker_settings

ROLES = ONE_AGENT_PER_ROLE  # role -> the seeded agent the tests act as


@dataclass
class Desk:
    http: httpx.AsyncClient
    tokens: dict[str, str]
    db: object
    app: object
    temporal: object

    def auth(self, role: str = "agent") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def create(self, role: str = "agent", headers: dict | None = None, **body) -> httpx.Response:
        payload = {"subject": "Printer jams", "description": "Every second page", "requester": {"email": "dana@customer.example"}}
        payload.update(body)
        return await self.http.post("/tickets", json=payload, headers=self.auth(role) | (headers or {}))

    async def ticket(self, number: int) -> dict:
        r = await self.http.get(f"/tickets/{number}", headers=self.auth())
        assert r.status_code == 200, r.text
        return r.json()

    async def wait_routed(self, number: int, timeout: float = 15.0) -> dict:
        """Intake (triage + routing) runs right after creation; wait for its events, in the
        workflow and in the read model."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            t = await self.ticket(number)
            if t["last_seq"] >= 4:  # created, triaged, routed, sla_policy
                await self.projected(number, t["last_seq"], timeout)
                return t
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"ticket {number} not routed: {t}")
            await asyncio.sleep(0.05)

    async def projected(self, number: int, seq: int, timeout: float = 15.0) -> None:
        """Wait until the read model has the ticket's events up to `seq` (tests/conftest.py)."""
        await projected(self.db, number, seq, timeout)

    async def act(self, number: int, role: str = "agent", headers: dict | None = None, settle: bool = True,
                  **body) -> httpx.Response:
        """POST an action; with `settle`, return once the read model has caught up with it."""
        r = await self.http.post(f"/tickets/{number}/actions", json=body, headers=self.auth(role) | (headers or {}))
        if settle and r.status_code == 200:
            await self.projected(number, r.json()["last_seq"])
        return r

    async def wait_for(self, number: int, check, timeout: float = 20.0) -> dict:
        """Poll the ticket's live view until `check(view)` holds (things that follow a signal
        or another workflow happen shortly after the call that caused them)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            r = await self.http.get(f"/tickets/{number}", headers=self.auth())
            if r.status_code == 200 and check(r.json()):
                return r.json()
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"ticket {number} never got there: {r.status_code} {r.text[:2000]}")
            await asyncio.sleep(0.05)


def token_for(sessions, email: str, name: str = "test") -> str:
    """A new API token for one of the seeded agents."""
    with sessions.begin() as s:
        return issue_token(s, s.scalars(select(Agent).where(Agent.email == email)).one(), name)


@contextlib.asynccontextmanager
async def running_desk(dev_server, database, task_queue, desk_class: type[Desk] = Desk, **settings):
    """The API (in-process) and a worker on the real dev server, with a token per role. The
    worker gets the same settings: its mail goes to the test sink, links are signed with a
    test key (never the data folder's)."""
    settings = worker_settings(task_queue, **{"max_body_bytes": 64 * 1024} | settings)
    tokens = {role: token_for(database.sessions, email) for role, email in ROLES.items()}
    app = create_app(settings, temporal=dev_server.client, sessions=database.sessions, sweep=False)
    async with build_worker(dev_server.client, database.sessions, task_queue, settings):
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://desk") as http:
                yield desk_class(http=http, tokens=tokens, db=database, app=app, temporal=dev_server.client)


@pytest.fixture
async def desk(dev_server, database, task_queue):
    async with running_desk(dev_server, database, task_queue) as d:
        yield d
