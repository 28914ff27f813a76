"""Team scope (models/team_scope.py, api/tickets/scope.py), tried as each role would: with members-only
teams an agent or supervisor sees and works only their teams' tickets, everywhere a ticket can
be reached; admins and auditors see all; a team can be made members-only on its own; and
whatever the scope, a ticket is assigned only to an active member of its team, never an auditor."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from temporalio.testing import ActivityEnvironment

from activities.projection import ProjectionActivities
from models import queries
from models.team_scope import Scope
from tests.api.conftest import running_desk, token_for
from workflows import activity_io as io
from workflows import messages as m

pytestmark = pytest.mark.slow


async def routed(desk, number: int) -> dict:
    """As an admin, who sees every team's tickets: the ticket once intake routed it (and the read
    model has it)."""
    async def seen():
        r = await desk.http.get(f"/tickets/{number}", headers=desk.auth("admin"))
        return r.json() if r.status_code == 200 and r.json()["last_seq"] >= 4 else None
    ticket = await wait_until(seen)
    await desk.projected(number, ticket["last_seq"])
    return ticket


async def wait_until(check, timeout: float = 15.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await check()):
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.05)
    return result


async def open_tickets(desk) -> tuple[int, int]:
    """A support ticket (the default team) and a network one (the routing rule's), routed."""
    support = (await desk.create(role="admin", subject="Printer jams", description="Every second page")).json()["number"]
    network = (await desk.create(role="admin", subject="VPN is down", description="No VPN since 9am")).json()["number"]
    assert (await routed(desk, support))["team"] == "support"
    assert (await routed(desk, network))["team"] == "network"
    return support, network


async def test_members_only_teams_keep_their_tickets_to_their_members(dev_server, sqlite_database, task_queue):
    async with running_desk(dev_server, sqlite_database, task_queue, ticket_access="team") as desk:
        support, network = await open_tickets(desk)
        nina = {"Authorization": f"Bearer {token_for(desk.db.sessions, 'nina@demo.example')}"}
        http = desk.http

        def numbers(r) -> set[int]:
            assert r.status_code == 200, r.text
            return {t["number"] for t in r.json()["items"]}

        # Sam (support agent) and Sue (support supervisor) see support's tickets, never network's.
        for role in ("agent", "supervisor"):
            me = desk.auth(role)
            assert numbers(await http.get("/tickets", headers=me)) == {support}
            assert numbers(await http.get("/tickets?team=network", headers=me)) == set()
            refused = await http.get(f"/tickets/{network}", headers=me)
            assert refused.status_code == 403
            assert refused.json()["error"]["message"] == f"ticket {network} is team 'network''s, whose tickets only its members see"
            for path in ("events", "attachments"):
                assert (await http.get(f"/tickets/{network}/{path}", headers=me)).status_code == 403
            assert (await http.post(f"/tickets/{network}/actions", headers=me,
                                    json={"kind": "note", "body": "peeking"})).status_code == 403
            assert (await http.post(f"/tickets/{network}/customer-replies", headers=me,
                                    json={"body": "hi", "channel": "phone"})).status_code == 403
            assert (await http.post(f"/tickets/{network}/attachments", headers=me,
                                    files={"file": ("a.txt", b"x", "text/plain")})).status_code == 403
            assert (await http.get("/teams/network/queue", headers=me)).status_code == 403
            assert (await http.get(f"/tickets/{support}", headers=me)).status_code == 200
        sue = desk.auth("supervisor")
        assert (await http.get(f"/tickets/{network}/history", headers=sue)).status_code == 403
        assert (await http.get(f"/tickets/{network}/export", headers=sue)).status_code == 403
        assert (await http.get("/reports/backlog?team=network", headers=sue)).status_code == 403
        backlog = (await http.get("/reports/backlog", headers=sue)).json()
        assert {row["team"] for row in backlog["open_now"]["by_team"]} == {"support"}, backlog["open_now"]
        # Merging into a ticket one may not see is refused like any other act on it.
        merge = await http.post(f"/tickets/{support}/actions", headers=desk.auth(),
                                json={"kind": "merge", "into": network})
        assert merge.status_code == 403

        # Nina (network) sees network's and not support's; admins and auditors see both.
        assert numbers(await http.get("/tickets", headers=nina)) == {network}
        assert (await http.get(f"/tickets/{support}", headers=nina)).status_code == 403
        for role in ("admin", "auditor"):
            assert numbers(await http.get("/tickets", headers=desk.auth(role))) >= {support, network}
            assert (await http.get(f"/tickets/{network}", headers=desk.auth(role))).status_code == 200
        assert (await http.get(f"/tickets/{network}/history", headers=desk.auth("auditor"))).status_code == 200

        # Handing a ticket over to another team is allowed; then it is theirs.
        moved = await desk.act(support, team="network", kind="assign")
        assert moved.status_code == 200 and moved.json()["team"] == "network"
        assert (await http.get(f"/tickets/{support}", headers=desk.auth())).status_code == 403
        assert (await http.get(f"/tickets/{support}", headers=nina)).status_code == 200


async def test_one_team_can_be_members_only_by_itself(dev_server, sqlite_database, task_queue):
    async with running_desk(dev_server, sqlite_database, task_queue) as desk:  # the default: open to all
        support, network = await open_tickets(desk)
        admin, sam = desk.auth("admin"), desk.auth()
        nina = {"Authorization": f"Bearer {token_for(desk.db.sessions, 'nina@demo.example')}"}
        assert (await desk.http.get(f"/tickets/{network}", headers=sam)).status_code == 200
        r = await desk.http.patch("/admin/teams/network", headers=admin, json={"ticket_access": "team"})
        assert r.status_code == 200 and r.json()["ticket_access"] == "team"
        teams = {t["slug"]: t["ticket_access"] for t in (await desk.http.get("/teams", headers=sam)).json()}
        assert teams["network"] == "team" and teams["support"] == "default"
        assert (await desk.http.get(f"/tickets/{network}", headers=sam)).status_code == 403
        assert (await desk.http.get(f"/tickets/{support}", headers=nina)).status_code == 200  # support stays open
        assert (await desk.http.patch("/admin/teams/network", headers=admin, json={"ticket_access": "default"})).json()[
            "ticket_access"] == "default"
        assert (await desk.http.get(f"/tickets/{network}", headers=sam)).status_code == 200
        bad = await desk.http.patch("/admin/teams/network", headers=admin, json={"ticket_access": "nobody"})
        assert bad.status_code == 422


async def test_a_ticket_goes_only_to_an_active_member_of_its_team(dev_server, sqlite_database, task_queue):
    async with running_desk(dev_server, sqlite_database, task_queue) as desk:
        support, _ = await open_tickets(desk)

        async def assign(**body):
            return await desk.act(support, kind="assign", **body)

        outsider = await assign(assignee="nina@demo.example")
        assert outsider.status_code == 422
        assert outsider.json()["error"]["message"] == \
            "assignee: nina@demo.example is not a member of team 'support', whose ticket this is"
        auditor = await assign(assignee="audrey@demo.example")
        assert auditor.status_code == 422 and "an auditor, who reads tickets and is never assigned one" in auditor.text
        assert (await assign(assignee="ghost@demo.example")).status_code == 422
        assert (await assign(assignee="sky@demo.example")).json()["assignee"] == "sky@demo.example"
        # To another team's member together with that team: the ticket moves, so they may have it.
        moved = await assign(assignee="nina@demo.example", team="network")
        assert moved.status_code == 200 and (moved.json()["team"], moved.json()["assignee"]) == ("network", "nina@demo.example")

        policy = {"name": "Audited", "priority": "normal", "category": "audit", "calendar": None,
                  "first_response_seconds": 3600, "resolution_seconds": 7200,
                  "escalations": [{"level": 1, "reassign_agent": "audrey@demo.example"}]}
        r = await desk.http.post("/admin/sla-policies", headers=desk.auth("admin"), json=policy)
        assert r.status_code == 422 and "never assigned" in r.json()["error"]["message"], r.text


def project(db, number: int, team: str | None) -> None:
    now = datetime.now(timezone.utc)
    snap = m.TicketSnapshot(number=number, subject=f"Ticket {number}", requester_email="dana@customer.example",
                            requester_name="Dana", channel="web", status="open", priority="normal", category=None,
                            tags=[], team=team, assignee=None, created_at=now, updated_at=now, last_seq=1)
    ActivityEnvironment().run(ProjectionActivities(db.sessions).project_ticket, io.ProjectionInput(snapshot=snap, events=[]))


@pytest.mark.parametrize("hidden", [frozenset(), frozenset({"network"}), frozenset({"network", "billing"})])
def test_lists_keep_tickets_of_no_team_in_every_scope(database, hidden):
    for number, team in ((1, None), (2, "support"), (3, "network"), (4, "billing")):
        project(database, number, team)
    with database.sessions() as s:
        rows, total = queries.search_tickets(s, queries.TicketFilter(scope=Scope(hidden)), limit=10, offset=0)
    assert {r.team for r in rows} == {None, "support", "network", "billing"} - hidden
    assert total == 4 - len(hidden)
