"""The reports page's "Mail me this report" (api/supervisor/subscriptions.py): a supervisor signed
in to the page subscribes from its form (the page's filters carried along), sees the mail listed,
gets the page back naming the field for a bad time zone or time (422, nothing made), deletes it,
and a form without the session's form token does nothing. Real parts: the app in process, its
read model (SQLite), the Temporal dev server the schedules live on (no worker: nothing runs)."""

from __future__ import annotations

import re

from models.tokens import issue_token
from tests.api.test_report_subscriptions import agent_id, forget_subscriptions
from tests.api.test_web_sign_in import OURS, agent, cookie_of, desk

FILTERS = {"from": "2026-03-02", "to": "2026-03-22", "team": "network", "category": "", "channel": "",
           "priority": "high"}


def csrf_of(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def listed(page: str) -> list[str]:
    return re.findall(r'<form method="post" action="/supervisor/subscriptions/([a-z0-9-]+)/delete">', page)


async def test_a_supervisor_has_the_report_mailed_from_the_page(dev_server, sqlite_database, task_queue):
    db, client = sqlite_database, dev_server.client
    sue = agent_id(db, "supervisor")
    await forget_subscriptions(client, sue)
    with db.sessions.begin() as s:
        token = issue_token(s, agent(s, "supervisor"), "pages")
    async with desk(dev_server, db, task_queue) as http:
        try:
            r = await http.post("/login", data={"token": token}, headers=OURS)
            assert r.status_code == 303
            jar = cookie_of(r)
            page = await http.get("/supervisor/reports", params=FILTERS, headers=jar)
            assert page.status_code == 200 and "<legend>How often</legend>" in page.text
            assert '<label for="m-timezone">Time zone</label>' in page.text and "You have none yet." in page.text
            assert '<input type="hidden" name="team" value="network">' in page.text  # the page's filters go along
            form = {**FILTERS, "csrf": csrf_of(page.text), "cadence": "weekly", "weekday": "friday", "time": "17:30",
                    "timezone": "Europe/Paris"}

            # A bad time zone, then a bad time: the page again, the field named, nothing made.
            for bad, field, said in (({"timezone": "Mars/Olympus_Mons"}, "timezone",
                                      "Time zone: unknown time zone &#39;Mars/Olympus_Mons&#39;; use an IANA name"),
                                     ({"time": "25:00"}, "time", "Time of day: enter a time like 08:00")):
                r = await http.post("/supervisor/subscriptions", data=form | bad, headers=OURS | jar)
                assert r.status_code == 422, r.text
                assert f'<a href="#m-{field}">{said}' in r.text and re.search(f'id="m-{field}"[^>]*aria-invalid="true"', r.text)
                assert listed(r.text) == [] and "nothing was set up" in r.text
                assert '<input type="hidden" name="priority" value="high">' in r.text  # the filters kept
            # Without the session's form token (or with another's), nothing is done.
            for data in ({k: v for k, v in form.items() if k != "csrf"}, form | {"csrf": "forged"}):
                r = await http.post("/supervisor/subscriptions", data=data, headers=OURS | jar)
                assert r.status_code == 403 and "another site" in r.text
            assert await listed_now(http, jar) == []

            r = await http.post("/supervisor/subscriptions", data=form, headers=OURS | jar)
            assert r.status_code == 303, r.text
            assert r.headers["location"] == (
                "/supervisor/reports?from=2026-03-02&to=2026-03-22&team=network&priority=high&mail=added#mail")
            page = await http.get(r.headers["location"].split("#")[0], headers=jar)
            assert 'role="status">Done: the report will be mailed to you.' in page.text
            assert listed(page.text) == [f"report-mail-{sue}-1"]
            assert "Weekly report (the week before): team Network operations, priority high" in page.text
            assert "Every Friday at 17:30 (Europe/Paris)" in page.text and "Next mail: <time datetime=" in page.text
            # The same subscription as the JSON API's (the one service behind both).
            described = await client.get_schedule_handle(f"report-mail-{sue}-1").describe()
            assert described.schedule.spec.time_zone_name == "Europe/Paris"

            delete = f"/supervisor/subscriptions/report-mail-{sue}-1/delete"
            r = await http.post(delete, data={**FILTERS}, headers=OURS | jar)  # no form token
            assert r.status_code == 403
            r = await http.post(delete, data={**FILTERS, "csrf": form["csrf"]}, headers=OURS | jar)
            assert r.status_code == 303 and r.headers["location"].endswith("&mail=deleted#mail")
            page = await http.get(r.headers["location"].split("#")[0], headers=jar)
            assert 'role="status">Done: that mail is stopped.' in page.text and listed(page.text) == []
            r = await http.post(delete, data={"csrf": form["csrf"]}, headers=OURS | jar)
            assert r.status_code == 404
        finally:
            await forget_subscriptions(client, sue)


async def listed_now(http, jar) -> list[str]:
    """The ids of the report mails the page lists now."""
    return listed((await http.get("/supervisor/reports", headers=jar)).text)
