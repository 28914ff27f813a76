"""Routing through the API, with the real worker and dev server: round-robin fairness,
least-loaded with uneven loads, a ticket waiting in the team queue until an agent comes
online or frees capacity, and the routing administration's validation."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncio
from collections import Counter

from sqlalchemy import select

from models.tables import Agent, RoutingDecision

SAM, SKY, NINA = "sam@demo.example", "sky@demo.example", "nina@demo.example"


async def _ok(r, status: int = 200) -> dict | list:
    assert r.status_code == status, r.text
    return r.json() if r.content else {}


async def _routed_events(desk, number: int) -> list[dict]:
    r = await desk.http.get(f"/tickets/{number}/events", headers=desk.auth("auditor"))
    return [e for e in await _ok(r) if e["kind"] == "routed"]


async def _agents(desk) -> dict[str, dict]:
    return {a["email"]: a for a in await _ok(await desk.http.get("/agents", headers=desk.auth()))}


async def test_round_robin_gives_each_online_agent_an_equal_share_in_cursor_order(desk):
    admin = desk.auth("admin")
    team = await _ok(await desk.http.patch("/admin/teams/support", json={"routing_mode": "round_robin"}, headers=admin))
    assert team["routing_mode"] == "round_robin" and team["members"] == [SAM, SKY]
    nina = await _ok(await desk.http.patch(f"/admin/agents/{NINA}", json={"teams": ["network", "support"]}, headers=admin))
    assert (nina["team"], nina["teams"]) == ("network", ["network", "support"])
    rule = await _ok(await desk.http.post("/admin/routing-rules", json={"position": 1, "category": "printers", "team": "support"},
                                          headers=admin), 201)
    assert rule["team"] == "support" and rule["skills"] == []

    created = await asyncio.gather(*(desk.create(subject=f"Printer {i} jams", category="printers") for i in range(12)))
    numbers = [(await _ok(r, 201))["number"] for r in created]
    tickets = [await desk.wait_routed(n) for n in numbers]
    assert {t["team"] for t in tickets} == {"support"}
    assert Counter(t["assignee"] for t in tickets) == {SAM: 4, SKY: 4, NINA: 4}
    agents = await _agents(desk)
    assert [agents[e]["open_tickets"] for e in (SAM, SKY, NINA)] == [4, 4, 4]

    # In cursor order (agent ids: Sam, Sky, Nina), whatever order the tickets arrived in.
    with desk.db.sessions() as s:
        order = list(s.scalars(select(RoutingDecision.assignee).where(RoutingDecision.number.in_(numbers))
                               .order_by(RoutingDecision.decided_at)))
        ids = dict(s.execute(select(Agent.email, Agent.id).where(Agent.email.in_([SAM, SKY, NINA]))).all())
    cycle = sorted([SAM, SKY, NINA], key=ids.get)
    assert order == cycle * 4
    routed = (await _routed_events(desk, numbers[0]))[0]
    assert routed["data"]["reason"].startswith("intake: rule #") and "round-robin in support" in routed["data"]["reason"]


async def test_least_loaded_evens_out_uneven_loads(desk):
    first = [(await _ok(await desk.create(subject=f"Old {i}"), 201))["number"] for i in range(4)]
    routed = [(await desk.wait_routed(n))["assignee"] for n in first]
    for n, now, who in zip(first, routed, [SAM, SAM, SAM, SKY]):
        if now != who:
            t = await _ok(await desk.act(n, role="supervisor", kind="assign", assignee=who, team="support"))
            assert t["assignee"] == who
    agents = await _agents(desk)
    assert (agents[SAM]["open_tickets"], agents[SKY]["open_tickets"]) == (3, 1)

    picks = []
    for i in range(4):
        n = (await _ok(await desk.create(subject=f"New {i}"), 201))["number"]
        picks.append((await desk.wait_routed(n))["assignee"])
        if i == 0:
            reason = (await _routed_events(desk, n))[0]["data"]["reason"]
            assert reason.endswith("least loaded in support: sky@demo.example with 1 open of 20")
    # Sky catches up first; at 3 each, Sam has waited longest for a routed ticket.
    assert picks == [SKY, SKY, SAM, SKY]
    agents = await _agents(desk)
    assert (agents[SAM]["open_tickets"], agents[SKY]["open_tickets"]) == (4, 4)


async def test_nobody_available_waits_in_the_queue_until_an_agent_comes_online(desk):
    r = await desk.http.put("/agents/me/availability", json={"availability": "away"}, headers=desk.auth())  # Sam
    assert (await _ok(r)) == {"email": SAM, "availability": "away", "dispatched": []}
    r = await desk.http.put(f"/agents/{SKY}/availability", json={"availability": "offline"}, headers=desk.auth("supervisor"))
    assert (await _ok(r))["availability"] == "offline"

    number = (await _ok(await desk.create(subject="Printer on fire", priority="high"), 201))["number"]
    t = await desk.wait_routed(number)
    assert (t["team"], t["assignee"]) == ("support", None)
    [routed] = await _routed_events(desk, number)
    assert routed["data"]["reason"].endswith(
        "nobody available in support: sam@demo.example away, sky@demo.example offline; waiting in the team queue")
    queue = await _ok(await desk.http.get("/teams/support/queue", headers=desk.auth()))
    assert [q["number"] for q in queue] == [number]
    assert datetime.fromisoformat(queue[0]["created_at"]).utcoffset() == timedelta(0)
    teams = {t["slug"]: t for t in await _ok(await desk.http.get("/teams", headers=desk.auth()))}
    assert teams["support"]["queued"] == 1

    r = await desk.http.put("/agents/me/availability", json={"availability": "online"}, headers=desk.auth())
    assert (await _ok(r))["dispatched"] == [number]
    t = await desk.wait_for(number, lambda t: t["assignee"] is not None)
    assert t["assignee"] == SAM
    await desk.projected(number, t["last_seq"])  # the events come from the read model, which follows the view
    last = (await _routed_events(desk, number))[-1]
    assert last["data"]["reason"].startswith("sam@demo.example came online: in team support; least loaded in support")
    assert await _ok(await desk.http.get("/teams/support/queue", headers=desk.auth())) == []
    # Online again changes nothing and dispatches nothing.
    r = await desk.http.put("/agents/me/availability", json={"availability": "online"}, headers=desk.auth())
    assert (await _ok(r))["dispatched"] == []


async def test_a_queued_ticket_goes_to_the_agent_who_frees_capacity(desk):
    await _ok(await desk.http.put(f"/agents/{SKY}/availability", json={"availability": "away"}, headers=desk.auth("supervisor")))
    sam = await _ok(await desk.http.patch(f"/admin/agents/{SAM}", json={"capacity": 1}, headers=desk.auth("admin")))
    assert sam["capacity"] == 1
    busy = (await _ok(await desk.create(subject="First"), 201))["number"]
    assert (await desk.wait_routed(busy))["assignee"] == SAM
    queued = (await _ok(await desk.create(subject="Second"), 201))["number"]
    assert (await desk.wait_routed(queued))["assignee"] is None
    [routed] = await _routed_events(desk, queued)
    assert "everyone online in support is at capacity: sam@demo.example 1 open of 1" in routed["data"]["reason"]

    await _ok(await desk.act(busy, kind="resolve", resolution="Cleared the jam"))
    t = await desk.wait_for(queued, lambda t: t["assignee"] is not None)
    assert t["assignee"] == SAM
    await desk.projected(queued, t["last_seq"])  # the events come from the read model, which follows the view
    assert "sam@demo.example freed capacity" in (await _routed_events(desk, queued))[-1]["data"]["reason"]


async def test_raising_capacity_hands_out_queued_tickets(desk):
    admin = desk.auth("admin")
    await _ok(await desk.http.put(f"/agents/{SKY}/availability", json={"availability": "offline"}, headers=desk.auth("supervisor")))
    await _ok(await desk.http.patch(f"/admin/agents/{SAM}", json={"capacity": 0}, headers=admin))
    numbers = [(await _ok(await desk.create(subject=f"Queued {i}"), 201))["number"] for i in range(3)]
    for n in numbers:
        assert (await desk.wait_routed(n))["assignee"] is None
    await _ok(await desk.http.patch(f"/admin/agents/{SAM}", json={"capacity": 2}, headers=admin))
    for n in numbers[:2]:
        t = await desk.wait_for(n, lambda t: t["assignee"] == SAM)
        await desk.projected(n, t["last_seq"])  # the queue and the events come from the read model
    assert [q["number"] for q in await _ok(await desk.http.get("/teams/support/queue", headers=desk.auth()))] == numbers[2:]
    last = (await _routed_events(desk, numbers[0]))[-1]
    assert last["data"]["reason"].startswith("sam@demo.example capacity raised to 2: ")


async def test_routing_administration_validates_and_names_fields(desk):
    admin = desk.auth("admin")

    async def error(r, status: int) -> tuple[str, list[str]]:
        body = await _ok(r, status)
        return body["error"]["type"], [f["field"] for f in body["error"]["fields"]]

    assert await error(await desk.http.post("/admin/routing-rules", json={"team": "support"}, headers=admin), 422) == (
        "ValidationError", ["category"])
    assert await error(await desk.http.post("/admin/routing-rules", json={"category": "x", "team": "nope"}, headers=admin),
                       422) == ("UnknownTeam", ["team"])
    assert await error(await desk.http.post("/admin/routing-rules", json={"category": "x", "team": "support",
                                                                         "skills": ["two words"], "colour": 1},
                                            headers=admin), 422) == ("ValidationError", ["skills.0", "colour"])
    assert await error(await desk.http.patch("/admin/teams/support", json={"routing_mode": "random"}, headers=admin),
                       422) == ("ValidationError", ["routing_mode"])
    assert await error(await desk.http.patch(f"/admin/agents/{SAM}", json={"teams": ["support", "nope"]}, headers=admin),
                       422) == ("UnknownTeam", ["teams.1"])
    assert await error(await desk.http.patch(f"/admin/agents/{SAM}", json={"capacity": -1}, headers=admin),
                       422) == ("ValidationError", ["capacity"])
    assert await error(await desk.http.put("/agents/me/availability", json={"availability": "busy"}, headers=desk.auth()),
                       422) == ("ValidationError", ["availability"])
    assert (await error(await desk.http.patch("/admin/agents/ghost@demo.example", json={}, headers=admin), 404))[0] == "NotFound"
    assert (await error(await desk.http.patch("/admin/teams/ghosts", json={}, headers=admin), 404))[0] == "NotFound"
    assert (await error(await desk.http.patch("/admin/teams/support", json={"routing_mode": "round_robin"},
                                              headers=desk.auth("supervisor")), 403))[0] == "Forbidden"
    assert (await error(await desk.http.put(f"/agents/{SKY}/availability", json={"availability": "away"},
                                            headers=desk.auth()), 403))[0] == "Forbidden"
    # Nothing above changed anything.
    agents = await _agents(desk)
    assert (agents[SAM]["teams"], agents[SAM]["capacity"], agents[SKY]["availability"]) == (["support"], 20, "online")

    rule = await _ok(await desk.http.post("/admin/routing-rules", json={"position": 5, "category": "network", "tag": "vpn",
                                                                       "team": "network", "skills": ["VPN", "vpn"]},
                                          headers=admin), 201)
    assert rule["skills"] == ["vpn"] and rule["tag"] == "vpn"
    changed = await _ok(await desk.http.put(f"/admin/routing-rules/{rule['id']}",
                                            json={"position": 5, "tag": "vpn", "team": "escalations"}, headers=admin))
    assert (changed["category"], changed["team"]) == (None, "escalations")
    rules = await _ok(await desk.http.get("/admin/routing-rules", headers=desk.auth("supervisor")))
    assert rules[0]["id"] == rule["id"] and [r["category"] for r in rules[1:]] == ["network", "billing"]
    assert (await desk.http.delete(f"/admin/routing-rules/{rule['id']}", headers=admin)).status_code == 204
    assert (await error(await desk.http.delete(f"/admin/routing-rules/{rule['id']}", headers=admin), 404))[0] == "NotFound"
    assert (await error(await desk.http.put(f"/admin/routing-rules/{rule['id']}", json={"tag": "x", "team": "support"},
                                            headers=admin), 404))[0] == "NotFound"
    team = await _ok(await desk.http.patch("/admin/teams/network", json={"skills": ["dns", "vpn"], "routing_mode": "skill_match"},
                                           headers=admin))
    assert (team["skills"], team["routing_mode"], team["members"]) == (["dns", "vpn"], "skill_match", [NINA])
    sam = await _ok(await desk.http.patch(f"/admin/agents/{SAM}", json={"skills": ["dns"], "teams": ["network"]}, headers=admin))
    assert (sam["team"], sam["teams"], sam["skills"]) == ("network", ["network"], ["dns"])
