"""Confirming or rejecting a resolution, and answering the survey, from signed links: each
acts once, only in the state it is for, and says what happened."""

from __future__ import annotations

import asyncio

import pytest

from tests.api.conftest import running_desk
from tests.portal.helpers import SECRET, heading, link

pytestmark = pytest.mark.slow


@pytest.fixture
async def desk(dev_server, database, task_queue):
    async with running_desk(dev_server, database, task_queue, secret_key=SECRET) as d:
        yield d


async def resolved_ticket(desk) -> int:
    r = await desk.create(subject="VPN drops", description="Every ten minutes")
    number = r.json()["number"]
    await desk.wait_routed(number)
    assert (await desk.act(number, kind="resolve", resolution="Updated the VPN client to 5.2.")).status_code == 200
    await desk.wait_for(number, lambda t: t["status"] == "resolved")
    return number


async def live_view(desk, number: int, check, timeout: float = 15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        view = await desk.app.state.gateway.view(number)
        if view is not None and check(view):
            return view
        assert asyncio.get_running_loop().time() < deadline, f"ticket {number} never got there: {view}"
        await asyncio.sleep(0.05)


async def test_the_customer_confirms_and_the_ticket_closes_once(desk):
    number = await resolved_ticket(desk)
    path = link(number, "confirm")
    page = await desk.http.get(path)
    assert page.status_code == 200
    assert "Is your problem solved?" in page.text and "Updated the VPN client to 5.2." in page.text
    assert "<legend>Your answer</legend>" in page.text and 'name="decision"' in page.text

    r = await desk.http.post(f"{path}/confirmation", data={"decision": "confirm"})
    assert r.status_code == 200, r.text
    assert heading(r.text) == f"Request #{number} is closed. Thank you!"
    view = await live_view(desk, number, lambda v: v.ticket.status == "closed")
    assert view.ticket.closed_reason == "confirmed"

    again = await desk.http.post(f"{path}/confirmation", data={"decision": "reject", "comment": "wait"})
    assert again.status_code == 409 and "already used on" in again.text
    assert (await desk.http.get(path)).status_code == 409
    await desk.projected(number, view.ticket.last_seq)  # the events list is the read model's
    events = (await desk.http.get(f"/tickets/{number}/events", headers=desk.auth())).json()
    assert [e["kind"] for e in events].count("confirmed") == 1
    assert [e for e in events if e["kind"] == "confirmed"][0]["actor_kind"] == "customer"


async def test_a_rejection_needs_a_comment_and_reopens_the_ticket_with_it(desk):
    number = await resolved_ticket(desk)
    path = link(number, "confirm")
    r = await desk.http.post(f"{path}/confirmation", data={"decision": "reject", "comment": "  "})
    assert r.status_code == 422 and 'id="comment-error"' in r.text
    assert 'value="reject" checked' in r.text  # the choice is kept
    r = await desk.http.post(f"{path}/confirmation", data={})
    assert r.status_code == 422 and "Choose whether the problem is solved." in r.text

    r = await desk.http.post(f"{path}/confirmation", data={"decision": "reject", "comment": "Still drops at 10:05."})
    assert r.status_code == 200
    assert heading(r.text) == f"Request #{number} is reopened"
    view = await live_view(desk, number, lambda v: v.ticket.status == "open")
    entry = view.conversation[-1]
    assert (entry.body, entry.visibility, entry.author.kind) == ("Still drops at 10:05.", "public", "customer")
    page = await desk.http.get(link(number))
    assert "Still drops at 10:05." in page.text


async def test_the_survey_is_answered_once_and_reaches_the_ticket(desk):
    number = await resolved_ticket(desk)
    assert (await desk.http.post(f"{link(number, 'confirm')}/confirmation", data={"decision": "confirm"})).status_code == 200
    await live_view(desk, number, lambda v: v.survey is not None)
    path = link(number, "survey")
    page = await desk.http.get(path)
    assert page.status_code == 200
    assert "How did we do?" in page.text and page.text.count('name="csat"') == 5 and page.text.count('name="nps"') == 11
    assert "<legend>How satisfied are you" in page.text

    bad = await desk.http.post(f"{path}/survey", data={"nps": "11", "comment": "x"})
    assert bad.status_code == 422 and 'id="csat-error"' in bad.text and 'id="nps-error"' in bad.text

    r = await desk.http.post(f"{path}/survey", data={"csat": "4", "nps": "9", "comment": "Quick <fix>"})
    assert r.status_code == 200 and heading(r.text) == "Thank you for your answer"
    view = await live_view(desk, number, lambda v: v.survey.answered_at is not None)
    assert (view.survey.csat, view.survey.nps, view.survey.comment) == (4, 9, "Quick <fix>")

    # The same link again, or another survey link for the same ticket: one answer per ticket.
    again = await desk.http.post(f"{path}/survey", data={"csat": "1"})
    assert again.status_code == 409 and "already used on" in again.text
    other = await desk.http.post(f"{link(number, 'survey')}/survey", data={"csat": "1"})
    assert other.status_code == 409 and "already answered" in other.text
    view = await desk.app.state.gateway.view(number)
    assert view.survey.csat == 4


async def test_the_survey_without_the_optional_questions(desk):
    number = await resolved_ticket(desk)
    await desk.http.post(f"{link(number, 'confirm')}/confirmation", data={"decision": "confirm"})
    await live_view(desk, number, lambda v: v.survey is not None)
    r = await desk.http.post(f"{link(number, 'survey')}/survey", data={"csat": "2"})
    assert r.status_code == 200
    view = await live_view(desk, number, lambda v: v.survey.answered_at is not None)
    assert (view.survey.csat, view.survey.nps, view.survey.comment) == (2, None, "")
