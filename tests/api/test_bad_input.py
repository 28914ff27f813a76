"""Every kind of bad input gets a clear 4xx naming the field and the reason, and changes
nothing. Authentication and roles too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models.tables import TicketIntake


def _count(desk) -> int:
    with desk.db.sessions() as s:
        return s.scalar(select(func.count()).select_from(TicketIntake))


def _fields(r) -> dict[str, str]:
    return {f["field"]: f["message"] for f in r.json()["error"]["fields"]}


@pytest.fixture
async def routed(desk):
    number = (await desk.create(subject="Mouse broken")).json()["number"]
    return await desk.wait_routed(number)


async def test_authentication_and_roles(desk, routed):
    number = routed["number"]
    r = await desk.http.get("/tickets")
    assert r.status_code == 401 and r.json()["error"]["type"] == "Unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    r = await desk.http.get("/tickets", headers={"Authorization": "Bearer sdk_not-a-real-token"})
    assert r.status_code == 401 and "invalid" in r.json()["error"]["message"]
    r = await desk.http.get("/tickets", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401

    # Auditors read everything and change nothing.
    assert (await desk.http.get(f"/tickets/{number}", headers=desk.auth("auditor"))).status_code == 200
    r = await desk.act(number, role="auditor", kind="note", body="hi")
    assert r.status_code == 403 and "auditor" in r.json()["error"]["message"]
    r = await desk.create(role="auditor")
    assert r.status_code == 403

    # Only admins issue tokens; the token works at once and identifies its agent.
    r = await desk.http.post("/admin/tokens", json={"agent_email": "nina@demo.example"}, headers=desk.auth("agent"))
    assert r.status_code == 403
    r = await desk.http.post("/admin/tokens", json={"agent_email": "nina@demo.example"}, headers=desk.auth("admin"))
    assert r.status_code == 201
    nina = {"Authorization": f"Bearer {r.json()['token']}"}
    r = await desk.http.post(f"/tickets/{number}/actions", json={"kind": "note", "body": "from nina"}, headers=nina)
    assert r.json()["conversation"][-1]["author"]["id"] == "nina@demo.example"
    r = await desk.http.post("/admin/tokens", json={"agent_email": "ghost@demo.example"}, headers=desk.auth("admin"))
    assert r.status_code == 422 and "agent_email" in _fields(r)

    # Admins list tokens (never the token itself) and revoke them: a revoked token fails at once.
    assert (await desk.http.get("/admin/tokens", headers=desk.auth("supervisor"))).status_code == 403
    listed = (await desk.http.get("/admin/tokens", headers=desk.auth("admin"))).json()
    [ninas] = [t for t in listed if t["agent_email"] == "nina@demo.example"]
    assert ninas["revoked_at"] is None and nina["Authorization"].removeprefix("Bearer ").startswith(ninas["prefix"])
    assert not any(nina["Authorization"].removeprefix("Bearer ") in str(t) for t in listed)
    assert (await desk.http.delete(f"/admin/tokens/{ninas['id']}", headers=desk.auth("admin"))).status_code == 204
    r = await desk.http.get("/tickets", headers=nina)
    assert r.status_code == 401
    assert (await desk.http.delete("/admin/tokens/999999", headers=desk.auth("admin"))).status_code == 404


async def test_identity_comes_from_the_token_not_the_body(desk, routed):
    r = await desk.act(routed["number"], kind="note", body="hi", actor={"kind": "agent", "id": "ceo@demo.example"})
    assert r.status_code == 422 and _fields(r) == {"actor": "unknown field"}


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        ({"subject": "x", "description": "y"}, "requester", "required"),
        ({"subject": "", "description": "y", "requester": {"email": "a@b.example"}}, "subject", "at least 1"),
        ({"subject": "x", "description": "y", "requester": {"email": "not-an-email"}}, "requester.email", "match pattern"),
        ({"subject": "x", "description": "y", "requester": {"email": "a@b.example"}, "priority": "urgent"}, "priority", "'low'"),
        ({"subject": "x", "description": "y", "requester": {"email": "a@b.example"}, "channel": "fax"}, "channel", "'email'"),
        ({"subject": "x", "description": "y", "requester": {"email": "a@b.example"}, "colour": "red"}, "colour", "unknown field"),
        ({"subject": "x", "description": "y", "requester": {"email": "a@b.example"}, "tags": ["two words"]}, "tags.0", "pattern"),
        ({"subject": "x", "description": "y", "requester": {"email": "a@b.example"}, "tags": ["t"] * 21}, "tags", "at most 20"),
        ({"subject": "x" * 301, "description": "y", "requester": {"email": "a@b.example"}}, "subject", "at most 300"),
    ],
)
async def test_invalid_ticket_bodies(desk, body, field, needle):
    before = _count(desk)
    r = await desk.http.post("/tickets", json=body, headers=desk.auth())
    assert r.status_code == 422, r.text
    assert r.json()["error"]["type"] == "ValidationError"
    assert field in _fields(r), r.json()
    assert needle in _fields(r)[field], r.json()
    assert _count(desk) == before


async def test_malformed_json_oversized_body_and_wrong_types(desk):
    before = _count(desk)
    r = await desk.http.post("/tickets", content=b'{"subject": "x",', headers=desk.auth() | {"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "MalformedJSON"
    r = await desk.http.post("/tickets", content=b"[1, 2]", headers=desk.auth() | {"Content-Type": "application/json"})
    assert r.status_code == 422
    huge = {"subject": "x", "description": "y" * 70_000, "requester": {"email": "a@b.example"}}
    r = await desk.http.post("/tickets", json=huge, headers=desk.auth())
    assert r.status_code == 413 and r.json()["error"]["type"] == "PayloadTooLarge"
    r = await desk.http.post("/tickets", json={"subject": "x"}, headers=desk.auth() | {"Idempotency-Key": "k" * 300})
    assert r.status_code == 422 and any("Idempotency-Key" in f for f in _fields(r))
    assert _count(desk) == before


async def test_bad_actions_change_nothing(desk, routed):
    number = routed["number"]
    seq = routed["last_seq"]
    cases = [
        ({"kind": "rply", "body": "x"}, 422, "ValidationError", "kind"),
        ({"body": "x"}, 422, "ValidationError", "kind"),
        ({"kind": "reply"}, 422, "ValidationError", "body"),
        ({"kind": "reply", "body": "   "}, 422, "ValidationError", "body"),
        ({"kind": "set_priority", "priority": "urgent"}, 422, "ValidationError", "priority"),
        ({"kind": "assign", "assignee": "ghost@demo.example"}, 422, "UnknownAgent", "assignee"),
        ({"kind": "assign", "team": "nope"}, 422, "UnknownTeam", "team"),
        ({"kind": "close"}, 409, "InvalidTransition", None),  # close needs resolved first
        ({"kind": "reopen"}, 409, "InvalidTransition", None),
        ({"kind": "resume"}, 409, "InvalidTransition", None),
    ]
    for body, status, type_, field in cases:
        r = await desk.act(number, **body)
        assert r.status_code == status, (body, r.text)
        err = r.json()["error"]
        assert err["type"] == type_, (body, err)
        if field:
            assert field in _fields(r), (body, err)
        else:
            assert "while it is new" in err["message"], err
    assert (await desk.ticket(number))["last_seq"] == seq


async def test_unknown_tickets_and_parameters(desk):
    r = await desk.http.get("/tickets/999999999", headers=desk.auth())
    assert r.status_code == 404 and r.json()["error"]["type"] == "TicketNotFound"
    r = await desk.act(999999999, kind="note", body="x")
    assert r.status_code == 404 and r.json()["error"]["type"] == "TicketNotFound"
    r = await desk.http.get("/tickets/999999999/events", headers=desk.auth())
    assert r.status_code == 404
    r = await desk.http.get("/tickets/abc", headers=desk.auth())
    assert r.status_code == 422 and "path parameter number" in _fields(r)
    r = await desk.http.get("/tickets/0", headers=desk.auth())
    assert r.status_code == 422
    r = await desk.http.get("/tickets", params={"status": "solved"}, headers=desk.auth())
    assert r.status_code == 422 and "query parameter status.0" in _fields(r)
    r = await desk.http.get("/tickets", params={"limit": 1000}, headers=desk.auth())
    assert r.status_code == 422 and "query parameter limit" in _fields(r)
    r = await desk.http.get("/tickets", params={"offset": 2**63}, headers=desk.auth())  # beyond SQLite's integers
    assert r.status_code == 422 and "query parameter offset" in _fields(r)
    r = await desk.http.get("/tickets/9223372036854775808", headers=desk.auth())
    assert r.status_code == 422 and "path parameter number" in _fields(r)
    # A parameter the operation does not declare (a filter it lacks, a typo) is refused by name,
    # not ignored (which would answer every ticket).
    r = await desk.http.get("/tickets", params={"tag": "hardware", "status": "new"}, headers=desk.auth())
    assert r.status_code == 422 and _fields(r) == {"query parameter tag": "unknown parameter"}
    assert "takes assignee, category, limit, offset" in r.json()["error"]["message"]
    r = await desk.http.get("/teams", params={"verbose": "1"}, headers=desk.auth())
    assert r.status_code == 422 and "query parameter verbose" in _fields(r)
    r = await desk.http.get("/nowhere", headers=desk.auth())
    assert r.status_code == 404 and r.json()["error"]["type"] == "NotFound"
    r = await desk.http.delete("/tickets", headers=desk.auth())
    assert r.status_code == 405


async def test_openapi_documents_every_action_with_examples(desk):
    spec = (await desk.http.get("/openapi.json")).json()
    act = spec["paths"]["/tickets/{number}/actions"]["post"]
    examples = act["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == {"assign", "reply", "note", "set_priority", "set_category", "set_tags", "pend",
                             "hold", "resume", "resolve", "reopen", "close", "split", "merge", "macro"}
    assert {"401", "403", "404", "409", "422"} <= set(act["responses"])
    create = spec["components"]["schemas"]["TicketCreate"]
    assert create["examples"][0]["requester"]["email"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


async def test_a_change_racing_a_delete_is_answered_404_not_500(desk):
    """PUT and DELETE on the same admin resource at once: the change either lands before the
    delete (200) or finds the row gone (404), never a server error; the resource is gone after."""
    import asyncio

    admin = desk.auth("admin")
    hook = {"url": "https://pager.example/in", "secret": "0123456789abcdef", "kinds": ["sla_escalation"]}
    rule = {"position": 50, "category": "printers", "team": "support"}
    triage = {"description": "Printer supplies", "position": 15, "keywords": ["toner"], "set_category": "printers"}
    answers: list[int] = []
    for i in range(10):
        created = [
            (await desk.http.post("/admin/webhooks", json={"name": f"race-{i}", **hook}, headers=admin),
             f"/admin/webhooks/race-{i}", {k: v for k, v in hook.items() if k != "secret"} | {"active": False}),
            (await desk.http.post("/admin/routing-rules", json=rule, headers=admin), "/admin/routing-rules/{id}",
             rule | {"position": 51}),
            (await desk.http.post("/admin/triage-rules", json={"name": f"Race {i}", **triage}, headers=admin),
             "/admin/triage-rules/{id}", {"name": f"Race {i}", **triage, "position": 16}),
        ]
        for r, path, change in created:
            assert r.status_code == 201, r.text
            url = path.format(id=r.json().get("id"))
            put, delete = await asyncio.gather(desk.http.put(url, json=change, headers=admin),
                                               desk.http.delete(url, headers=admin))
            assert put.status_code in (200, 404), (url, put.status_code, put.text)
            assert delete.status_code in (204, 404), (url, delete.status_code, delete.text)
            if put.status_code == 404:
                assert put.json()["error"]["type"].endswith("NotFound")
            assert (await desk.http.get(url, headers=admin)).status_code in (404, 405)
            answers += [put.status_code, delete.status_code]
    assert not [a for a in answers if a >= 500]


async def test_every_answer_says_nosniff_and_the_docs_are_off_unless_asked(desk):
    import httpx

    from api.app import create_app
    from models.settings import Settings

    for r in (await desk.http.get("/tickets", headers=desk.auth()), await desk.http.get("/tickets"),
              await desk.http.get("/nowhere"), await desk.http.get("/openapi.json")):
        assert r.headers["x-content-type-options"] == "nosniff", (r.request.url, r.status_code)
    assert (await desk.http.get("/docs")).status_code == 404  # off by default: its page loads a CDN
    assert (await desk.http.get("/redoc")).status_code == 404

    app = create_app(Settings(api_docs=True, database_url="sqlite://"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk") as http:
        r = await http.get("/docs")
        assert r.status_code == 200 and "swagger" in r.text.lower()
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert (r.headers["x-frame-options"], r.headers["x-content-type-options"]) == ("DENY", "nosniff")
