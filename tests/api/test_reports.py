"""Reports (GET /reports/...) checked by hand against tickets whose times the test controls.

The reports read the read model only, so the tickets, SLA milestones and survey answers are
inserted into it directly (the rows the projection would write), on SQLite and PostgreSQL. The
period is the week of Monday 2026-03-02 to Sunday 2026-03-08."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from models.tables import Agent, SlaMilestoneRow, SurveyResponse, TicketRow
from models.tokens import issue_token
from tests.api.conftest import ROLES
from tests.conftest import worker_settings

H = 3600
WEEK = {"from": "2026-03-02", "to": "2026-03-08"}


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def ticket(number: int, created: datetime, *, team: str | None, status: str, priority: str = "critical",
           policy: str | None = "Critical", category: str | None = "network", channel: str = "email",
           assignee: str | None = None, first: datetime | None = None, resolved: datetime | None = None,
           closed: datetime | None = None) -> TicketRow:
    return TicketRow(number=number, subject=f"Ticket {number}", requester_email="dana@customer.example", channel=channel,
                     status=status, priority=priority, category=category, tags=[], team=team, assignee=assignee,
                     sla_policy=policy, created_at=created, updated_at=created, first_response_at=first,
                     resolved_at=resolved, closed_at=closed, last_seq=1)


def milestone(number: int, name: str, kind: str, fired: datetime) -> SlaMilestoneRow:
    return SlaMilestoneRow(number=number, milestone=name, seq=2, clock=name.split(":")[0], cycle=1, kind=kind, n=1,
                           due_at=fired, fired_at=fired, lateness_ms=0)


def survey(number: int, csat: int, nps: int | None, answered: datetime, team: str, assignee: str) -> SurveyResponse:
    return SurveyResponse(number=number, csat=csat, nps=nps, answered_at=answered, team=team, assignee=assignee)


def seed(db) -> None:
    nina = "nina@demo.example"
    with db.sessions.begin() as s:
        s.add_all([
            # network, Critical policy (24x7): business time is calendar time
            ticket(1, at(2, 8), team="network", status="closed", assignee=nina, first=at(2, 9), resolved=at(2, 11),
                   closed=at(2, 12)),
            ticket(2, at(2, 12), team="network", status="resolved", assignee=nina, first=at(2, 14), resolved=at(2, 17)),
            ticket(3, at(3, 9), team="network", status="open", assignee=nina, first=at(3, 13), channel="phone"),
            # support, High policy on the Paris office calendar (09:00-12:30, 13:30-18:00 Mon-Fri, CET in
            # March): created Friday 17:00 Paris, answered Monday 10:00 Paris -> 1 h + 1 h of business time.
            ticket(4, at(6, 16), team="support", status="pending", priority="high", policy="High", category="hardware",
                   channel="web", assignee="sam@demo.example", first=at(9, 9)),
            ticket(5, at(4, 10), team="support", status="new", priority="low", policy=None, category=None, channel="web"),
            # created before the period, resolved in it
            ticket(6, at(20, 9, month=2), team="network", status="closed", assignee=nina, first=at(20, 10, month=2),
                   resolved=at(3, 10), closed=at(3, 11)),
        ])
        s.flush()
        s.add_all([
            milestone(1, "first_response:1:warning:1", "warning", at(2, 8)),
            milestone(3, "first_response:1:breach", "breach", at(3, 10)),
            milestone(3, "first_response:1:escalation:1", "escalation", at(3, 10)),
            milestone(4, "first_response:1:breach", "breach", at(6, 17)),
            milestone(4, "resolution:1:breach", "breach", at(7, 10)),
            milestone(6, "resolution:1:breach", "breach", at(21, 10, month=2)),
            survey(1, 5, 10, at(2, 12), "network", nina),
            survey(2, 3, 6, at(3, 12), "network", nina),
            survey(6, 4, 9, at(4, 12), "network", nina),
        ])


@pytest.fixture
async def reports(dev_server, database, task_queue):
    """The API in-process (no worker needed: reports read only the read model) and tokens per role."""
    seed(database)
    with database.sessions.begin() as s:
        tokens = {role: issue_token(s, s.scalars(select(Agent).where(Agent.email == email)).one(), "test")
                  for role, email in ROLES.items()}
    app = create_app(worker_settings(task_queue), temporal=dev_server.client, sessions=database.sessions, sweep=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as http:
            async def get(name: str, role: str = "supervisor", headers: dict | None = None, **params) -> httpx.Response:
                auth = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
                query = {k: v for k, v in (WEEK | params).items() if v is not None}
                return await http.get(f"/reports/{name}", params=query, headers=auth | (headers or {}))
            yield get


def ok(r: httpx.Response) -> dict:
    assert r.status_code == 200, r.text
    return r.json()


def rows_of(r: httpx.Response) -> list[dict]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.text)))


async def test_volume_by_day_and_week(reports):
    body = ok(await reports("volume"))
    assert (body["from"], body["to"], body["created"], body["resolved"]) == ("2026-03-02", "2026-03-08", 5, 3)
    assert [(r["period"], r["created"], r["resolved"]) for r in body["rows"]] == [
        ("2026-03-02", 2, 2), ("2026-03-03", 1, 1), ("2026-03-04", 1, 0), ("2026-03-05", 0, 0),
        ("2026-03-06", 1, 0), ("2026-03-07", 0, 0), ("2026-03-08", 0, 0)]
    body = ok(await reports("volume", by="week"))
    assert body["rows"] == [{"period": "2026-03-02", "created": 5, "resolved": 3}]
    body = ok(await reports("volume", team="support"))
    assert (body["created"], body["resolved"]) == (2, 0)
    rows = rows_of(await reports("volume", by="week", format="csv"))
    assert rows == [{"period": "2026-03-02", "created": "5", "resolved": "3"}]


async def test_backlog_now_and_at_each_day_end(reports):
    body = ok(await reports("backlog"))
    now = body["open_now"]
    assert now["total"] == 3 and now["by_status"] == {"new": 1, "open": 1, "pending": 1}
    assert now["by_team"] == [{"team": "network", "open": 1}, {"team": "support", "open": 2}]
    assert now["by_priority"] == {"critical": 1, "high": 1, "low": 1}
    # ticket 6 (created in February) is open at the end of 2 March, resolved on the 3rd; 3 opens on the 3rd...
    assert [(d["date"], d["open"]) for d in body["daily"]] == [
        ("2026-03-02", 1), ("2026-03-03", 1), ("2026-03-04", 2), ("2026-03-05", 2), ("2026-03-06", 3),
        ("2026-03-07", 3), ("2026-03-08", 3)]
    body = ok(await reports("backlog", team="network"))
    assert body["open_now"]["total"] == 1 and [d["open"] for d in body["daily"]] == [1, 1, 1, 1, 1, 1, 1]
    rows = rows_of(await reports("backlog", headers={"Accept": "text/csv"}))
    assert {"section": "open_now", "key": "total", "open": "3"} in rows
    assert {"section": "day_end", "key": "2026-03-06", "open": "3"} in rows


async def test_response_times_in_business_time(reports):
    body = ok(await reports("response-times"))
    assert body["unit"] == "business seconds" and body["tickets"] == 5
    # first responses: 1 h, 2 h, 4 h (network, 24x7) and 2 h of Paris office hours over a weekend (support)
    assert body["overall"]["first_response"] == {"count": 4, "mean": 8100.0, "median": 7200.0, "p90": 14400.0}
    assert body["overall"]["resolution"] == {"count": 2, "mean": 14400.0, "median": 14400.0, "p90": 18000.0}
    teams = {t["team"]: t for t in body["by_team"]}
    assert teams["network"]["first_response"] == {"count": 3, "mean": 8400.0, "median": 7200.0, "p90": 14400.0}
    assert teams["support"]["first_response"] == {"count": 1, "mean": 7200.0, "median": 7200.0, "p90": 7200.0}
    assert teams["support"]["resolution"] == {"count": 0, "mean": None, "median": None, "p90": None}
    body = ok(await reports("response-times", priority="high"))
    assert body["tickets"] == 1 and body["overall"]["first_response"]["mean"] == 7200.0
    rows = rows_of(await reports("response-times", format="csv"))
    assert list(rows[0]) == ["team", "metric", "count", "mean_seconds", "median_seconds", "p90_seconds"]
    assert rows[0] == {"team": "(all)", "metric": "first_response", "count": "4", "mean_seconds": "8100.0",
                       "median_seconds": "7200.0", "p90_seconds": "14400.0"}
    assert {"team": "support", "metric": "resolution", "count": "0", "mean_seconds": "", "median_seconds": "",
            "p90_seconds": ""} in rows


async def test_sla_compliance_breaches_and_escalations(reports):
    body = ok(await reports("sla"))
    assert body["overall"] == {"with_policy": 4, "breached_tickets": 2, "compliant": 2, "compliance_pct": 50.0,
                               "breaches": 3, "escalations": 1}
    teams = {t["team"]: t for t in body["by_team"]}
    assert teams["network"] == {"team": "network", "with_policy": 3, "breached_tickets": 1, "compliant": 2,
                                "compliance_pct": 66.7, "breaches": 1, "escalations": 1}
    assert teams["support"]["compliance_pct"] == 0.0 and teams["support"]["breaches"] == 2
    rows = rows_of(await reports("sla", format="csv", channel="email"))
    assert rows == [
        {"team": "(all)", "with_policy": "2", "breached_tickets": "0", "compliant": "2", "compliance_pct": "100.0",
         "breaches": "0", "escalations": "0"},
        {"team": "network", "with_policy": "2", "breached_tickets": "0", "compliant": "2", "compliance_pct": "100.0",
         "breaches": "0", "escalations": "0"}]


async def test_agents(reports):
    body = ok(await reports("agents"))
    assert body["rows"] == [
        {"assignee": "nina@demo.example", "handled": 3, "resolved": 2, "median_resolution_seconds": 14400.0,
         "csat_mean": 4.0, "csat_answers": 2},
        {"assignee": "sam@demo.example", "handled": 1, "resolved": 0, "median_resolution_seconds": None,
         "csat_mean": None, "csat_answers": 0}]
    rows = rows_of(await reports("agents", format="csv", team="support"))
    assert rows == [{"assignee": "sam@demo.example", "handled": "1", "resolved": "0", "median_resolution_seconds": "",
                     "csat_mean": "", "csat_answers": "0"}]


async def test_satisfaction_csat_and_nps(reports):
    body = ok(await reports("satisfaction"))
    # answers in the period: CSAT 5, 3, 4; NPS 10 and 9 (promoters), 6 (detractor)
    assert body["csat"] == {"count": 3, "mean": 4.0, "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}}
    assert body["nps"] == {"count": 3, "promoters": 2, "passives": 0, "detractors": 1, "score": 33.3}
    body = ok(await reports("satisfaction", **{"from": "2026-03-03"}))
    assert body["csat"]["count"] == 2 and body["nps"]["score"] == 0.0
    body = ok(await reports("satisfaction", team="support"))
    assert body["csat"] == {"count": 0, "mean": None, "distribution": {str(k): 0 for k in range(1, 6)}}
    assert body["nps"]["score"] is None
    (row,) = rows_of(await reports("satisfaction", format="csv"))
    assert (row["csat_count"], row["csat_mean"], row["csat_5"], row["nps_score"]) == ("3", "4.0", "1", "33.3")


async def test_top_categories(reports):
    body = ok(await reports("categories"))
    assert body["tickets"] == 5 and body["rows"] == [
        {"category": "network", "count": 3, "share_pct": 60.0}, {"category": "hardware", "count": 1, "share_pct": 20.0},
        {"category": None, "count": 1, "share_pct": 20.0}]
    assert ok(await reports("categories", limit=1))["rows"] == [{"category": "network", "count": 3, "share_pct": 60.0}]
    rows = rows_of(await reports("categories", format="csv", channel="web"))
    assert rows == [{"category": "hardware", "count": "1", "share_pct": "50.0"},
                    {"category": "(none)", "count": "1", "share_pct": "50.0"}]
    body = ok(await reports("categories", category="network"))
    assert body["tickets"] == 3 and body["filters"]["category"] == "network"


async def test_roles_and_bad_parameters(reports):
    for role in ("supervisor", "admin", "auditor"):
        assert (await reports("sla", role=role)).status_code == 200
    r = await reports("sla", role="agent")
    assert r.status_code == 403 and r.json()["error"]["type"] == "Forbidden"
    assert (await reports("sla", role=None)).status_code == 401

    async def bad(name: str, field: str, status: int = 422, **params) -> None:
        r = await reports(name, **params)
        assert r.status_code == status, r.text
        assert [f["field"] for f in r.json()["error"]["fields"]] == [f"query parameter {field}"], r.text

    await bad("volume", "from", **{"from": "2026-13-01"})
    await bad("volume", "from", **{"from": "2026-03-09"})  # after `to`
    await bad("volume", "from", **{"from": "2020-01-01"})  # too long a period
    await bad("volume", "to", to="yesterday")
    await bad("volume", "by", by="month")
    await bad("sla", "priority", priority="urgent")
    await bad("sla", "channel", channel="pigeon")
    await bad("sla", "format", format="xml")
    await bad("sla", "team", team="nobody")
    await bad("categories", "limit", limit=0)
    assert (await reports("nothing")).status_code == 404

    # No period: the last 30 days, today included.
    r = await reports("volume", **{"from": None, "to": None})
    today = datetime.now(timezone.utc).date()
    assert (r.json()["from"], r.json()["to"]) == ((today - timedelta(days=29)).isoformat(), today.isoformat())
    assert len(r.json()["rows"]) == 30


def test_period_helper_is_inclusive():
    from api.reports import days, nearest_rank
    from models.reports import Filters

    f = Filters(start=datetime(2026, 3, 2, tzinfo=timezone.utc), end=datetime(2026, 3, 4, tzinfo=timezone.utc))
    assert days(f) == [date(2026, 3, 2), date(2026, 3, 3)]
    assert [nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p) for p in (10, 50, 90, 100)] == [1, 5, 9, 10]
