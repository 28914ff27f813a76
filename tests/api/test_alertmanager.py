"""Monitoring alerts through the API: the Alertmanager webhook payloads, exactly as
Alertmanager sends them (tests/api/alertmanager/*.json), against the real dev server and a
real worker, on SQLite and PostgreSQL.

The alert_fired / alert_resolved events and the auto-resolve are the ticket workflow's
(the contract in workflows/messages.py AlertNotice); the rest is the endpoint's."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from sqlalchemy import func, select
from temporalio.client import Client

from api.app import create_app
from models.alerts import AlertGroup, group_key_hash
from models.tables import TicketIntake

FIXTURES = Path(__file__).parent / "alertmanager"
FIRST, SECOND = "4b3f1c9a2d6e8f01", "9e0d7a55c3b2f417"  # fingerprints of the HighLatency alerts
LATENCY_GROUP = '{}/{severity="critical"}:{alertname="HighLatency"}'


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def doc(name: str) -> dict:
    return json.loads(raw(name))


async def deliver(desk, body: bytes | dict, role: str = "agent", headers: dict | None = None):
    """POST as Alertmanager does: its JSON, its headers, the token from http_config.authorization."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", "User-Agent": "Alertmanager/0.28.1"} | desk.auth(role) | (headers or {})
    return await desk.http.post("/inbound/alertmanager", content=content, headers=sent)


def alert_rows(desk) -> tuple[int, int]:
    """(alert tickets in the intake ledger, alert groups)."""
    with desk.db.sessions() as s:
        ledgered = s.scalar(select(func.count()).select_from(TicketIntake).where(TicketIntake.source == "alertmanager"))
        grouped = s.scalar(select(func.count()).select_from(AlertGroup))
        return ledgered, grouped


async def events(desk, number: int) -> list[dict]:
    r = await desk.http.get(f"/tickets/{number}/events", headers=desk.auth())
    assert r.status_code == 200, r.text
    return r.json()


async def wait_for(check, what: str, timeout: float = 15.0):
    """Poll `check()` (async) until it returns something truthy, or fail saying `what`."""
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; last saw: {last!r}")


async def wait_event(desk, number: int, kind: str, containing: str = "") -> list[dict]:
    async def check():
        found = [e for e in await events(desk, number) if e["kind"] == kind and containing in json.dumps(e["data"])]
        return found or None
    return await wait_for(check, f"a {kind} event on #{number} mentioning {containing!r}")


async def test_first_firing_opens_a_ticket_and_repeats_change_nothing(desk):
    r = await deliver(desk, raw("firing.json"))
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "opened" and r.headers["location"] == f"/tickets/{r.json()['number']}"
    number = r.json()["number"]

    t = await desk.ticket(number)
    assert t["subject"] == "Checkout p99 latency above 2s"
    assert (t["channel"], t["priority"], t["status"]) == ("monitoring", "critical", "new")
    assert {"alert", "highlatency"} <= set(t["tags"])
    assert (t["requester_email"], t["requester_name"]) == ("alerts@monitoring.localhost", "servicedesk")
    assert "checkout-7f9c:8080" in t["description"] and "https://runbooks.example.org/checkout/high-latency" in t["description"]
    assert "http://alertmanager.example.org:9093" in t["description"] and "2026-11-23T09:12:31.417Z" in t["description"]
    created = (await wait_event(desk, number, "created"))[0]
    assert (created["kind"], created["actor_kind"], created["actor_id"]) == ("created", "system", "alertmanager")

    # repeat_interval: Alertmanager sends the same notification again; and retries it. The
    # answer says nothing was added.
    r = await deliver(desk, raw("firing.json"))
    assert (r.status_code, r.json()["outcome"], r.json()["number"]) == (200, "unchanged", number)
    assert "already has every alert" in r.json()["reason"]
    answers = await asyncio.gather(*(deliver(desk, raw("firing.json")) for _ in range(5)))
    assert {(a.status_code, a.json()["outcome"], a.json()["number"]) for a in answers} == {(200, "unchanged", number)}
    assert alert_rows(desk) == (1, 1)

    # A re-fire with a new alert in the group is news: one alert_fired event, for the new alert only.
    r = await deliver(desk, raw("refiring.json"))
    assert (r.status_code, r.json()) == (200, {"outcome": "appended", "number": number})
    fired = await wait_event(desk, number, "alert_fired", SECOND)
    all_fired = [e for e in await events(desk, number) if e["kind"] == "alert_fired"]
    assert len(all_fired) == 1 and FIRST not in json.dumps(fired[0]["data"]), all_fired
    assert alert_rows(desk) == (1, 1)
    with desk.db.sessions() as s:
        group = s.get(AlertGroup, group_key_hash(LATENCY_GROUP))
        assert (group.number, group.generation, group.status, group.group_key) == (number, 1, "firing", LATENCY_GROUP)
        assert group.notifications == 8  # opened, 1 + 5 repeats, 1 re-fire


async def test_five_concurrent_first_deliveries_open_one_ticket(desk):
    answers = await asyncio.gather(*(deliver(desk, raw("grouped.json")) for _ in range(5)))
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    assert len({a.json()["number"] for a in answers}) == 1
    assert any(a.json()["outcome"] == "opened" for a in answers)
    assert alert_rows(desk) == (1, 1)
    number = answers[0].json()["number"]
    t = await desk.ticket(number)
    # Grouped: two firing (warning, critical) and one resolved; the highest firing severity wins.
    assert (t["priority"], t["subject"], t["channel"]) == ("critical", "DiskSpaceLow: cluster=eu-west-1", "monitoring")
    assert "3 alert(s), 2 firing" in t["description"] and "db-3" in t["description"]


async def test_different_first_notifications_of_a_group_at_once_share_one_ticket(desk):
    """A first notification and a re-fire of the same new group arrive together: whichever
    opens the ticket, the other is delivered to it, and the ticket knows both alerts."""
    answers = await asyncio.gather(*(deliver(desk, raw(name)) for name in ["firing.json", "refiring.json"] * 3))
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    numbers = {a.json()["number"] for a in answers}
    assert len(numbers) == 1 and alert_rows(desk) == (1, 1)
    number = numbers.pop()

    async def both_known():
        seen = json.dumps([e["data"] for e in await events(desk, number) if e["kind"] in ("created", "alert_fired")])
        return FIRST in seen and SECOND in seen
    await wait_for(both_known, f"#{number} to record both alerts of the group")


async def test_another_group_opens_another_ticket(desk):
    one = await deliver(desk, raw("firing.json"))
    other = await deliver(desk, raw("grouped.json"))
    assert (one.status_code, other.status_code) == (201, 201)
    assert one.json()["number"] != other.json()["number"]
    assert alert_rows(desk) == (2, 2)


async def test_resolved_notification_resolves_the_ticket(desk):
    number = (await deliver(desk, raw("firing.json"))).json()["number"]
    r = await deliver(desk, raw("refiring.json"))
    assert r.json() == {"outcome": "appended", "number": number}
    r = await deliver(desk, raw("resolved.json"))
    assert (r.status_code, r.json()) == (200, {"outcome": "appended", "number": number})

    async def resolved():
        t = await desk.ticket(number)
        return t if t["status"] == "resolved" else None
    t = await wait_for(resolved, f"#{number} to resolve itself")
    assert "all alerts in the group resolved" in (t["resolution"] or "").lower()
    await wait_event(desk, number, "alert_resolved", SECOND)
    with desk.db.sessions() as s:
        assert s.get(AlertGroup, group_key_hash(LATENCY_GROUP)).status == "resolved"
    # Alertmanager may send the resolved notification again: still the same ticket, still resolved.
    r = await deliver(desk, raw("resolved.json"))
    assert (r.json()["outcome"], r.json()["number"]) == ("unchanged", number)
    assert alert_rows(desk) == (1, 1)


async def test_resolved_for_an_unknown_group_opens_nothing(desk):
    r = await deliver(desk, raw("resolved.json"))
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "ignored" and "no ticket" in r.json()["reason"]
    assert alert_rows(desk) == (0, 0)


async def test_after_the_ticket_is_closed_the_group_opens_a_new_one(desk):
    first = (await deliver(desk, raw("firing.json"))).json()["number"]
    assert (await desk.ticket(first))["status"] == "new"
    r = await desk.act(first, kind="resolve", resolution="Rolled back the checkout release")
    assert r.status_code == 200, r.text
    r = await desk.act(first, kind="close", role="supervisor")
    assert r.json()["status"] == "closed"

    # Its resolved notification comes late: nothing to open, nothing to change.
    r = await deliver(desk, raw("resolved.json"))
    assert (r.status_code, r.json()["outcome"], r.json()["number"]) == (200, "ignored", first)
    assert "closed" in r.json()["reason"]

    # The group fires again: a new ticket, which says where it comes from; then repeats reach it.
    r = await deliver(desk, raw("firing.json"))
    assert r.status_code == 201, r.text
    second = r.json()["number"]
    assert second != first
    t = await desk.ticket(second)
    assert f"after #{first} was closed" in t["description"]
    r = await deliver(desk, raw("firing.json"))
    assert (r.json()["outcome"], r.json()["number"]) == ("unchanged", second)
    assert alert_rows(desk) == (2, 1)
    with desk.db.sessions() as s:
        group = s.get(AlertGroup, group_key_hash(LATENCY_GROUP))
        assert (group.number, group.generation) == (second, 2)


async def test_truncated_notification_with_an_unknown_severity(desk):
    r = await deliver(desk, raw("truncated.json"))
    assert r.status_code == 201, r.text
    t = await desk.ticket(r.json()["number"])
    assert t["priority"] == "normal" and t["requester_name"] == "db-oncall"
    assert "left out 3 more alert(s)" in t["description"]
    assert 'severity "sev2" is not in the severity map' in t["description"]


async def test_temporal_unavailable_answers_503_and_the_retry_opens_the_same_ticket(desk):
    """Temporal refuses the start after the ticket was ledgered (here: the API talks to a
    namespace Temporal does not have). Alertmanager retries 5xx: the retry, once Temporal
    answers, starts that same ticket and delivers to it; no second ticket."""
    broken = create_app(desk.app.state.settings, temporal=Client(desk.temporal.service_client, namespace="no-such-namespace"),
                        sessions=desk.db.sessions, sweep=False)
    async with broken.router.lifespan_context(broken):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=broken), base_url="http://desk") as http:
            for _ in range(2):
                r = await http.post("/inbound/alertmanager", content=raw("firing.json"),
                                    headers={"Content-Type": "application/json"} | desk.auth())
                assert r.status_code == 503 and r.json()["error"]["type"] == "TemporalUnavailable", r.text
    assert alert_rows(desk) == (1, 1)

    r = await deliver(desk, raw("firing.json"))
    assert r.status_code in (200, 201), r.text
    number = r.json()["number"]
    t = await desk.ticket(number)
    assert (t["subject"], t["channel"], t["priority"]) == ("Checkout p99 latency above 2s", "monitoring", "critical")
    r = await deliver(desk, raw("firing.json"))  # a repeat: the ticket has these alerts already
    assert (r.json()["outcome"], r.json()["number"]) == ("unchanged", number)
    assert alert_rows(desk) == (1, 1)


BAD = {
    "not JSON": (b"receiver=servicedesk&status=firing", "body"),
    "a JSON array": (b"[]", "body"),
    "random JSON": (b'{"hello": "world"}', "version"),
    "version 3": ({**doc("firing.json"), "version": "3"}, "version"),
    "version as a number": ({**doc("firing.json"), "version": 4}, "version"),
    "no groupKey": ({k: v for k, v in doc("firing.json").items() if k != "groupKey"}, "groupKey"),
    "alerts not a list": ({**doc("firing.json"), "alerts": {"status": "firing"}}, "alerts"),
    "no alerts": ({**doc("firing.json"), "alerts": []}, "alerts"),
    "alert without fingerprint": ({**doc("firing.json"), "alerts": [
        {k: v for k, v in doc("firing.json")["alerts"][0].items() if k != "fingerprint"}]}, "alerts.0.fingerprint"),
    "alert without startsAt": ({**doc("firing.json"), "alerts": [
        {k: v for k, v in doc("firing.json")["alerts"][0].items() if k != "startsAt"}]}, "alerts.0.startsAt"),
    "alert with a bad status": ({**doc("firing.json"), "alerts": [
        {**doc("firing.json")["alerts"][0], "status": "pending"}]}, "alerts.0.status"),
    "alert with a bad time": ({**doc("firing.json"), "alerts": [
        {**doc("firing.json")["alerts"][0], "startsAt": "yesterday"}]}, "alerts.0.startsAt"),
    "Grafana's webhook": (raw("grafana.json"), "version"),
}


async def test_bad_payloads_are_refused_naming_the_field_and_leave_nothing(desk):
    for name, (body, field) in BAD.items():
        r = await deliver(desk, body)
        assert r.status_code == 422, (name, r.text)
        error = r.json()["error"]
        assert error["type"] == "ValidationError" and "Alertmanager" in error["message"], (name, error)
        assert field in [f["field"] for f in error["fields"]], (name, error)
    assert alert_rows(desk) == (0, 0)


async def test_only_desk_staff_tokens_may_deliver(desk):
    r = await desk.http.post("/inbound/alertmanager", content=raw("firing.json"), headers={"Content-Type": "application/json"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "Unauthorized"
    r = await deliver(desk, raw("firing.json"), role="auditor")
    assert r.status_code == 403
    for role in ("supervisor", "admin"):
        r = await deliver(desk, raw("firing.json"), role=role)
        assert r.status_code in (200, 201), r.text
    assert alert_rows(desk) == (1, 1)
