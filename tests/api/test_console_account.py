"""The account page's notifications (api/console/account.py): a checkbox per kind an agent may
switch off, saved with the session's form token, refused (422, nothing saved) for a kind that
is not switchable. Real parts: the app in process, its read model (SQLite), the Temporal dev
server it connects to (no worker: nothing here reaches a ticket)."""

from __future__ import annotations

import re

from api.console.account import WORDS, changes_of
from models.notification_preferences import preferences_of
from models.passwords import set_password
from tests.api.conftest import ROLES
from tests.api.test_web_sign_in import OURS, PASSWORD, agent, cookie_of, desk, sign_in
from workflows.vocabulary import SWITCHABLE_KINDS

ALL_ON = dict.fromkeys(SWITCHABLE_KINDS, True)


def csrf_of(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def boxes(page: str) -> dict[str, bool]:
    """Each notification checkbox of the page: ticked or not."""
    found = re.findall(r'<input type="checkbox" id="notify-[a-z_]+" name="on" value="([a-z_]+)"( checked)?[\s>]', page)
    return {kind: bool(checked) for kind, checked in found}


def shown(page: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="shown" value="([a-z_]+)">', page)


def stored(db) -> dict[str, bool]:
    with db.sessions() as s:
        return preferences_of(s, agent(s, "agent").id)


def test_every_switchable_kind_has_words_and_the_form_reads_unticked_as_off():
    assert set(WORDS) == set(SWITCHABLE_KINDS) and all(label and hint for label, hint in WORDS.values())
    assert changes_of(["assigned", "mention", "assigned"], ["mention"]) == ({"assigned": False, "mention": True}, [])
    changes, problems = changes_of(["assigned", "bogus"], ["sla_breach"])
    assert changes == {"assigned": False, "bogus": False, "sla_breach": True}
    assert len(problems) == 2 and "“bogus”" in problems[0] and "SLA notices cannot be switched off" in problems[1]


async def signed_in(http) -> tuple[dict[str, str], str]:
    r = await sign_in(http, ROLES["agent"], PASSWORD)
    assert r.status_code == 303
    jar = cookie_of(r)
    page = await http.get("/account", headers=jar)
    assert page.status_code == 200
    return jar, page.text


async def test_switching_a_kind_off_is_saved_and_shown_unticked(dev_server, sqlite_database, task_queue):
    with sqlite_database.sessions.begin() as s:
        set_password(s, agent(s, "agent"), PASSWORD)
    async with desk(dev_server, sqlite_database, task_queue) as http:
        jar, page = await signed_in(http)
        # Every kind on by default, each with its label and hint; the SLA notices are said to be always on.
        assert boxes(page) == ALL_ON and shown(page) == list(SWITCHABLE_KINDS)
        assert "<legend>Mail me when</legend>" in page and '<label for="notify-customer_replied">' in page
        assert "A customer replied on my ticket" in page and 'aria-describedby="notify-mention-hint"' in page
        assert "SLA warnings, breaches and escalations always reach you" in page and "cannot be switched off" in page

        # Untick "a customer replied": the browser sends the ticked boxes only, with the shown kinds.
        form = {"csrf": csrf_of(page), "shown": list(SWITCHABLE_KINDS), "on": ["assigned", "mention"]}
        r = await http.post("/account/notifications", data=form, headers=OURS | jar)
        assert r.status_code == 303 and r.headers["location"] == "/account?saved=1"
        assert stored(sqlite_database) == ALL_ON | {"customer_replied": False}
        page = (await http.get("/account?saved=1", headers=jar)).text
        assert 'role="status">Your notification preferences are saved.' in page
        assert boxes(page) == ALL_ON | {"customer_replied": False}
        assert "Your notification preferences are saved." not in (await http.get("/account", headers=jar)).text

        # Everything off (no box ticked at all), then one on again; a kind not shown stays as it was.
        r = await http.post("/account/notifications", data={"csrf": form["csrf"], "shown": list(SWITCHABLE_KINDS)},
                            headers=OURS | jar)
        assert r.status_code == 303 and stored(sqlite_database) == dict.fromkeys(SWITCHABLE_KINDS, False)
        r = await http.post("/account/notifications", data={"csrf": form["csrf"], "shown": ["mention"], "on": "mention"},
                            headers=OURS | jar)
        assert r.status_code == 303
        assert stored(sqlite_database) == dict.fromkeys(SWITCHABLE_KINDS, False) | {"mention": True}
        assert boxes((await http.get("/account", headers=jar)).text) == stored(sqlite_database)


async def test_the_notifications_form_needs_the_session_and_our_own_page(dev_server, sqlite_database, task_queue):
    with sqlite_database.sessions.begin() as s:
        set_password(s, agent(s, "agent"), PASSWORD)
    async with desk(dev_server, sqlite_database, task_queue) as http:
        jar, page = await signed_in(http)
        off = {"shown": list(SWITCHABLE_KINDS), "on": ["assigned"]}
        for data, headers in ((off, OURS), (off | {"csrf": "forged"}, OURS),
                              (off | {"csrf": csrf_of(page)}, {"Origin": "https://evil.example"}),
                              (off | {"csrf": csrf_of(page)}, {})):
            r = await http.post("/account/notifications", data=data, headers=headers | jar)
            assert r.status_code == 403 and "another site" in r.text, (data, headers)
        # Not signed in (the client keeps no cookie either): sent to sign in, nothing saved.
        http.cookies.clear()
        r = await http.post("/account/notifications", data=off | {"csrf": csrf_of(page)}, headers=OURS)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert stored(sqlite_database) == ALL_ON


async def test_an_unknown_kind_is_named_and_nothing_is_saved(dev_server, sqlite_database, task_queue):
    with sqlite_database.sessions.begin() as s:
        set_password(s, agent(s, "agent"), PASSWORD)
    async with desk(dev_server, sqlite_database, task_queue) as http:
        jar, page = await signed_in(http)
        csrf = csrf_of(page)
        for bad, named in (({"shown": list(SWITCHABLE_KINDS) + ["<b>bogus</b>"], "on": ["assigned"]},
                            "“&lt;b&gt;bogus&lt;/b&gt;” cannot be switched: unknown notification kind"),
                           ({"shown": list(SWITCHABLE_KINDS), "on": ["assigned", "sla_breach"]},
                            "“sla_breach” cannot be switched: SLA notices cannot be switched off")):
            r = await http.post("/account/notifications", data={"csrf": csrf} | bad, headers=OURS | jar)
            assert r.status_code == 422 and "Nothing was saved." in r.text and named in r.text
            assert "<b>bogus" not in r.text and 'role="alert"' in r.text and "Check the form" in r.text
            assert 'aria-describedby="notifications-error"' in r.text
            # What was ticked is kept on the page; the database is as it was.
            assert boxes(r.text) == ALL_ON | {"customer_replied": False, "mention": False}
            assert stored(sqlite_database) == ALL_ON
        # A form of unknown kinds alone is refused too, the password form left alone.
        r = await http.post("/account/notifications", data={"csrf": csrf, "on": "bogus"}, headers=OURS | jar)
        assert r.status_code == 422 and "“bogus” cannot be switched" in r.text and 'id="password-error"' not in r.text
        assert stored(sqlite_database) == ALL_ON
