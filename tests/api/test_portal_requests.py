"""The portal's request form: a customer opens a ticket from a web page, once per form."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import running_desk
from tests.portal.helpers import SECRET, form_key, heading

pytestmark = pytest.mark.slow


@pytest.fixture
async def desk(dev_server, database, task_queue):
    async with running_desk(dev_server, database, task_queue, secret_key=SECRET) as d:
        yield d


def answers(key: str, **changes) -> dict:
    return {"form_key": key, "name": "Dana Scully", "email": "Dana@Customer.example", "subject": "Laptop will not boot",
            "description": "It shows a blinking cursor since this morning."} | changes


async def test_the_form_is_plain_accessible_html(desk):
    r = await desk.http.get("/portal")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="en">' in html
    # no inline script: only the help centre's suggestions, our own file (docs/portal.md)
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/portal/static/portal-kb.js" defer>']
    for name in ("name", "email", "subject", "description"):
        assert f'<label for="{name}">' in html and f'id="{name}"' in html
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    css = await desk.http.get("/portal/static/portal.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


async def test_a_request_opens_one_web_ticket_even_when_sent_twice(desk):
    key = form_key((await desk.http.get("/portal")).text)
    r = await desk.http.post("/portal/requests", data=answers(key))
    assert r.status_code == 200, r.text
    title = heading(r.text)
    assert title.startswith("Request #") and title.endswith("received")
    number = int(title.split("#")[1].split()[0])
    assert "dana@customer.example" in r.text and "e-mailed a link" in r.text

    again = await desk.http.post("/portal/requests", data=answers(key))  # a double click
    assert heading(again.text) == title

    ticket = await desk.wait_routed(number)
    assert ticket["channel"] == "web"
    assert ticket["requester_email"] == "dana@customer.example"
    assert ticket["subject"] == "Laptop will not boot"
    created = (await desk.http.get(f"/tickets/{number}/events", headers=desk.auth())).json()[0]
    assert (created["actor_kind"], created["actor_id"]) == ("customer", "dana@customer.example")

    other = form_key((await desk.http.get("/portal")).text)
    assert other != key
    second = await desk.http.post("/portal/requests", data=answers(other))
    assert heading(second.text) != title


async def test_mistakes_are_shown_next_to_the_fields_and_what_was_typed_stays(desk):
    key = form_key((await desk.http.get("/portal")).text)
    r = await desk.http.post("/portal/requests", data=answers(key, email="not-an-address", subject="  ",
                                                              description="<b>kept</b> as typed"))
    assert r.status_code == 422
    html = r.text
    assert 'id="email-error"' in html and "e-mail address like name@example.com" in html
    assert 'id="subject-error"' in html and "Enter a subject" in html
    assert 'aria-invalid="true"' in html
    assert 'value="not-an-address"' in html
    assert "&lt;b&gt;kept&lt;/b&gt; as typed</textarea>" in html  # escaped, never markup
    assert form_key(html) == key  # the same form: a later good submit still opens one ticket


async def test_a_form_without_its_key_is_asked_again_and_opens_nothing(desk):
    r = await desk.http.post("/portal/requests", data=answers("x"))
    assert r.status_code == 422
    assert "This form had expired" in r.text
    assert 'value="Laptop will not boot"' in r.text


async def test_the_same_form_with_other_words_is_not_taken_for_the_first(desk):
    key = form_key((await desk.http.get("/portal")).text)
    first = await desk.http.post("/portal/requests", data=answers(key))
    assert first.status_code == 200
    r = await desk.http.post("/portal/requests", data=answers(key, subject="Something else"))
    assert r.status_code == 409
    assert "already sent as another request" in r.text
    assert form_key(r.text) != key
