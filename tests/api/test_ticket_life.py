"""A ticket's whole life through the API: workflow on the real dev server, read model on
SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from api.deps import Principal
from api.tickets.schemas import TicketCreate
from models.tables import TicketEventRow, TicketIntake


async def test_life_of_a_ticket(desk):
    r = await desk.create(subject="VPN outage in Lyon", description="Nobody can connect", priority="normal",
                          channel="phone", tags=["lyon"])
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    assert r.json()["workflow_id"] == f"ticket-{number}" and r.headers["location"] == f"/tickets/{number}"

    t = await desk.wait_routed(number)
    assert (t["status"], t["priority"], t["category"], t["team"], t["assignee"]) == (
        "new", "high", "network", "network", "nina@demo.example")
    assert t["tags"] == ["lyon", "outage"] and t["channel"] == "phone"

    r = await desk.act(number, kind="reply", body="We are looking into it.")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "open" and r.json()["first_response_at"] is not None
    r = await desk.act(number, kind="note", body="Core switch in Lyon rebooted at 9:02")
    assert r.json()["conversation"][-1]["visibility"] == "internal"
    r = await desk.act(number, kind="pend", reason="Asked which office")
    assert r.json()["status"] == "pending"

    r = await desk.http.post(f"/tickets/{number}/customer-replies", json={"body": "Lyon, 3rd floor"}, headers=desk.auth())
    assert r.status_code == 202, r.text
    for _ in range(200):
        t = await desk.ticket(number)
        if t["status"] == "open":
            break
        await asyncio.sleep(0.05)
    assert t["status"] == "open" and t["conversation"][-1]["author"]["kind"] == "customer"

    r = await desk.act(number, kind="set_priority", priority="critical")
    assert r.json()["priority"] == "critical"
    r = await desk.act(number, kind="assign", assignee="sam@demo.example", team="support")
    assert (r.json()["assignee"], r.json()["team"]) == ("sam@demo.example", "support")
    r = await desk.act(number, kind="hold", reason="Waiting for the ISP")
    assert r.json()["status"] == "on_hold"
    r = await desk.act(number, kind="resume")
    assert r.json()["status"] == "open"
    r = await desk.act(number, kind="resolve", resolution="ISP replaced the fibre")
    assert r.json()["status"] == "resolved"
    r = await desk.act(number, kind="reopen", reason="Down again")
    assert r.json()["status"] == "open" and r.json()["resolution"] is None
    r = await desk.act(number, kind="resolve", resolution="Second fibre replaced too")
    r = await desk.act(number, kind="close", role="supervisor")
    assert r.status_code == 200 and r.json()["status"] == "closed"

    # Closed is final: the API says so (409), and nothing changes.
    r = await desk.act(number, kind="reopen")
    assert r.status_code == 409 and r.json()["error"]["type"] == "TicketClosed"
    r = await desk.http.post(f"/tickets/{number}/customer-replies", json={"body": "thanks"}, headers=desk.auth())
    assert r.status_code == 409

    # The closed ticket is still readable live (its history is kept), and so is its audit trail.
    t = await desk.ticket(number)
    assert t["status"] == "closed" and t["live"] is True
    r = await desk.http.get(f"/tickets/{number}/events", headers=desk.auth("auditor"))
    events = r.json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["kind"] for e in events][:4] == ["created", "triaged", "routed", "sla_policy"]
    assert events[-1]["kind"] == "close" and events[-1]["actor_id"] == "sue@demo.example"
    assert {e["actor_id"] for e in events if e["kind"] == "reply"} == {"sam@demo.example"}
    assert any(e["kind"] == "customer_reply" and e["data"]["recorded_by"] == "sam@demo.example" for e in events)


async def test_list_filters_and_pagination(desk):
    numbers = []
    for subject, extra in [
        ("Invoice is wrong", {}),
        ("Refund please", {"priority": "low"}),
        ("Laptop fan noise", {"requester": {"email": "zed@other.example", "name": "Zed"}}),
    ]:
        r = await desk.create(subject=subject, **extra)
        numbers.append(r.json()["number"])
    for n in numbers:
        await desk.wait_routed(n)
    await desk.act(numbers[2], kind="pend")

    async def search(**params) -> dict:
        r = await desk.http.get("/tickets", params=params, headers=desk.auth("auditor"))
        assert r.status_code == 200, r.text
        return r.json()

    assert {t["number"] for t in (await search())["items"]} == set(numbers)
    # Newest first by default. `created_at` is when the ticket's workflow first ran, so two
    # tickets created a moment apart may start in either order: check the order against it.
    billing = (await search(category="billing"))["items"]
    assert {t["number"] for t in billing} == set(numbers[:2])
    assert [t["number"] for t in billing] == [t["number"] for t in sorted(
        billing, key=lambda t: (datetime.fromisoformat(t["created_at"]), t["number"]), reverse=True)]
    assert [t["number"] for t in (await search(team="billing", priority="low"))["items"]] == [numbers[1]]
    assert [t["number"] for t in (await search(status="pending"))["items"]] == [numbers[2]]
    assert [t["number"] for t in (await search(status=["new", "pending"], sort="number"))["items"]] == numbers
    assert [t["number"] for t in (await search(requester="ZED@other.example"))["items"]] == [numbers[2]]
    assert [t["number"] for t in (await search(q="fan"))["items"]] == [numbers[2]]
    assert [t["number"] for t in (await search(q="every second"))["items"]] == sorted(numbers, reverse=True)
    assert (await search(q="100%"))["total"] == 0  # wildcards are literal
    assert [t["number"] for t in (await search(assignee="bill@demo.example", sort="number"))["items"]] == numbers[:2]
    page = await search(limit=2, offset=0, sort="number")
    assert page["total"] == 3 and [t["number"] for t in page["items"]] == numbers[:2]
    page = await search(limit=2, offset=2, sort="number")
    assert [t["number"] for t in page["items"]] == numbers[2:]


async def test_idempotency_key_never_makes_two_tickets(desk):
    key = {"Idempotency-Key": "req-7f3a"}
    first = await desk.create(headers=key)
    again = await desk.create(headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert again.headers.get("idempotent-replayed") == "true"

    # The same key with another body is a client bug: refused, nothing created.
    other = await desk.create(headers=key, subject="Something else")
    assert other.status_code == 422 and other.json()["error"]["type"] == "IdempotencyKeyReused"

    # Ten concurrent retries of one request: one ticket.
    burst = await asyncio.gather(*(desk.create(headers={"Idempotency-Key": "burst-1"}) for _ in range(10)))
    assert {r.status_code for r in burst} == {201}
    assert len({r.json()["number"] for r in burst}) == 1
    with desk.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TicketIntake)) == 2
    await desk.wait_routed(burst[0].json()["number"])


async def test_a_request_ledgered_but_never_started_is_not_lost(desk):
    """The process dies after the ledger write and before the workflow start."""
    intake = desk.app.state.intake
    body = TicketCreate(subject="Lost?", description="Never", requester={"email": "dana@customer.example"})
    me = Principal(agent_id=2, email="sam@demo.example", name="Sam", role="agent")
    crashed_with_key = await intake.reserve(body, me, "k-crash")
    crashed_without = await intake.reserve(body, me, None)

    # A retry with the same key finds the ledgered request and starts it.
    r = await desk.http.post("/tickets", json=body.model_dump(mode="json"),
                             headers=desk.auth() | {"Idempotency-Key": "k-crash"})
    assert r.json()["number"] == crashed_with_key.number
    await desk.wait_routed(crashed_with_key.number)

    # Without a key, the sweeper starts it, once.
    assert await intake.start_unstarted(older_than=timedelta(0)) == [crashed_without.number]
    t = await desk.wait_routed(crashed_without.number)
    assert t["subject"] == "Lost?" and t["assignee"] is not None
    assert await intake.start_unstarted(older_than=timedelta(0)) == []


async def test_action_idempotency_key_applies_once(desk):
    number = (await desk.create()).json()["number"]
    await desk.wait_routed(number)
    key = {"Idempotency-Key": "note-42"}
    a = await desk.act(number, headers=key, kind="note", body="only once")
    b = await desk.act(number, headers=key, kind="note", body="only once")
    assert a.status_code == b.status_code == 200
    assert a.json()["last_seq"] == b.json()["last_seq"]
    with desk.db.sessions() as s:
        notes = s.scalar(select(func.count()).select_from(TicketEventRow).where(
            TicketEventRow.number == number, TicketEventRow.kind == "note"))
    assert notes == 1

    # The same key with another body, or on another ticket, is a client bug: refused, nothing applied.
    other = await desk.act(number, headers=key, kind="note", body="something else")
    assert other.status_code == 422 and other.json()["error"]["type"] == "IdempotencyKeyReused", other.text
    assert "header Idempotency-Key" in {f["field"] for f in other.json()["error"]["fields"]}
    second = (await desk.create()).json()["number"]
    await desk.wait_routed(second)
    r = await desk.act(second, headers=key, kind="note", body="only once")
    assert r.status_code == 422 and r.json()["error"]["type"] == "IdempotencyKeyReused"
    assert (await desk.ticket(number))["last_seq"] == a.json()["last_seq"]

    # A refused action applies nothing under its key: the key may then name a corrected one.
    fix = {"Idempotency-Key": "resolve-1"}
    r = await desk.act(second, headers=fix, kind="reopen")  # a new ticket cannot be reopened
    assert r.status_code == 409, r.text
    r = await desk.act(second, headers=fix, kind="note", body="reopen was wrong")
    assert r.status_code == 200, r.text


async def test_health_and_directory(desk):
    r = await desk.http.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "database": "ok", "temporal": "ok"}
    teams = (await desk.http.get("/teams", headers=desk.auth())).json()
    assert {t["slug"] for t in teams} == {"support", "network", "billing", "escalations"}
    agents = (await desk.http.get("/agents", headers=desk.auth("auditor"))).json()
    assert {"email": "nina@demo.example", "name": "Nina Network", "role": "agent", "team": "network",
            "teams": ["network"], "active": True, "capacity": 20, "skills": [], "availability": "online",
            "open_tickets": 0} in agents
