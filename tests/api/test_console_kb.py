"""The knowledge base in the agents' console (api/console/kb.py, models/kb/ticket_help.py,
docs/console.md "Knowledge base"): articles suggested on the ticket page and inserted into the
answer (an internal one only ever into the note), a reply carrying an article's link recorded
as a ticket it helped, an article captured from a ticket, and who may publish. Real parts: the
API in process, a worker on the Temporal dev server, the read model on SQLite."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from models.kb.tables import Article
from tests.api.test_console import OURS, console, csrf_of, seen_of  # noqa: F401  # console: the fixture, used by name

BASE = "http://desk.test"  # the desk's public URL in the tests' settings (tests/conftest.worker_settings)


def box(page: str, box_id: str) -> str:
    """The text a textarea of the page holds."""
    return html.unescape(re.search(rf'<textarea id="{box_id}"[^>]*>(.*?)</textarea>', page, re.S).group(1))


async def write(desk, jar: dict, title: str, body: str, visibility: str, **extra) -> int:
    """An article written in the console; its id."""
    csrf = csrf_of((await desk.http.get("/console/kb/new", headers=jar)).text)
    form = {"csrf": csrf, "title": title, "body": body, "visibility": visibility, "category": "Printing"} | extra
    r = await desk.http.post("/console/kb/new", data=form, headers=OURS | jar)
    assert r.status_code == 303, r.text[-1500:]
    return int(re.search(r"/console/kb/(\d+)", r.headers["location"]).group(1))


async def step(desk, jar: dict, article: int, action: str) -> int:
    page = await desk.http.get(f"/console/kb/{article}", headers=jar)
    r = await desk.http.post(f"/console/kb/{article}/{action}", data={"csrf": csrf_of(page.text)}, headers=OURS | jar)
    return r.status_code


async def test_suggested_articles_are_inserted_and_an_internal_one_only_into_the_note(console):  # noqa: F811  # the fixture imported above
    desk = console
    agent, sue = await desk.cookie("agent"), await desk.cookie("supervisor")
    public = await write(desk, sue, "Clear a printer paper jam", "Open **tray 2** and pull the stuck paper out.", "public")
    internal = await write(desk, sue, "Printer jam codes for agents", "Code E42 on a paper jam: call the vendor, "
                           "contract 991-SECRET.", "internal")
    for article in (public, internal):
        assert await step(desk, sue, article, "publish") == 303
    slug = (await desk.http.get(f"/kb/articles/{public}", headers=desk.auth())).json()["slug"]

    number = (await desk.create(subject="Printer jam again", description="A paper jam in tray 2 every morning")).json()["number"]
    await desk.wait_routed(number)
    page = (await desk.http.get(f"/console/tickets/{number}", headers=agent)).text
    listed = page[page.index('id="suggested-articles"'):page.index('id="reply-form"')]
    assert "Clear a printer paper jam" in listed and "Printer jam codes for agents" in listed and "<mark>" in listed
    # The internal article offers its text for the note only: no link, nothing aimed at the reply.
    mine = listed[listed.index(f'id="suggested-{internal}"'):]
    mine = mine[:mine.index("</li>")]
    assert "as=link" not in mine and 'data-target="reply-body"' not in mine and 'data-target="note-body"' in mine

    # Without the script: each button draws the page again with its box filled.
    linked = (await desk.http.get(f"/console/tickets/{number}", params={"insert": public, "as": "link"}, headers=agent)).text
    assert box(linked, "reply-body") == f"Clear a printer paper jam: {BASE}/portal/kb/{slug}" and box(linked, "note-body") == ""
    text = (await desk.http.get(f"/console/tickets/{number}", params={"insert": public, "as": "text"}, headers=agent)).text
    assert box(text, "reply-body").startswith("Open tray 2 and pull the stuck paper out.")
    assert box(text, "reply-body").endswith(f'(From the article "Clear a printer paper jam": {BASE}/portal/kb/{slug})')
    for how in ("link", "text"):  # asked any way, an internal article's text goes to the note, never the reply
        shown = (await desk.http.get(f"/console/tickets/{number}", params={"insert": internal, "as": how},
                                     headers=agent)).text
        assert box(shown, "reply-body") == "" and "991-SECRET" in box(shown, "note-body")
        assert f"{BASE}/console/kb/{internal}" in box(shown, "note-body")

    # The reply sent with the article's link: the article lists the ticket it helped.
    form = {"csrf": csrf_of(linked), "seen": seen_of(linked), "kind": "reply", "key": "kb-1", "body": box(linked, "reply-body")}
    r = await desk.http.post(f"/console/tickets/{number}/act", data=form, headers=OURS | agent)
    assert r.status_code == 303
    await desk.projected(number, (await desk.ticket(number))["last_seq"])
    helped = (await desk.http.get(f"/console/kb/{public}", headers=agent)).text
    assert f'href="/console/tickets/{number}">#{number} Printer jam again</a>' in helped
    assert f"/console/tickets/{number}" not in (await desk.http.get(f"/console/kb/{internal}", headers=agent)).text


async def test_an_article_is_captured_from_a_ticket_and_only_a_supervisor_publishes_it(console):  # noqa: F811  # the fixture imported above
    desk = console
    agent, sue = await desk.cookie("agent"), await desk.cookie("supervisor")
    number = (await desk.create(subject="VPN drops hourly", description="The VPN disconnects every hour.")).json()["number"]
    await desk.wait_routed(number)
    await desk.act(number, kind="resolve", resolution="Set the VPN client's keep-alive to 30 s.")
    await desk.act(number, kind="set_tags", add=["vpn"])
    ticket = (await desk.http.get(f"/console/tickets/{number}", headers=agent)).text
    assert f'href="/console/kb/new?from_ticket={number}"' in ticket

    new = (await desk.http.get("/console/kb/new", params={"from_ticket": number}, headers=agent)).text
    assert re.search(r'id="kb-title"[^>]*value="VPN drops hourly"', new)
    body = box(new, "kb-body")
    assert body == "## Problem\n\nThe VPN disconnects every hour.\n\n## Resolution\n\nSet the VPN client's keep-alive to 30 s.\n"
    assert re.search(r'id="kb-tags"[^>]*value="vpn"', new)
    form = {"csrf": csrf_of(new), "from_ticket": str(number), "title": "VPN drops hourly", "body": body,
            "visibility": "public", "tags": "vpn"}

    def count() -> int:
        with desk.db.sessions() as s:
            return s.scalar(select(func.count()).select_from(Article))

    # Bad input: named under its field, what was typed kept, nothing stored.
    for field, bad, named in (("body", body + "<script>alert(1)</script>", "&lt;script&gt; is not allowed"),
                              ("title", "   ", "must not be empty")):
        r = await desk.http.post("/console/kb/new", data=form | {field: bad}, headers=OURS | agent)
        assert r.status_code == 422 and f'id="err-kb-{field}"' in r.text and named in r.text
        assert "keep-alive to 30 s." in html.unescape(r.text)
    assert count() == 0
    r = await desk.http.post("/console/kb/new", data=form, headers=OURS | agent)
    assert r.status_code == 303
    article = int(re.search(r"/console/kb/(\d+)", r.headers["location"]).group(1))
    page = (await desk.http.get(r.headers["location"], headers=agent)).text
    assert ">draft<" in page and f'href="/console/tickets/{number}">#{number} VPN drops hourly</a>' in page
    assert "Submit for review" in page and ">Publish<" not in page

    # Two editors from version 1: the second is told, and keeps their text; nothing of it saved.
    edits = [(await desk.http.get(f"/console/kb/{article}/edit", headers=jar)).text for jar in (agent, sue)]
    mine = {"csrf": csrf_of(edits[0]), "version": "1", "title": "VPN drops hourly", "body": body + "\nRestart it.",
            "visibility": "public", "tags": "vpn"}
    assert (await desk.http.post(f"/console/kb/{article}/edit", data=mine, headers=OURS | agent)).status_code == 303
    theirs = mine | {"csrf": csrf_of(edits[1]), "body": body + "\nCall us."}
    r = await desk.http.post(f"/console/kb/{article}/edit", data=theirs, headers=OURS | sue)
    assert r.status_code == 409 and "Someone saved version 2 while you were editing" in r.text
    assert box(r.text, "kb-body").endswith("Call us.") and 'name="version" value="2"' in r.text

    # An agent submits; publishing is a supervisor's (no button, and the POST is refused).
    assert await step(desk, agent, article, "publish") == 403
    assert await step(desk, agent, article, "submit") == 303
    assert await step(desk, sue, article, "publish") == 303
    page = (await desk.http.get(f"/console/kb/{article}", headers=agent)).text
    assert 'id="article-status">published' in page and "Restart it." in page and "Call us." not in page
    assert ">Edit<" not in page  # a published article is changed by a supervisor or an admin

    # The list finds it by a word of its text (search, published ones) or of its title; a bad filter is named.
    listed = (await desk.http.get("/console/kb", params={"q": "client", "status": "published"}, headers=agent)).text
    assert f'href="/console/kb/{article}">VPN drops hourly</a>' in listed and "<mark>client</mark>" in listed
    assert f'href="/console/kb/{article}"' in (await desk.http.get("/console/kb?q=drops", headers=agent)).text
    assert f'href="/console/kb/{article}"' not in (await desk.http.get("/console/kb?status=draft", headers=agent)).text
    r = await desk.http.get("/console/kb?status=lost", headers=agent)
    assert r.status_code == 422 and "status: choose one of draft" in r.text

    # A supervisor changes the published article; its review date passed, the list marks it.
    edit = (await desk.http.get(f"/console/kb/{article}/edit", headers=sue)).text
    stale = {"csrf": csrf_of(edit), "version": re.search(r'name="version" value="(\d+)"', edit).group(1),
             "title": "VPN drops hourly", "body": box(edit, "kb-body"), "visibility": "public", "review_at": "2026-01-05"}
    assert (await desk.http.post(f"/console/kb/{article}/edit", data=stale, headers=OURS | sue)).status_code == 303
    row = (await desk.http.get("/console/kb", headers=agent)).text
    row = row[row.index(f'id="article-{article}"'):]
    assert 'class="badge stale">review due' in row[:row.index("</tr>")]
