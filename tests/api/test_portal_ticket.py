"""A ticket's page from a signed link: the public conversation only, the customer's reply,
files of public entries, and a clear refusal page for every link that cannot be used."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models.portal import spend
from tests.api.conftest import running_desk
from tests.portal.helpers import SECRET, form_key, heading, link

pytestmark = pytest.mark.slow
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def desk(dev_server, database, task_queue):
    async with running_desk(dev_server, database, task_queue, secret_key=SECRET) as d:
        yield d


async def open_ticket(desk) -> int:
    r = await desk.create(subject="Printer jams", description="Every second page <jams>")
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    await desk.wait_routed(number)
    return number


async def test_the_page_shows_status_and_public_conversation_never_internal_notes(desk):
    number = await open_ticket(desk)
    up = await desk.http.post(f"/tickets/{number}/attachments", files={"file": ("steps.png", PNG, "image/png")},
                              headers=desk.auth())
    public_file = up.json()["id"]
    up = await desk.http.post(f"/tickets/{number}/attachments", files={"file": ("internal.png", PNG, "image/png")},
                              headers=desk.auth())
    internal_file = up.json()["id"]
    assert (await desk.act(number, kind="reply", body="Try the rear tray.", attachments=[public_file])).status_code == 200
    assert (await desk.act(number, kind="note", body="SECRET: customer owes us", attachments=[internal_file])).status_code == 200

    r = await desk.http.get(link(number))
    assert r.status_code == 200, r.text
    html = r.text
    assert heading(html) == "Printer jams"
    assert f"Request #{number}" in html and "Status:" in html
    assert "Every second page &lt;jams&gt;" in html  # the request, escaped
    assert "Try the rear tray." in html
    assert "SECRET" not in html and "internal.png" not in html
    assert "sam@demo.example" not in html  # no agent e-mail addresses
    assert '<label for="body">' in html and "<script" not in html
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"

    path = link(number)
    got = await desk.http.get(f"{path}/files/{public_file}")
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-disposition"].startswith("attachment;")
    refused = await desk.http.get(f"{path}/files/{internal_file}")
    assert refused.status_code == 404 and "not part of your request" in refused.text
    assert (await desk.http.get(f"{path}/files/999999999")).status_code == 404
    assert (await desk.http.get(f"{path}/files/abc")).status_code == 404


async def test_the_customer_replies_once_however_often_the_form_is_sent(desk):
    number = await open_ticket(desk)
    path = link(number)
    key = form_key((await desk.http.get(path)).text)
    r = await desk.http.post(f"{path}/reply", data={"form_key": key, "body": "It still jams on page 2."})
    assert r.status_code == 303
    assert r.headers["location"] == f"{path}?sent=reply"
    page = await desk.http.get(r.headers["location"])
    assert "your reply was sent" in page.text and "It still jams on page 2." in page.text
    await desk.http.post(f"{path}/reply", data={"form_key": key, "body": "It still jams on page 2."})  # again
    ticket = await desk.wait_for(number, lambda t: any(e["body"] == "It still jams on page 2." for e in t["conversation"]))
    mine = [e for e in ticket["conversation"] if e["body"] == "It still jams on page 2."]
    assert len(mine) == 1
    assert mine[0]["author"]["kind"] == "customer" and mine[0]["author"]["id"] == "dana@customer.example"
    assert mine[0]["channel"] == "web"


async def test_an_empty_reply_is_asked_again(desk):
    number = await open_ticket(desk)
    r = await desk.http.post(f"{link(number)}/reply", data={"form_key": "k" * 20, "body": "   "})
    assert r.status_code == 422
    assert 'id="body-error"' in r.text and "Write your reply first." in r.text


async def test_a_closed_ticket_refuses_a_reply_clearly(desk):
    number = await open_ticket(desk)
    assert (await desk.act(number, kind="resolve", resolution="Cleaned the rollers.")).status_code == 200
    assert (await desk.act(number, kind="close")).status_code == 200
    await desk.wait_for(number, lambda t: t["status"] == "closed")
    page = await desk.http.get(link(number))
    assert page.status_code == 200 and "This request is closed" in page.text and 'name="body"' not in page.text
    r = await desk.http.post(f"{link(number)}/reply", data={"form_key": "k" * 20, "body": "Hello?"})
    assert r.status_code == 409
    assert "is closed, so it cannot take replies" in r.text


def tampered(path: str) -> str:
    body, mac = path.rsplit(".", 1)
    return f"{body}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"


async def test_forged_malformed_expired_and_wrong_purpose_links_are_refused_with_a_page(desk):
    number = await open_ticket(desk)
    cases = [
        (tampered(link(number)), 400, "This link is not valid"),
        (link(number, secret="another-desk"), 400, "This link is not valid"),
        ("/portal/t/no-dot-at-all", 400, "This link is incomplete"),
        ("/portal/t/" + "a" * 2000 + ".b", 400, "This link is incomplete"),
        (link(number, expires_in=timedelta(seconds=-5)), 410, "This link has expired"),
    ]
    for path, status, title in cases:
        r = await desk.http.get(path)
        assert (r.status_code, heading(r.text)) == (status, title), path
        assert r.headers["content-type"].startswith("text/html") and "Traceback" not in r.text
        assert "Nothing was changed" in r.text or status == 400
    # A view link cannot confirm or answer the survey; a survey link cannot confirm.
    r = await desk.http.post(f"{link(number)}/confirmation", data={"decision": "confirm"})
    assert (r.status_code, heading(r.text)) == (400, "This link is for something else")
    r = await desk.http.post(f"{link(number, 'survey')}/confirmation", data={"decision": "confirm"})
    assert r.status_code == 400
    r = await desk.http.post(f"{link(number, 'confirm')}/survey", data={"csat": "5"})
    assert r.status_code == 400
    r = await desk.http.post(f"{link(number, 'confirm')}/reply", data={"body": "hi"})
    assert r.status_code == 400
    ticket = await desk.ticket(number)
    assert ticket["status"] not in ("resolved", "closed")


async def test_a_link_for_a_ticket_that_does_not_exist_says_so(desk):
    r = await desk.http.get(link(1))
    assert (r.status_code, heading(r.text)) == (404, "Request not found")


async def test_a_confirm_link_for_a_ticket_that_is_not_resolved_changes_nothing(desk):
    number = await open_ticket(desk)
    path = link(number, "confirm")
    r = await desk.http.get(path)
    assert r.status_code == 409 and "no longer waiting for your confirmation" in r.text
    r = await desk.http.post(f"{path}/confirmation", data={"decision": "confirm"})
    assert r.status_code == 409 and "no longer waiting for your confirmation" in r.text
    assert (await desk.ticket(number))["status"] != "closed"
    r = await desk.http.get(link(number, "survey"))
    assert r.status_code == 409 and heading(r.text) == "The survey is closed"


async def test_a_used_link_says_when_it_was_used(desk):
    number = await open_ticket(desk)
    path = link(number, "confirm", link_id="used-once-123")
    spend(desk.db.sessions, "used-once-123", number, "confirm")
    for r in (await desk.http.get(path), await desk.http.post(f"{path}/confirmation", data={"decision": "confirm"})):
        assert r.status_code == 409
        assert heading(r.text) == "This link was already used"
        assert re.search(r"already used on \d{1,2} \w+ \d{4} at \d\d:\d\d UTC", r.text)
