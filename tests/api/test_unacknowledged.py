"""When no worker answers, an action does not hang: 504 after the configured wait, and the
retry with the same Idempotency-Key applies it once when a worker is back."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from sqlalchemy import select

from api.app import create_app
from models.settings import Settings
from models.tables import Agent
from models.tokens import issue_token
from servicedesk.worker import build_worker
from tests.conftest import worker_settings


@contextlib.asynccontextmanager
async def _api(dev_server, db, task_queue: str, update_timeout: float):
    """The API alone (no worker unless a test starts one), as sam: (client, auth headers)."""
    with db.sessions.begin() as s:
        token = issue_token(s, s.scalars(select(Agent).where(Agent.email == "sam@demo.example")).one(), "t")
    app = create_app(Settings(task_queue=task_queue, update_timeout_seconds=update_timeout), temporal=dev_server.client,
                     sessions=db.sessions, sweep=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk", timeout=120) as http:
            yield http, {"Authorization": f"Bearer {token}"}


async def test_action_without_a_worker_times_out_then_applies_once(dev_server, sqlite_database, task_queue):
    db = sqlite_database
    async with _api(dev_server, db, task_queue, update_timeout=1) as (http, auth):
        r = await http.post("/tickets", json={"subject": "Fan noise", "description": "Loud",
                                              "requester": {"email": "dana@customer.example"}}, headers=auth)
        number = r.json()["number"]
        action = {"kind": "note", "body": "checked"}
        key = {"Idempotency-Key": "note-1"}
        r = await http.post(f"/tickets/{number}/actions", json=action, headers=auth | key)
        assert r.status_code == 504 and r.json()["error"]["type"] == "Timeout"
        assert "Idempotency-Key" in r.json()["error"]["message"]

        async with build_worker(dev_server.client, db.sessions, task_queue, worker_settings(task_queue)):
            for _ in range(3):  # the same retry, as a client would send it
                r = await http.post(f"/tickets/{number}/actions", json=action, headers=auth | key)
                if r.status_code == 200:
                    break
            assert r.status_code == 200, r.text
            again = await http.post(f"/tickets/{number}/actions", json=action, headers=auth | key)
            assert [c["body"] for c in again.json()["conversation"]] == ["checked"]

        # The worker is gone again (stopped, or killed): a ticket it had worked on answers 504
        # within the configured wait too, not once the client gives up.
        loop = asyncio.get_running_loop()
        started = loop.time()
        r = await http.post(f"/tickets/{number}/actions", json={"kind": "note", "body": "later"},
                            headers=auth | {"Idempotency-Key": "note-2"})
        waited = loop.time() - started
        assert r.status_code == 504 and r.json()["error"]["type"] == "Timeout", r.text
        assert waited < 1 + 3, f"answered after {waited:.1f} s; the update timeout is 1 s"


async def test_a_wait_longer_than_the_servers_long_poll_is_still_bounded(dev_server, sqlite_database, task_queue):
    """The server answers an update's long poll after about 20 s with "not yet", and the SDK
    would ask again without end: with no worker, an action still answers 504 after the
    configured wait (25 s here, beyond one poll), not never."""
    db = sqlite_database
    async with _api(dev_server, db, task_queue, update_timeout=25) as (http, auth):
        async with build_worker(dev_server.client, db.sessions, task_queue, worker_settings(task_queue)):
            r = await http.post("/tickets", json={"subject": "Fan noise", "description": "Loud",
                                                  "requester": {"email": "dana@customer.example"}}, headers=auth)
            number = r.json()["number"]
            r = await http.post(f"/tickets/{number}/actions", json={"kind": "note", "body": "first"}, headers=auth)
            assert r.status_code == 200, r.text
        loop = asyncio.get_running_loop()
        started = loop.time()
        r = await http.post(f"/tickets/{number}/actions", json={"kind": "note", "body": "nobody home"},
                            headers=auth | {"Idempotency-Key": "late-1"})
        waited = loop.time() - started
        assert r.status_code == 504 and r.json()["error"]["type"] == "Timeout", r.text
        assert 24 < waited < 25 + 5, f"answered after {waited:.1f} s; the update timeout is 25 s"
