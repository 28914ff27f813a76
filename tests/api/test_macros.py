"""Macros over the API (api/macros/, docs/macros.md), on the real dev server and read model:
who sees and manages which, a template refused when saved, the preview, and applying one: the
reply with its placeholders filled and the status, priority and tags it sets, in one update,
or nothing at all."""

from __future__ import annotations

import pytest

from tests.api.conftest import running_desk, token_for

pytestmark = pytest.mark.slow

TEMPLATE = "Hi {{ requester.name }},\n\ncould you send us the logs for #{{ ticket.number }}?\n\n{{ agent.name }}"


async def test_who_sees_and_manages_which_macro_and_what_is_refused(database, task_queue, dev_server):
    async with running_desk(dev_server, database, task_queue) as desk:
        http = desk.http
        sam, sue, admin = desk.auth("agent"), desk.auth("supervisor"), desk.auth("admin")  # sam and sue: support
        sky = {"Authorization": f"Bearer {token_for(desk.db.sessions, 'sky@demo.example')}"}  # support too
        nina = {"Authorization": f"Bearer {token_for(desk.db.sessions, 'nina@demo.example')}"}  # network

        async def create(who, **body):
            return await http.post("/macros", json={"name": "Ask for logs", "body": TEMPLATE} | body, headers=who)

        mine = await create(sam, status="pending", priority="high", add_tags=["logs"])
        assert mine.status_code == 201, mine.text
        assert mine.json() | {"id": 0, "created_at": 0, "updated_at": 0} == {
            "id": 0, "name": "Ask for logs", "body": TEMPLATE, "scope": "personal", "team": None,
            "owner": "sam@demo.example", "status": "pending", "priority": "high", "add_tags": ["logs"],
            "remove_tags": [], "created_by": "sam@demo.example", "created_at": 0, "updated_at": 0, "can_manage": True}
        assert mine.headers["Location"] == f"/macros/{mine.json()['id']}"
        assert (await create(sam, scope="team", team="support")).status_code == 403  # an agent leads no team
        team = await create(sue, name="Support hello", scope="team", team="support")  # a support supervisor
        assert team.status_code == 201, team.text
        assert (await create(sam, name="Everyone", scope="global")).status_code == 403
        everyone = await create(admin, name="Everyone", scope="global")
        assert everyone.status_code == 201, everyone.text
        ids = {name: r.json()["id"] for name, r in (("mine", mine), ("team", team), ("global", everyone))}

        async def names(who, query: str = "") -> list[str]:
            r = await http.get(f"/macros{query}", headers=who)
            assert r.status_code == 200, r.text
            return [mac["name"] for mac in r.json()]

        assert await names(sam) == ["Ask for logs", "Everyone", "Support hello"]
        assert await names(sky) == ["Everyone", "Support hello"]  # a colleague's personal macro stays theirs
        assert await names(nina) == ["Everyone"]  # not a support member
        assert await names(admin) == ["Everyone", "Support hello"]  # manages every team's
        assert await names(sam, "?scope=team") == ["Support hello"]
        assert await names(sam, "?manageable=true") == ["Ask for logs"]
        assert await names(sue, "?manageable=true&team=support") == ["Support hello"]
        assert (await http.get(f"/macros/{ids['mine']}", headers=sky)).status_code == 404
        assert (await http.get(f"/macros/{ids['team']}", headers=nina)).status_code == 404
        assert (await http.get("/macros", headers=desk.auth("auditor"))).status_code == 403
        assert (await http.patch(f"/macros/{ids['team']}", json={"name": "Mine now"}, headers=sam)).status_code == 403
        assert (await http.delete(f"/macros/{ids['global']}", headers=sam)).status_code == 403
        changed = await http.patch(f"/macros/{ids['team']}", json={"status": "on_hold", "remove_tags": ["new"]}, headers=sue)
        assert changed.status_code == 200 and changed.json()["status"] == "on_hold", changed.text
        assert changed.json()["remove_tags"] == ["new"] and changed.json()["name"] == "Support hello"
        assert (await http.delete(f"/macros/{ids['global']}", headers=sue)).status_code == 204
        assert await names(nina) == []

        async def refused(r, field: str, *says: str) -> None:
            assert r.status_code == 422, r.text
            fields = r.json()["error"]["fields"]
            assert fields and fields[0]["field"] == field, fields
            assert all(s in fields[0]["message"] for s in says), fields

        await refused(await create(sam, name="x", body="Hi,\n{{ requester.phone }}"), "body", "line 2", "requester.phone")
        await refused(await create(sam, name="x", body="{{ ''.__class__.__mro__ }}"), "body", "line 1", "__class__")
        await refused(await create(sam, name="x", body="{% if ticket.number %}"), "body", "line 1", "not a valid template")
        await refused(await create(sam, name="x", status="closed"), "status")
        await refused(await create(sam, name="x", add_tags=["two words"]), "add_tags.0")
        await refused(await create(sue, name="x", scope="team"), "team", "required")
        await refused(await create(sam), "name", "exists")  # one "Ask for logs" of sam's already
        await refused(await http.patch(f"/macros/{ids['mine']}", json={"scope": "global"}, headers=sam), "scope", "unknown")
        await refused(await http.patch(f"/macros/{ids['mine']}", json={"body": "{{ x }}"}, headers=sam), "body", "'x'")


async def test_preview_then_apply_lands_the_reply_and_its_effects_together(sqlite_database, task_queue, dev_server):
    async with running_desk(dev_server, sqlite_database, task_queue) as desk:
        http, sam = desk.http, desk.auth("agent")
        created = await desk.create(requester={"email": "dana@customer.example", "name": "Dana Scully"}, tags=["new"])
        number = created.json()["number"]
        before = await desk.wait_routed(number)
        macro = (await http.post("/macros", json={"name": "Ask for logs", "body": TEMPLATE, "status": "pending",
                                                  "priority": "high", "add_tags": ["logs"], "remove_tags": ["new"]},
                                 headers=sam)).json()
        reply = f"Hi Dana Scully,\n\ncould you send us the logs for #{number}?\n\nSam Support"

        preview = await http.post(f"/tickets/{number}/macros/{macro['id']}/preview", headers=sam)
        assert preview.status_code == 200, preview.text
        assert preview.json() == {"macro": macro["id"], "number": number, "body": reply, "status": "pending",
                                  "priority": "high", "add_tags": ["logs"], "remove_tags": ["new"]}
        assert (await desk.ticket(number))["last_seq"] == before["last_seq"]  # a preview changes nothing

        key = {"Idempotency-Key": "macro-1"}
        applied = await http.post(f"/tickets/{number}/macros/{macro['id']}/apply", headers=sam | key)
        assert applied.status_code == 200, applied.text
        after = applied.json()
        assert (after["status"], after["priority"], after["tags"]) == ("pending", "high", ["logs"])
        assert after["conversation"][-1]["body"] == reply and after["conversation"][-1]["visibility"] == "public"
        assert after["first_response_at"] is not None  # the reply answered the customer
        assert after["last_seq"] == before["last_seq"] + 4
        again = await http.post(f"/tickets/{number}/macros/{macro['id']}/apply", headers=sam | key)
        assert again.status_code == 200 and again.json()["last_seq"] == after["last_seq"]  # applied once
        other = await http.post("/macros", json={"name": "Other", "body": "Hello"}, headers=sam)
        reused = await http.post(f"/tickets/{number}/macros/{other.json()['id']}/apply", headers=sam | key)
        assert reused.status_code == 422 and reused.json()["error"]["type"] == "IdempotencyKeyReused"
        assert applied.headers["ETag"] == f'"{after["last_seq"]}"'
        stale = await http.post(f"/tickets/{number}/macros/{other.json()['id']}/apply",
                                headers=sam | {"If-Match": f'"{before["last_seq"]}"'})  # the view before the macro
        assert stale.status_code == 409 and stale.json()["error"]["type"] == "StaleView", stale.text

        # One update: the steps' events share its time, in order, each the agent's (then the new
        # priority's SLA policy follows, as after any priority change).
        await desk.projected(number, after["last_seq"])
        events = [e for e in (await http.get(f"/tickets/{number}/events", headers=sam)).json()
                  if before["last_seq"] < e["seq"] <= after["last_seq"]]
        assert [e["kind"] for e in events] == ["reply", "set_priority", "set_tags", "pend"]
        assert len({e["at"] for e in events}) == 1 and {e["actor_id"] for e in events} == {"sam@demo.example"}
        assert events[0]["data"]["body"] == reply and events[-1]["status_to"] == "pending"
        outbox = (await http.get(f"/admin/notifications?number={number}", headers=desk.auth("supervisor"))).json()
        told = {(n["kind"], n["recipient"]) for n in outbox if before["last_seq"] < n["seq"] <= after["last_seq"]}
        assert told == {("agent_reply", "dana@customer.example")}  # one mail: the reply, not the status besides

        # Refused as a whole: a resolved ticket cannot be put on hold, so the reply and the priority stay out too.
        assert (await desk.act(number, kind="resolve", resolution="Logs showed it")).status_code == 200
        hold = await http.post("/macros", json={"name": "Hold", "body": "Waiting on the ISP", "status": "on_hold",
                                                "priority": "critical"}, headers=sam)
        resolved = await desk.ticket(number)
        r = await http.post(f"/tickets/{number}/macros/{hold.json()['id']}/apply", headers=sam)
        assert r.status_code == 409 and r.json()["error"]["type"] == "InvalidTransition", r.text
        unchanged = await desk.ticket(number)
        assert (unchanged["last_seq"], unchanged["priority"], len(unchanged["conversation"])) == (
            resolved["last_seq"], "high", len(resolved["conversation"]))

        # A closed ticket: nothing changes.
        assert (await desk.act(number, kind="close")).status_code == 200
        closed = await desk.ticket(number)
        r = await http.post(f"/tickets/{number}/macros/{macro['id']}/apply", headers=sam)
        assert r.status_code == 409 and r.json()["error"]["type"] == "TicketClosed", r.text
        assert (await desk.ticket(number))["last_seq"] == closed["last_seq"]
        assert (await http.post(f"/tickets/{number}/macros/999999/apply", headers=sam)).status_code == 404
