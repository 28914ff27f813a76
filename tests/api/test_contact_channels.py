"""Requests from the web form, the API, the phone and chat: the channel is recorded on the
ticket, and an agent who takes a call or a chat logs it with its channel."""

from __future__ import annotations

import asyncio

import pytest


@pytest.mark.parametrize("channel", ["web", "api", "phone", "chat"])
async def test_channel_is_recorded_at_intake(desk, channel):
    r = await desk.create(channel=channel, subject=f"Asked by {channel}")
    number = r.json()["number"]
    t = await desk.wait_routed(number)
    assert t["channel"] == channel
    events = (await desk.http.get(f"/tickets/{number}/events", headers=desk.auth())).json()
    created = events[0]
    assert created["kind"] == "created" and created["data"]["channel"] == channel
    assert created["actor_id"] == "sam@demo.example"  # the agent who logged it
    listed = (await desk.http.get("/tickets", params={"q": f"Asked by {channel}"}, headers=desk.auth())).json()
    assert [i["channel"] for i in listed["items"]] == [channel]


async def test_agent_logs_a_phone_call_and_a_chat_on_a_ticket(desk):
    number = (await desk.create(channel="web")).json()["number"]
    await desk.wait_routed(number)
    for channel, body in (("phone", "Called: the jam is on tray 2"), ("chat", "Chat: tray 2 fixed itself")):
        r = await desk.http.post(f"/tickets/{number}/customer-replies", json={"body": body, "channel": channel},
                                 headers=desk.auth())
        assert r.status_code == 202, r.text
    for _ in range(200):
        t = await desk.ticket(number)
        if len(t["conversation"]) == 2:
            break
        await asyncio.sleep(0.05)
    assert [(e["channel"], e["author"]["kind"], e["author"]["id"]) for e in t["conversation"]] == [
        ("phone", "customer", "dana@customer.example"), ("chat", "customer", "dana@customer.example")]
    await desk.projected(number, t["last_seq"])  # the events list is the read model's
    events = (await desk.http.get(f"/tickets/{number}/events", headers=desk.auth())).json()
    logged = [e["data"] for e in events if e["kind"] == "customer_reply"]
    assert [(d["channel"], d["recorded_by"]) for d in logged] == [("phone", "sam@demo.example"), ("chat", "sam@demo.example")]


async def test_unknown_channel_is_refused(desk):
    r = await desk.create(channel="fax")
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "channel"
