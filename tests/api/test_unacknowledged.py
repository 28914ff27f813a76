"""When no worker answers, an action does not hang: 504 after the configured wait, and the
retry with the same Idempotency-Key applies it once when a worker is back."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from api.app import create_app
from models.settings import Settings
from models.tables import Agent
from models.tokens import issue_token
from servicedesk.worker import build_worker
from tests.conftest import worker_settings


async def test_action_without_a_worker_times_out_then_applies_once(dev_server, sqlite_database, task_queue):
    db = sqlite_database
    with db.sessions.begin() as s:
        token = issue_token(s, s.scalars(select(Agent).where(Agent.email == "sam@demo.example")).one(), "t")
    auth = {"Authorization": f"Bearer {token}"}
    app = create_app(Settings(task_queue=task_queue, update_timeout_seconds=1), temporal=dev_server.client,
                     sessions=db.sessions, sweep=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as http:
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
