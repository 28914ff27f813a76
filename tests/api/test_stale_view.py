"""Collisions: an action sent from a view of the ticket that is no longer current is refused
(409 StaleView) naming what changed since, and nothing of it is applied; the API's guard is an
optional If-Match with the ticket's ETag (its last event). Real parts: the API in process, a
worker on the Temporal dev server, the read model on SQLite."""

from __future__ import annotations

import asyncio

from tests.api.conftest import ROLES, running_desk


async def test_an_action_from_a_stale_view_is_refused_and_names_what_changed(dev_server, sqlite_database, task_queue):
    async with running_desk(dev_server, sqlite_database, task_queue) as desk:
        number = (await desk.create()).json()["number"]
        await desk.wait_routed(number)
        r = await desk.http.get(f"/tickets/{number}", headers=desk.auth())
        seen = r.headers["etag"]
        assert seen == f'"{r.json()["last_seq"]}"'

        # Agent and supervisor both answer from the same view: the first lands, the second is told.
        first = await desk.act(number, headers={"If-Match": seen}, kind="reply", body="Try the other tray.")
        assert first.status_code == 200 and first.headers["etag"] == f'"{first.json()["last_seq"]}"'
        second = await desk.act(number, "supervisor", headers={"If-Match": seen}, kind="reply", body="Replace the drum.")
        assert second.status_code == 409, second.text
        error = second.json()["error"]
        assert error["type"] == "StaleView"
        assert f"you saw event {seen.strip(chr(34))}" in error["message"]
        assert f"reply by {ROLES['agent']}" in error["message"] and "send the action again" in error["message"]
        bodies = [e["body"] for e in (await desk.ticket(number))["conversation"]]
        assert "Replace the drum." not in bodies and "Try the other tray." in bodies

        # Confirmed on the current view, it lands; `*` and no If-Match mean "whatever the view".
        again = await desk.act(number, "supervisor", headers={"If-Match": first.headers["etag"]}, kind="reply",
                               body="Replace the drum.")
        assert again.status_code == 200
        assert (await desk.act(number, headers={"If-Match": "*"}, kind="set_tags", add=["printer"])).status_code == 200
        for bad in ('"abc"', "0", "-3"):
            r = await desk.act(number, headers={"If-Match": bad}, kind="set_tags", add=["x"])
            assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "header If-Match", bad

        # Two actions from the same view at the same moment: exactly one lands.
        view = await desk.http.get(f"/tickets/{number}", headers=desk.auth())
        tag = view.headers["etag"]
        both = await asyncio.gather(*(desk.act(number, role, headers={"If-Match": tag}, settle=False, kind="reply",
                                               body=f"Answer from the {role}") for role in ("agent", "supervisor")))
        assert sorted(r.status_code for r in both) == [200, 409], [r.text for r in both]
        answers = [e["body"] for e in (await desk.ticket(number))["conversation"] if e["body"].startswith("Answer from")]
        assert len(answers) == 1
