"""Reports by mail (POST, GET, DELETE /reports/subscriptions): each subscription is a Temporal
Schedule on the real dev server, made, listed and deleted through the API; only the roles that
read reports may subscribe, only to themselves, and bad input is a 422 naming the field.
What a run mails: tests/workflows/test_report_mail.py."""

from __future__ import annotations

import contextlib
from datetime import timezone
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.service import RPCError

from api.app import create_app
from models import report_mail
from models.tables import Agent
from tests.api.conftest import ROLES, token_for
from tests.conftest import worker_settings


def agent_id(db, role: str) -> int:
    with db.sessions() as s:
        return s.scalars(select(Agent.id).where(Agent.email == ROLES[role])).one()


async def forget_subscriptions(client, *ids: int) -> None:
    """Delete the schedules an earlier test may have left on the shared dev server."""
    for who in ids:
        for n in range(1, report_mail.MAX_PER_AGENT + 1):
            with contextlib.suppress(RPCError):
                await client.get_schedule_handle(report_mail.schedule_id(who, n)).delete()


@contextlib.asynccontextmanager
async def subscriptions_api(dev_server, db, task_queue):
    """The API in-process (no worker: nothing runs here) and a caller per role."""
    tokens = {role: token_for(db.sessions, email) for role, email in ROLES.items()}
    app = create_app(worker_settings(task_queue), temporal=dev_server.client, sessions=db.sessions, sweep=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as http:
            def as_(role: str) -> dict[str, str]:
                return {"Authorization": f"Bearer {tokens[role]}"}
            yield http, as_


async def test_a_supervisor_subscribes_lists_and_unsubscribes(dev_server, sqlite_database, task_queue):
    db, client = sqlite_database, dev_server.client
    sue, ada = agent_id(db, "supervisor"), agent_id(db, "admin")
    await forget_subscriptions(client, sue, ada)
    async with subscriptions_api(dev_server, db, task_queue) as (http, as_):
        try:
            r = await http.post("/reports/subscriptions", headers=as_("supervisor"), json={
                "cadence": "daily", "time": "08:00", "timezone": "Europe/Paris", "team": "network"})
            assert r.status_code == 201, r.text
            daily = r.json()
            assert daily["id"] == f"report-mail-{sue}-1" and daily["recipient"] == ROLES["supervisor"]
            assert (daily["cadence"], daily["weekday"], daily["time"], daily["timezone"]) == (
                "daily", None, "08:00", "Europe/Paris")
            assert daily["filters"] == {"team": "network", "category": None, "channel": None, "priority": None}
            due = httpx_datetime(daily["next_mail_at"]).astimezone(ZoneInfo("Europe/Paris"))
            assert (due.hour, due.minute) == (8, 0)

            r = await http.post("/reports/subscriptions", headers=as_("supervisor"), json={
                "cadence": "weekly", "weekday": "friday", "time": "17:30", "priority": "high"})
            assert r.status_code == 201, r.text
            weekly = r.json()
            due = httpx_datetime(weekly["next_mail_at"])
            assert weekly["id"] == f"report-mail-{sue}-2" and weekly["timezone"] == "UTC"
            assert (due.strftime("%A"), due.hour, due.minute) == ("Friday", 17, 30)

            # The schedule is the record: its action starts ReportMail with the subscription.
            described = await client.get_schedule_handle(weekly["id"]).describe()
            assert isinstance(described.schedule.action, ScheduleActionStartWorkflow)
            assert described.schedule.action.workflow == "ReportMail"
            assert described.schedule.action.task_queue == task_queue
            assert described.schedule.spec.time_zone_name == "UTC"

            r = await http.get("/reports/subscriptions", headers=as_("supervisor"))
            assert r.status_code == 200 and r.json() == [daily, weekly]
            # Each sees and deletes only their own.
            assert (await http.get("/reports/subscriptions", headers=as_("admin"))).json() == []
            r = await http.delete(f"/reports/subscriptions/{daily['id']}", headers=as_("admin"))
            assert r.status_code == 404 and r.json()["error"]["type"] == "NotFound"

            r = await http.delete(f"/reports/subscriptions/{daily['id']}", headers=as_("supervisor"))
            assert r.status_code == 204
            assert [s["id"] for s in (await http.get("/reports/subscriptions", headers=as_("supervisor"))).json()] == [
                weekly["id"]]
            r = await http.delete(f"/reports/subscriptions/{daily['id']}", headers=as_("supervisor"))
            assert r.status_code == 404
            assert (await http.delete("/reports/subscriptions/audit-archive", headers=as_("supervisor"))).status_code == 404
            # The first free number is taken again.
            r = await http.post("/reports/subscriptions", headers=as_("supervisor"), json={"cadence": "weekly"})
            assert r.status_code == 201 and r.json()["id"] == f"report-mail-{sue}-1" and r.json()["weekday"] == "monday"
        finally:
            await forget_subscriptions(client, sue, ada)


BAD = [
    ({"cadence": "monthly"}, "cadence", "ValidationError"),
    ({}, "cadence", "ValidationError"),
    ({"cadence": "daily", "time": "25:00"}, "time", "ValidationError"),
    ({"cadence": "daily", "time": "8h"}, "time", "ValidationError"),
    ({"cadence": "daily", "timezone": "Mars/Olympus_Mons"}, "timezone", "ValidationError"),
    ({"cadence": "daily", "weekday": "monday"}, "weekday", "ValidationError"),
    ({"cadence": "weekly", "weekday": "someday"}, "weekday", "ValidationError"),
    ({"cadence": "daily", "team": "nobody"}, "team", "UnknownTeam"),
    ({"cadence": "daily", "priority": "urgent"}, "priority", "ValidationError"),
    ({"cadence": "daily", "channel": "pigeon"}, "channel", "ValidationError"),
    ({"cadence": "daily", "recipient": "boss@elsewhere.example"}, "recipient", "ValidationError"),  # always oneself
]


async def test_bad_subscriptions_are_refused_naming_the_field(dev_server, sqlite_database, task_queue):
    async with subscriptions_api(dev_server, sqlite_database, task_queue) as (http, as_):
        for body, field, kind in BAD:
            r = await http.post("/reports/subscriptions", headers=as_("supervisor"), json=body)
            assert r.status_code == 422, (body, r.text)
            error = r.json()["error"]
            assert error["type"] == kind and [f["field"] for f in error["fields"]] == [field], (body, error)
        assert (await http.get("/reports/subscriptions", headers=as_("supervisor"))).json() == []  # none made


async def test_only_the_roles_that_read_reports_may_subscribe(dev_server, sqlite_database, task_queue):
    async with subscriptions_api(dev_server, sqlite_database, task_queue) as (http, as_):
        for call in (http.post("/reports/subscriptions", headers=as_("agent"), json={"cadence": "daily"}),
                     http.get("/reports/subscriptions", headers=as_("agent")),
                     http.delete(f"/reports/subscriptions/report-mail-{agent_id(sqlite_database, 'agent')}-1",
                                 headers=as_("agent"))):
            r = await call
            assert r.status_code == 403 and r.json()["error"]["type"] == "Forbidden", r.text
        assert (await http.get("/reports/subscriptions")).status_code == 401


def httpx_datetime(value: str):
    from datetime import datetime

    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
