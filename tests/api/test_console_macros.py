"""Macros in the agents' console (api/console/macros.py, docs/console.md "Macros"): written on
the macros page (a bad template named beside its field and nothing saved), chosen on the ticket
page, previewed for the ticket (the text in a form to edit) and applied as one update, from the
view the page showed (a stale one gets the 409 page). Real parts: the API in process, a worker
on the Temporal dev server, the read model on SQLite."""

from __future__ import annotations

import html
import re

from tests.api.test_console import OURS, console, csrf_of, seen_of  # noqa: F401  # console: the fixture, used by name

TEMPLATE = "Hi {{ requester.name }},\n\ncould you send us the logs for #{{ ticket.number }}?\n\n{{ agent.name }}"


async def test_an_agent_writes_a_macro_and_applies_it_from_the_ticket_page(console):  # noqa: F811  # the fixture imported above
    desk = console
    jar = await desk.cookie("agent")
    page = await desk.http.get("/console/macros", headers=jar)
    assert page.status_code == 200 and 'href="/console/macros">Macros</a>' in page.text
    form = {"csrf": csrf_of(page.text), "name": "Ask for logs", "scope": "personal", "status": "pending",
            "add_tags": "logs-requested"}

    # A template with an unknown placeholder is named beside its field; nothing is saved.
    bad = await desk.http.post("/console/macros", data=form | {"body": "Hi {{ requester.phone }}"}, headers=OURS | jar)
    assert bad.status_code == 422 and 'id="err-macro-body"' in bad.text
    assert "unknown placeholder &#39;requester.phone&#39;" in bad.text and "Ask for logs" in bad.text  # kept
    assert "None yet." in bad.text
    r = await desk.http.post("/console/macros", data=form | {"body": TEMPLATE}, headers=OURS | jar)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/macros?done=created#macro-")
    listed = (await desk.http.get("/console/macros", headers=jar)).text
    assert "Ask for logs" in listed and "status pending; adds the tags logs-requested" in listed
    macro = re.search(r'href="/console/macros/(\d+)">Edit', listed).group(1)

    number = (await desk.create(subject="VPN drops", description="every hour",
                                requester={"email": "dana@customer.example", "name": "Dana Scully"})).json()["number"]
    await desk.wait_routed(number)
    ticket = await desk.http.get(f"/console/tickets/{number}", headers=jar)
    assert re.search(rf'<optgroup label="Personal"><option value="{macro}">Ask for logs</option>', ticket.text)
    csrf, seen = csrf_of(ticket.text), seen_of(ticket.text)

    # Preview: the text for this ticket, in a form to edit, and what it will set; nothing changes.
    shown = await desk.http.post(f"/console/tickets/{number}/macros/preview", data={"csrf": csrf, "macro": macro,
                                                                                  "seen": seen}, headers=OURS | jar)
    assert shown.status_code == 200, shown.text[-2000:]
    text = html.unescape(re.search(r'<textarea id="macro-body" name="body"[^>]*>(.*?)</textarea>', shown.text, re.S).group(1))
    assert text.startswith("Hi Dana Scully,") and f"logs for #{number}?" in text
    assert "Besides the reply it sets: status pending; adds the tags logs-requested." in shown.text
    assert (await desk.ticket(number))["last_seq"] == int(seen)

    # Apply the (edited) text from the preview: the reply lands and the ticket waits on the customer.
    key = re.search(r'name="key" value="([^"]+-macro-text)"', shown.text).group(1)
    apply = {"csrf": csrf, "macro": macro, "seen": seen_of(shown.text), "key": key, "body": text + "\nThanks!"}
    r = await desk.http.post(f"/console/tickets/{number}/macros/apply", data=apply, headers=OURS | jar)
    assert r.status_code == 303 and r.headers["location"] == f"/console/tickets/{number}?done=macro#top"
    view = await desk.ticket(number)
    assert view["conversation"][-1]["body"] == text + "\nThanks!"
    assert view["status"] == "pending" and "logs-requested" in view["tags"]

    # The same macro from the page drawn before it: the 409 page, naming what happened since.
    r = await desk.http.post(f"/console/tickets/{number}/macros/apply", data={"csrf": csrf, "macro": macro, "seen": seen,
                                                                            "key": "another"}, headers=OURS | jar)
    assert r.status_code == 409 and "The ticket changed while you were on it" in r.text
    assert "Send it anyway" in r.text and f'action="/console/tickets/{number}/macros/apply"' in r.text
    assert (await desk.ticket(number))["last_seq"] == view["last_seq"]


async def test_a_macro_is_changed_and_deleted_by_those_who_manage_it(console):  # noqa: F811  # the fixture imported above
    desk = console
    sue, sam = await desk.cookie("supervisor"), await desk.cookie("agent")  # both of the support team
    csrf = csrf_of((await desk.http.get("/console/macros", headers=sue)).text)
    r = await desk.http.post("/console/macros", data={"csrf": csrf, "name": "Support hello", "body": "Hello!",
                                                      "scope": "team", "team": "support"}, headers=OURS | sue)
    assert r.status_code == 303
    macro = re.search(r"#macro-(\d+)", r.headers["location"]).group(1)

    # A sandbox escape is refused on change, named beside the text; the macro stays as it was.
    edit = {"csrf": csrf, "name": "Support hi", "body": "{{ ''.__class__ }}", "status": "on_hold"}
    r = await desk.http.post(f"/console/macros/{macro}", data=edit, headers=OURS | sue)
    assert r.status_code == 422 and 'id="err-macro-body"' in r.text and "only a placeholder&#39;s fields" in r.text
    r = await desk.http.post(f"/console/macros/{macro}", data=edit | {"body": "Hi {{ requester.name }}"}, headers=OURS | sue)
    assert r.status_code == 303
    listed = (await desk.http.get("/console/macros", headers=sam)).text
    assert "Support hi" in listed and "team support" in listed and "status on hold" in listed
    assert f'href="/console/macros/{macro}">View' in listed  # an agent uses a team macro but does not manage it

    # Only those who manage it delete it; an auditor has no macros at all.
    r = await desk.http.post(f"/console/macros/{macro}/delete", data={"csrf": csrf_of(listed)}, headers=OURS | sam)
    assert r.status_code == 403
    assert (await desk.http.get("/console/macros", headers=await desk.cookie("auditor"))).status_code == 403
    r = await desk.http.post(f"/console/macros/{macro}/delete", data={"csrf": csrf}, headers=OURS | sue)
    assert r.status_code == 303 and "Support hi" not in (await desk.http.get("/console/macros", headers=sue)).text
