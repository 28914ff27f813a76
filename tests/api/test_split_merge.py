"""Split a ticket into sub-tickets (child workflows) and merge a duplicate into its primary,
through the API, on the real dev server, with the read model on SQLite and PostgreSQL."""

from __future__ import annotations


async def test_split_into_sub_tickets_and_resolve_the_parent_last(desk):
    parent = (await desk.create(subject="Move the Lyon office", description="Everything, on Friday")).json()["number"]
    await desk.wait_routed(parent)
    split = {"kind": "split", "children": [
        {"subject": "Move the network", "description": "Switches and Wi-Fi", "team": "network", "priority": "high"},
        {"subject": "Move the desks", "description": "42 desks"}]}
    r = await desk.act(parent, headers={"Idempotency-Key": "split-1"}, **split)
    assert r.status_code == 200, r.text
    children = r.json()["children"]
    assert [c["subject"] for c in children] == ["Move the network", "Move the desks"]
    assert all(c["status"] == "new" for c in children)
    numbers = [c["number"] for c in children]

    # Retrying the same request (same Idempotency-Key) splits nothing twice.
    again = await desk.act(parent, headers={"Idempotency-Key": "split-1"}, **split)
    assert again.status_code == 200 and [c["number"] for c in again.json()["children"]] == numbers

    network = await desk.wait_for(numbers[0], lambda t: t["last_seq"] >= 4)
    assert network["parent"] == parent and network["team"] == "network" and network["priority"] == "high"
    assert network["requester_email"] == "dana@customer.example"

    r = await desk.act(parent, kind="resolve", resolution="moved")
    assert r.status_code == 409 and r.json()["error"]["type"] == "ChildrenOpen"
    assert f"#{numbers[0]}" in r.json()["error"]["message"]

    assert (await desk.act(numbers[0], kind="resolve", resolution="network moved")).status_code == 200
    assert (await desk.act(numbers[1], kind="resolve", resolution="desks moved")).status_code == 200
    assert (await desk.act(numbers[1], kind="close")).status_code == 200
    view = await desk.wait_for(parent, lambda t: [c["status"] for c in t["children"]] == ["resolved", "closed"])
    assert view["status"] == "open"
    r = await desk.act(parent, kind="resolve", resolution="moved")
    assert r.status_code == 200 and r.json()["status"] == "resolved"

    events = (await desk.http.get(f"/tickets/{parent}/events", headers=desk.auth())).json()
    kinds = [e["kind"] for e in events]
    assert kinds.count("split") == 1 and kinds.count("child_status") >= 3


async def test_split_validation(desk):
    number = (await desk.create()).json()["number"]
    await desk.wait_routed(number)
    r = await desk.act(number, kind="split", children=[])
    assert r.status_code == 422
    r = await desk.act(number, kind="split", children=[{"subject": "x", "description": "y", "team": "nope"}])
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "children[0].team"
    r = await desk.act(999_999_999, kind="split", children=[{"subject": "x", "description": "y"}])
    assert r.status_code == 404


async def test_merge_a_duplicate_into_its_primary(desk):
    primary = (await desk.create(subject="Printer jams on floor 2", description="Since Monday")).json()["number"]
    dup = (await desk.create(subject="Printer broken", description="Floor 2 printer eats paper",
                             requester={"email": "eli@customer.example"})).json()["number"]
    await desk.wait_routed(primary)
    await desk.wait_routed(dup)
    r = await desk.http.post(f"/tickets/{dup}/customer-replies", json={"body": "It is the HP one"}, headers=desk.auth())
    assert r.status_code == 202
    await desk.wait_for(dup, lambda t: len(t["conversation"]) == 1)

    for body, status, kind in (({"into": dup}, 422, "InvalidAction"), ({"into": 999_999_999}, 422, "UnknownTicket")):
        r = await desk.act(dup, kind="merge", **body)
        assert (r.status_code, r.json()["error"]["type"]) == (status, kind), r.text

    r = await desk.act(dup, kind="merge", into=primary)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["merged_into"], r.json()["resolution"]) == ("closed", primary, f"Merged into #{primary}")

    view = await desk.wait_for(primary, lambda t: t["merged_from"] == [dup])
    linked = view["conversation"][-1]
    assert linked["visibility"] == "internal" and f"#{dup}" in linked["body"] and "It is the HP one" in linked["body"]

    # The duplicate is closed for good; merging into it is refused.
    other = (await desk.create()).json()["number"]
    await desk.wait_routed(other)
    r = await desk.act(other, kind="merge", into=dup)
    assert r.status_code == 409 and r.json()["error"]["type"] == "TicketClosed"
