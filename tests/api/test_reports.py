"""Reports (GET /reports/...) checked by hand against tickets whose times the test controls.

The reports read the read model only, so the tickets, SLA milestones and survey answers are
inserted into it directly (the rows the projection would write), on SQLite and PostgreSQL. The
period is the week of Monday 2026-03-02 to Sunday 2026-03-08."""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from models.tables import Agent, SlaMilestoneRow, SlaPolicy, SurveyResponse, TicketEventRow, TicketRow
from models.tokens import issue_token
from tests.api.conftest import ROLES
from tests.conftest import worker_settings

H = 3600
WEEK = {"from": "2026-03-02", "to": "2026-03-08"}


def at(day: int, hour: int, month: int = 3, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall time in Paris in March 2026, before summer time: UTC+1."""
    return at(day, hour - 1, minute=minute)


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


@contextlib.asynccontextmanager
async def report_client(dev_server, database, task_queue):
    """The API in-process (no worker needed: reports read only the read model) and tokens per role."""
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


@pytest.fixture
async def reports(dev_server, database, task_queue):
    seed(database)
    async with report_client(dev_server, database, task_queue) as get:
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
        {"assignee": "nina@demo.example", "name": "Nina Network", "handled": 3, "resolved": 2,
         "median_resolution_seconds": 14400.0, "csat_mean": 4.0, "csat_answers": 2},
        {"assignee": "sam@demo.example", "name": "Sam Support", "handled": 1, "resolved": 0,
         "median_resolution_seconds": None, "csat_mean": None, "csat_answers": 0}]
    rows = rows_of(await reports("agents", format="csv", team="support"))
    assert rows == [{"assignee": "sam@demo.example", "name": "Sam Support", "handled": "1", "resolved": "0",
                     "median_resolution_seconds": "", "csat_mean": "", "csat_answers": "0"}]


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
    from models.reporting.figures import days, nearest_rank
    from models.reports import Filters

    f = Filters(start=datetime(2026, 3, 2, tzinfo=timezone.utc), end=datetime(2026, 3, 4, tzinfo=timezone.utc))
    assert days(f) == [date(2026, 3, 2), date(2026, 3, 3)]
    assert [nearest_rank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p) for p in (10, 50, 90, 100)] == [1, 5, 9, 10]


# --- time waiting on the customer is not counted ------------------------------------------------
#
# Tickets of the next week (Monday 2026-03-09 to Sunday 2026-03-15), seeded on their own, with the
# status history the projection would write into ticket_events. The SLA clocks pause while the
# ticket is in one of its policy's pause statuses (`pending` for the seeded policies; this test
# gives "Low" `on_hold` too), both the first-response and the resolution clock; the reports take
# the business part of those pauses out of both durations.

PAUSE_WEEK = {"from": "2026-03-09", "to": "2026-03-15"}


def history(number: int, created: datetime, *steps: tuple[datetime, str, str | None]) -> list[TicketEventRow]:
    """The ticket's events: `created` (seq 1, status new), then each (at, kind, status after it, or
    None if the action left the status alone), seq 2, 3, ..."""
    rows = [TicketEventRow(number=number, seq=1, kind="created", at=created, actor_kind="customer",
                           actor_id="dana@customer.example", status_from=None, status_to="new", data={})]
    status = "new"
    for seq, (when, kind, status_to) in enumerate(steps, start=2):
        rows.append(TicketEventRow(number=number, seq=seq, kind=kind, at=when, actor_kind="agent",
                                   actor_id="nina@demo.example", status_from=status if status_to else None,
                                   status_to=status_to, data={}))
        status = status_to or status
    return rows


def seed_paused(db) -> None:
    nina, sam = "nina@demo.example", "sam@demo.example"
    with db.sessions.begin() as s:
        s.scalars(select(SlaPolicy).where(SlaPolicy.name == "Low")).one().pause_statuses = ["pending", "on_hold"]
        s.add_all([
            # 11, Critical (24x7): waits before the first answer (09-11) and after it (13-15).
            ticket(11, at(9, 8), team="network", status="resolved", assignee=nina, first=at(9, 12), resolved=at(9, 16)),
            # 12, High (Paris office, 09:00-12:30 and 13:30-18:00): waits overnight, Mon 12:00 -> Tue 10:00 Paris.
            ticket(12, paris(9, 10), team="support", status="resolved", priority="high", policy="High", assignee=sam,
                   first=paris(9, 11), resolved=paris(10, 15)),
            # 13, High: pending since Wed 09:30 Paris, answered while still waiting, and still waiting now.
            ticket(13, paris(11, 9), team="support", status="pending", priority="high", policy="High", assignee=sam,
                   first=paris(11, 14)),
            # 14, Critical: on hold 10-12 (not a pause status of Critical), then pending 12-13.
            ticket(14, at(12, 8), team="network", status="resolved", assignee=nina, first=at(12, 9), resolved=at(12, 14)),
            # 15, Critical: resolved while pending (09-10), reopened at 11, resolved again at 12.
            ticket(15, at(13, 8), team="network", status="resolved", assignee=nina, first=at(13, 8, minute=30),
                   resolved=at(13, 12)),
            # 16, Low (Paris office; on hold pauses too): on hold then pending, Thu 11:00 -> Fri 10:00 Paris.
            ticket(16, paris(12, 9), team="billing", status="resolved", priority="low", policy="Low", category="billing",
                   assignee=nina, first=paris(12, 10), resolved=paris(13, 11)),
        ])
        s.flush()
        s.add_all([
            *history(11, at(9, 8), (at(9, 8), "triaged", None), (at(9, 9), "pend", "pending"),
                     (at(9, 11), "customer_reply", "open"), (at(9, 12), "reply", None), (at(9, 13), "pend", "pending"),
                     (at(9, 15), "resume", "open"), (at(9, 16), "resolve", "resolved")),
            *history(12, paris(9, 10), (paris(9, 11), "reply", "open"), (paris(9, 12), "pend", "pending"),
                     (paris(10, 10), "customer_reply", "open"), (paris(10, 15), "resolve", "resolved")),
            *history(13, paris(11, 9), (paris(11, 9, 30), "pend", "pending"), (paris(11, 14), "reply", None)),
            *history(14, at(12, 8), (at(12, 9), "reply", "open"), (at(12, 10), "hold", "on_hold"),
                     (at(12, 12), "pend", "pending"), (at(12, 13), "resume", "open"), (at(12, 14), "resolve", "resolved")),
            *history(15, at(13, 8), (at(13, 8, minute=30), "reply", "open"), (at(13, 9), "pend", "pending"),
                     (at(13, 10), "resolve", "resolved"), (at(13, 11), "reopen", "open"),
                     (at(13, 12), "resolve", "resolved")),
            *history(16, paris(12, 9), (paris(12, 10), "reply", "open"), (paris(12, 11), "hold", "on_hold"),
                     (paris(12, 16), "pend", "pending"), (paris(13, 10), "customer_reply", "open"),
                     (paris(13, 11), "resolve", "resolved")),
        ])


@pytest.fixture
async def paused_reports(dev_server, database, task_queue):
    seed_paused(database)
    async with report_client(dev_server, database, task_queue) as get:
        yield get


async def test_time_waiting_on_the_customer_is_not_counted(paused_reports):
    # By hand, in business seconds (H = 3600), span minus the business part of its pauses:
    #   first response                              | resolution
    # 11  08-12 = 4 H, minus pending 09-11 (2 H): 2 H | 08-16 = 8 H, minus 09-11 and 13-15: 4 H
    # 12  Mon 10:00-11:00 Paris, no pause: 1 H       | Mon 10:00 -> Tue 15:00 Paris = 2.5+4.5+3.5+1.5 = 12 H,
    #                                                |   minus Mon 12:00-12:30, 13:30-18:00, Tue 09-10 = 6 H: 6 H
    #                                                |   (the night inside the pause is not business time)
    # 13  Wed 09:00 -> 14:00 Paris = 4 H, pending   | not resolved
    #     since 09:30 (still is): 09:00-09:30 = 0.5 H
    # 14  08-09: 1 H                                 | 08-14 = 6 H, minus pending 12-13 (on hold 10-12 counts): 5 H
    # 15  08:00-08:30: 0.5 H                         | 08-12 = 4 H, minus pending 09-10 (resolved 10-11 counts): 3 H
    # 16  Thu 09-10 Paris: 1 H                       | Thu 09:00 -> Fri 11:00 Paris = 8 + 2 = 10 H, minus on hold
    #                                                |   and pending Thu 11:00 -> Fri 10:00 = 1.5+4.5+1 = 7 H: 3 H
    # first response: 0.5, 0.5, 1, 1, 1, 2 H -> mean 6 H / 6 = 1 H, median 1 H, p90 the 6th (ceil 5.4) = 2 H
    # resolution: 3, 3, 4, 5, 6 H -> mean 21 H / 5 = 4.2 H = 15120 s, median 4 H, p90 the 5th (ceil 4.5) = 6 H
    # (Counting the waits, first response would be 0.5, 1, 1, 1, 4, 4 H and resolution 4, 6, 8, 10, 12 H.)
    body = ok(await paused_reports("response-times", **PAUSE_WEEK))
    assert body["tickets"] == 6
    assert body["overall"]["first_response"] == {"count": 6, "mean": 3600.0, "median": 3600.0, "p90": 7200.0}
    assert body["overall"]["resolution"] == {"count": 5, "mean": 15120.0, "median": 14400.0, "p90": 21600.0}
    teams = {t["team"]: t for t in body["by_team"]}
    # network (11, 14, 15): first 2, 1, 0.5 H -> mean 3.5 H / 3 = 4200 s; resolution 4, 5, 3 H
    assert teams["network"]["first_response"] == {"count": 3, "mean": 4200.0, "median": 3600.0, "p90": 7200.0}
    assert teams["network"]["resolution"] == {"count": 3, "mean": 14400.0, "median": 14400.0, "p90": 18000.0}
    # support (12, 13): first 1, 0.5 H -> mean and median 0.75 H, p90 the 2nd (ceil 1.8); resolution 6 H
    assert teams["support"]["first_response"] == {"count": 2, "mean": 2700.0, "median": 2700.0, "p90": 3600.0}
    assert teams["support"]["resolution"] == {"count": 1, "mean": 21600.0, "median": 21600.0, "p90": 21600.0}
    # Ticket 16 alone: its policy's pause statuses are read, so on hold is subtracted too. With
    # pending alone it would be 10 H minus Thu 16:00-18:00 and Fri 09-10 = 7 H = 25200 s.
    body = ok(await paused_reports("response-times", priority="low", **PAUSE_WEEK))
    assert body["overall"]["resolution"] == {"count": 1, "mean": 10800.0, "median": 10800.0, "p90": 10800.0}
    rows = rows_of(await paused_reports("response-times", format="csv", **PAUSE_WEEK))
    assert {"team": "(all)", "metric": "resolution", "count": "5", "mean_seconds": "15120.0",
            "median_seconds": "14400.0", "p90_seconds": "21600.0"} in rows


async def test_agents_median_resolution_leaves_out_the_waits(paused_reports):
    body = ok(await paused_reports("agents", **PAUSE_WEEK))
    # nina: 11, 14, 15, 16 -> 4, 5, 3, 3 H -> median (3 H + 4 H) / 2 = 12600 s; sam: 12 -> 6 H (13 is open)
    assert body["rows"] == [
        {"assignee": "nina@demo.example", "name": "Nina Network", "handled": 4, "resolved": 4,
         "median_resolution_seconds": 12600.0, "csat_mean": None, "csat_answers": 0},
        {"assignee": "sam@demo.example", "name": "Sam Support", "handled": 2, "resolved": 1,
         "median_resolution_seconds": 21600.0, "csat_mean": None, "csat_answers": 0}]


# --- next responses and reopenings ----------------------------------------------------------
#
# Tickets of the week of Monday 2026-03-16 (Critical policy, 24x7), with their conversations in
# ticket_events. A next response is an agent's public reply to a customer's message that came
# after the first response (or a resolution); a wait that a resolution ends is not an answer.

REPLY_WEEK = {"from": "2026-03-16", "to": "2026-03-22"}


def seed_conversations(db) -> None:
    nina, sam = "nina@demo.example", "sam@demo.example"
    with db.sessions.begin() as s:
        s.add_all([
            ticket(21, at(16, 8), team="network", status="resolved", assignee=nina, first=at(16, 9), resolved=at(16, 18)),
            ticket(22, at(17, 8), team="support", status="resolved", assignee=sam, first=at(17, 9), resolved=at(17, 12)),
            ticket(23, at(18, 8), team="support", status="resolved", assignee=sam, first=at(18, 9), resolved=at(19, 10)),
            # created the week before, resolved in this one
            ticket(24, at(10, 8), team="network", status="resolved", assignee=nina, first=at(10, 9), resolved=at(16, 9)),
            # resolved before the week, reopened in it, resolved again after it: not resolved in the week
            ticket(25, at(11, 8), team="network", status="resolved", assignee=nina, first=at(11, 9), resolved=at(25, 9)),
        ])
        s.flush()
        s.add_all([
            # 21: answered in 30 min, then 1 h (the second message of the customer, at 12:10, waits
            # with the first), resolved, reopened by the customer at 15:00, answered 2 h later.
            *history(21, at(16, 8), (at(16, 9), "reply", "open"), (at(16, 10), "customer_reply", None),
                     (at(16, 10, minute=30), "reply", None), (at(16, 12), "customer_reply", None),
                     (at(16, 12, minute=10), "customer_reply", None), (at(16, 13), "reply", None),
                     (at(16, 14), "resolve", "resolved"), (at(16, 15), "customer_reply", "open"),
                     (at(16, 17), "reply", None), (at(16, 18), "resolve", "resolved")),
            # 22: a message before the first response starts no wait; 10:00 -> 11:30 with a pending
            # pause 10:15 -> 11:00 (the customer's answer wakes it): 45 min.
            *history(22, at(17, 8), (at(17, 8, minute=30), "customer_reply", None), (at(17, 9), "reply", "open"),
                     (at(17, 10), "customer_reply", None), (at(17, 10, minute=15), "pend", "pending"),
                     (at(17, 11), "customer_reply", "open"), (at(17, 11, minute=30), "reply", None),
                     (at(17, 12), "resolve", "resolved")),
            # 23: both later messages end unanswered by a resolution; reopened twice (an agent, then
            # the customer).
            *history(23, at(18, 8), (at(18, 9), "reply", "open"), (at(18, 10), "customer_reply", None),
                     (at(18, 11), "resolve", "resolved"), (at(18, 12), "reopen", "open"),
                     (at(18, 13), "resolve", "resolved"), (at(19, 9), "customer_reply", "open"),
                     (at(19, 10), "resolve", "resolved")),
            *history(24, at(10, 8), (at(10, 9), "reply", "open"), (at(16, 9), "resolve", "resolved")),
            *history(25, at(11, 8), (at(11, 9), "reply", "open"), (at(12, 9), "resolve", "resolved"),
                     (at(16, 10), "customer_reply", "open"), (at(25, 9), "resolve", "resolved")),
        ])


@pytest.fixture
async def conversation_reports(dev_server, database, task_queue):
    seed_conversations(database)
    async with report_client(dev_server, database, task_queue) as get:
        yield get


async def test_next_response_times_and_the_reopen_rate(conversation_reports):
    # next responses: 21: 30 min, 1 h, 2 h; 22: 45 min -> 1800, 2700, 3600, 7200 s: mean 15300 / 4,
    # median (2700 + 3600) / 2, p90 the 4th (ceil 3.6)
    body = ok(await conversation_reports("response-times", **REPLY_WEEK))
    assert body["tickets"] == 3
    assert body["overall"]["next_response"] == {"count": 4, "mean": 3825.0, "median": 3150.0, "p90": 7200.0}
    teams = {t["team"]: t for t in body["by_team"]}
    assert teams["network"]["next_response"] == {"count": 3, "mean": 4200.0, "median": 3600.0, "p90": 7200.0}
    assert teams["support"]["next_response"] == {"count": 1, "mean": 2700.0, "median": 2700.0, "p90": 2700.0}
    rows = rows_of(await conversation_reports("response-times", format="csv", **REPLY_WEEK))
    assert [r["metric"] for r in rows[:3]] == ["first_response", "next_response", "resolution"]
    assert rows[1] == {"team": "(all)", "metric": "next_response", "count": "4", "mean_seconds": "3825.0",
                       "median_seconds": "3150.0", "p90_seconds": "7200.0"}

    # resolved in the week: 21, 22, 23 and 24 (created before it); 21 reopened once, 23 twice.
    # 25 was resolved before the week and again after it: not counted.
    body = ok(await conversation_reports("reopens", **REPLY_WEEK))
    assert body["overall"] == {"resolved": 4, "reopened": 2, "reopen_pct": 50.0, "reopens": 3}
    assert body["by_team"] == [
        {"team": "network", "resolved": 2, "reopened": 1, "reopen_pct": 50.0, "reopens": 1},
        {"team": "support", "resolved": 2, "reopened": 1, "reopen_pct": 50.0, "reopens": 2}]
    # From the 17th: 21 and 24 were resolved before it; 21's reopening (16th) is before it too.
    body = ok(await conversation_reports("reopens", **(REPLY_WEEK | {"from": "2026-03-17"})))
    assert body["overall"] == {"resolved": 2, "reopened": 1, "reopen_pct": 50.0, "reopens": 2}
    rows = rows_of(await conversation_reports("reopens", format="csv", team="network", **REPLY_WEEK))
    assert rows == [{"team": "(all)", "resolved": "2", "reopened": "1", "reopen_pct": "50.0", "reopens": "1"},
                    {"team": "network", "resolved": "2", "reopened": "1", "reopen_pct": "50.0", "reopens": "1"}]
    assert ok(await conversation_reports("reopens"))["overall"] == {"resolved": 0, "reopened": 0, "reopen_pct": None,
                                                                    "reopens": 0}
