"""The agents' console over HTTP (the browser's view of it: tests/portal/test_console_browser.py):
queues with their counts, filters and saved views; the ticket page and its forms, which act
through the ticket's own update (bad input named and nothing done, a stale view refused with
what changed, and sent anyway once confirmed); bulk actions with each ticket's outcome.
Real parts: the API in process, a worker on the Temporal dev server, the read model on SQLite."""

from __future__ import annotations

import re

import pytest

from models.passwords import set_password
from models.tables import Agent
from tests.api.conftest import ROLES, running_desk

SITE = "http://desk"
OURS = {"Origin": SITE}
PASSWORD = "console password 1"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def seen_of(html: str) -> str:
    return re.search(r'name="seen" value="(\d+)"', html).group(1)


@pytest.fixture
async def console(dev_server, sqlite_database, task_queue):
    with sqlite_database.sessions.begin() as s:
        for email in ROLES.values():
            set_password(s, s.query(Agent).filter_by(email=email).one(), PASSWORD)
    async with running_desk(dev_server, sqlite_database, task_queue) as desk:
        async def cookie(role: str) -> dict:
            r = await desk.http.post("/login", data={"email": ROLES[role], "password": PASSWORD}, headers=OURS)
            assert r.status_code == 303, r.text
            return {"Cookie": r.headers["set-cookie"].split(";")[0]}

        desk.cookie = cookie
        yield desk


async def test_queues_filters_and_saved_views(console):
    desk = console
    jar = await desk.cookie("agent")
    mine = (await desk.create(subject="VPN down for everyone", description="since 9")).json()["number"]
    other = (await desk.create(subject="Printer jams", description="tray 2")).json()["number"]
    for n in (mine, other):
        await desk.wait_routed(n)
    r = await desk.http.get("/console", headers=jar)
    assert r.status_code == 303 and r.headers["location"] == "/console/queues/mine"
    page = await desk.http.get("/console/queues/all?q=printer", headers=jar)
    assert page.status_code == 200 and f">{other}<" in page.text and "Printer jams" in page.text
    assert "VPN down" not in page.text
    assert re.search(r'All tickets</span> <span class="count" aria-label="(\d+) tickets"', page.text)
    bad = await desk.http.get("/console/queues/all?priority=urgent&sort=sideways&page=0", headers=jar)
    assert bad.status_code == 422
    for words in ("Priority</a>: choose among low, normal, high, critical (not &#39;urgent&#39;)", "Sort</a>: choose one of",
                  "Page</a>: a page number"):
        assert words in bad.text, words
    assert (await desk.http.get("/console/queues/nowhere", headers=jar)).status_code == 404

    # A saved view, shared with a team; a bad one is named and not kept.
    csrf = csrf_of(page.text)
    r = await desk.http.post("/console/views", data={"csrf": csrf, "name": "", "queue": "all", "query": "q=printer"},
                             headers=OURS | jar)
    assert r.status_code == 422 and "name: give the view a name" in r.text
    r = await desk.http.post("/console/views", data={"csrf": csrf, "name": "Printers", "queue": "all",
                                                     "query": "q=printer&sort=-updated_at", "share": "999"}, headers=OURS | jar)
    assert r.status_code == 422 and "share: you can share a view only with a team you are in" in r.text
    r = await desk.http.post("/console/views", data={"csrf": csrf, "name": "Printers", "queue": "all",
                                                     "query": "q=printer&sort=-updated_at"}, headers=OURS | jar)
    assert r.status_code == 303 and r.headers["location"] == "/console/queues/all?q=printer&sort=-updated_at"
    assert ">Printers</a>" in (await desk.http.get("/console/queues/mine", headers=jar)).text
    assert ">Printers</a>" not in (await desk.http.get("/console/queues/mine", headers=await desk.cookie("supervisor"))).text


async def test_the_ticket_page_acts_through_the_ticket_s_own_update(console):
    desk = console
    agent, supervisor = await desk.cookie("agent"), await desk.cookie("supervisor")
    older = (await desk.create(subject="Toner empty", description="again")).json()["number"]
    number = (await desk.create(subject="Cannot print", description="The printer says PC LOAD LETTER")).json()["number"]
    await desk.wait_routed(number)
    page = await desk.http.get(f"/console/tickets/{number}", headers=agent)
    assert page.status_code == 200 and "PC LOAD LETTER" in page.text
    assert "Their other tickets" in page.text and f"#{older} Toner empty" in page.text
    assert "first response" in page.text.lower()  # an SLA clock counting down
    csrf, seen = csrf_of(page.text), seen_of(page.text)
    form = {"csrf": csrf, "seen": seen, "key": "k1"}

    # Bad input: the page again with the field named; nothing done.
    r = await desk.http.post(f"/console/tickets/{number}/act", data=form | {"kind": "reply", "body": "   "}, headers=OURS | agent)
    assert r.status_code == 422 and "Not done: reply" in r.text and 'id="err-reply-body"' in r.text
    r = await desk.http.post(f"/console/tickets/{number}/act", data=form | {"kind": "assign", "assignee": "ghost@demo.example"},
                             headers=OURS | agent)
    assert r.status_code == 422 and "ghost@demo.example" in r.text
    assert (await desk.ticket(number))["last_seq"] == int(seen)

    # A reply lands, with the page's view current.
    r = await desk.http.post(f"/console/tickets/{number}/act", data=form | {"kind": "reply", "body": "Load letter paper."},
                             headers=OURS | agent)
    assert r.status_code == 303 and r.headers["location"] == f"/console/tickets/{number}?done=reply#top"
    # The supervisor's page was drawn before it: their note is refused, naming the reply, and lands when confirmed.
    r = await desk.http.post(f"/console/tickets/{number}/act", data={"csrf": csrf_of((await desk.http.get(
        f"/console/tickets/{number}", headers=supervisor)).text), "seen": seen, "kind": "note", "body": "Check the tray"},
        headers=OURS | supervisor)
    assert r.status_code == 409 and "The ticket changed while you were on it" in r.text
    assert f"reply by {ROLES['agent']}" in r.text and "Send it anyway" in r.text
    again = re.search(r'<form method="post" action="/console/tickets/\d+/act" class="inline">(.*?)</form>', r.text, re.S).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', again))
    assert fields["confirm"] == "1" and fields["body"] == "Check the tray"
    r = await desk.http.post(f"/console/tickets/{number}/act", data=fields, headers=OURS | supervisor)
    assert r.status_code == 303
    view = await desk.ticket(number)
    assert [e["body"] for e in view["conversation"]][-2:] == ["Load letter paper.", "Check the tray"]

    # An auditor reads the page but has no forms, and a form of theirs is refused.
    auditor = await desk.cookie("auditor")
    page = await desk.http.get(f"/console/tickets/{number}", headers=auditor)
    assert page.status_code == 200 and "Send the reply" not in page.text
    r = await desk.http.post(f"/console/tickets/{number}/act", data={"csrf": csrf_of(page.text), "kind": "close"},
                             headers=OURS | auditor)
    assert r.status_code == 403


async def test_bulk_actions_show_each_ticket_s_outcome(console):
    desk = console
    jar = await desk.cookie("supervisor")
    for email in ("sam@demo.example", "sky@demo.example", "sue@demo.example"):  # the team away: nothing is routed
        r = await desk.http.put(f"/agents/{email}/availability", json={"availability": "away"}, headers=desk.auth("admin"))
        assert r.status_code == 200, r.text
    numbers = [(await desk.create(subject=f"Bulk {i}", description="x")).json()["number"] for i in range(3)]
    for n in numbers:
        await desk.wait_routed(n)
    assert (await desk.act(numbers[2], kind="resolve", resolution="done")).status_code == 200
    assert (await desk.act(numbers[2], kind="close")).status_code == 200
    page = await desk.http.get("/console/queues/all", headers=jar)
    form = {"csrf": csrf_of(page.text), "back": "/console/queues/all", "key": "bulk-test", "action": "assign",
            "assignee": ROLES["agent"], "n": [str(n) for n in numbers]}
    r = await desk.http.post("/console/bulk", data=form, headers=OURS | jar)
    assert r.status_code == 200
    result = re.search(r"<section class=\"panel bulk-result.*?</section>", r.text, re.S)
    assert result, r.text[-3000:]
    told = re.sub(r"\s+", " ", result.group(0))
    assert "Assign: 2 of 3 done" in told, told
    for n in numbers[:2]:
        assert f"#{n}</a>: done, now open" in told, told
    assert f"#{numbers[2]}</a>: not done: ticket {numbers[2]} is closed" in told
    for n in numbers[:2]:
        assert (await desk.ticket(n))["assignee"] == ROLES["agent"]
    # The same form again (a reload) acts once per ticket: nothing new happens.
    before = [(await desk.ticket(n))["last_seq"] for n in numbers[:2]]
    await desk.http.post("/console/bulk", data=form, headers=OURS | jar)
    assert [(await desk.ticket(n))["last_seq"] for n in numbers[:2]] == before
    r = await desk.http.post("/console/bulk", data={k: v for k, v in form.items() if k != "n"}, headers=OURS | jar)
    assert r.status_code == 422 and "Selection: select at least one ticket" in r.text
