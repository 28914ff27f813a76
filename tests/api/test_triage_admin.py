"""Triage rules through the admin API, on the real dev server with a real worker and read
model (SQLite and PostgreSQL): administration, validation and roles; a rule meeting a new
ticket; the VIP requester rule; the preview, alert labels included; the 0005 migration."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models.db import make_engine
from models.migrate import upgrade

RULES = "/admin/triage-rules"
TONER = {"name": "Toner words", "description": "Printer supplies", "position": 15, "keywords": ["toner", "ink cartridge"],
         "set_category": "printers", "set_priority": "high", "add_tags": ["supplies"]}
ALERTS = {"name": "Paging alerts", "position": 5, "channels": ["monitoring"],
          "alert_labels": {"severity": "critical|page", "team": "net.*"}, "set_priority": "critical",
          "set_category": "network", "add_tags": ["paged"], "auto_resolve": True}


def _fields(r) -> dict[str, str]:
    return {f["field"]: f["message"] for f in r.json()["error"]["fields"]}


async def _triaged_event(desk, number: int, timeout: float = 15.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await desk.http.get(f"/tickets/{number}/events", headers=desk.auth("auditor"))
        if r.status_code == 200:
            found = [e for e in r.json() if e["kind"] == "triaged"]
            if found:
                return found[0]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"ticket {number} has no triaged event: {r.status_code} {r.text}")
        await asyncio.sleep(0.05)


async def _open_and_triage(desk, **body) -> tuple[dict, dict]:
    r = await desk.create(**body)
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    event = await _triaged_event(desk, number)
    # The live view shows the ticket once intake has finished (notifications included), which
    # can be a moment after the read model has the `triaged` event.
    return await desk.wait_for(number, lambda t: t["last_seq"] >= event["seq"]), event


async def test_rules_are_administered_by_admins_and_read_by_supervisors_and_auditors(desk):
    http, admin = desk.http, desk.auth("admin")
    seeded = await http.get(RULES, headers=desk.auth("supervisor"))
    assert seeded.status_code == 200
    assert [r["name"] for r in seeded.json()] == ["Outages are high priority", "Network words", "Billing words", "VIP requester"]
    vip = seeded.json()[-1]
    assert (vip["requester_tier"], vip["raise_priority"], vip["enabled"]) == ("vip", True, True)
    assert (await http.get(RULES, headers=desk.auth("auditor"))).status_code == 200
    assert (await http.get(RULES, headers=desk.auth("agent"))).status_code == 403
    for role in ("agent", "supervisor", "auditor"):
        r = await http.post(RULES, json=TONER, headers=desk.auth(role))
        assert r.status_code == 403 and r.json()["error"]["type"] == "Forbidden"
    assert (await http.post(RULES, json=TONER)).status_code == 401

    r = await http.post(RULES, json=TONER, headers=admin)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["location"] == f"{RULES}/{created['id']}"
    assert created | {"id": 0} == {
        "id": 0, "name": "Toner words", "description": "Printer supplies", "position": 15, "enabled": True,
        "keywords": ["toner", "ink cartridge"], "pattern": None, "match_fields": ["subject", "description"],
        "channels": [], "requester_domain": None, "requester_tier": None, "alert_labels": {},
        "set_category": "printers", "set_priority": "high", "raise_priority": False, "add_tags": ["supplies"],
        "auto_resolve": None, "stop": False}
    assert (await http.get(r.headers["location"], headers=desk.auth("auditor"))).json() == created
    listed = [x["name"] for x in (await http.get(RULES, headers=admin)).json()]
    assert listed == ["Outages are high priority", "Toner words", "Network words", "Billing words", "VIP requester"]

    r = await http.post(RULES, json=TONER | {"position": 99}, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["type"] == "TriageRuleExists" and "name" in _fields(r)

    # PUT replaces the whole rule: what the body leaves out takes its default.
    url = f"{RULES}/{created['id']}"
    replaced = {"name": "Toner, paper", "requester_domain": "@Lyon.Example", "channels": ["email", "web"],
                "pattern": r"\bpaper jam\b", "match_fields": ["subject"], "add_tags": ["supplies"], "stop": True}
    r = await http.put(url, json=replaced, headers=admin)
    assert r.status_code == 200, r.text
    got = (await http.get(url, headers=admin)).json()
    assert (got["name"], got["keywords"], got["set_category"], got["set_priority"], got["position"]) == (
        "Toner, paper", [], None, None, 100)
    assert (got["requester_domain"], got["channels"], got["match_fields"], got["stop"]) == (
        "lyon.example", ["email", "web"], ["subject"], True)
    r = await http.put(url, json=replaced | {"name": "Billing words"}, headers=admin)
    assert r.status_code == 409 and r.json()["error"]["type"] == "TriageRuleExists"
    r = await http.put(url, json=replaced, headers=desk.auth("supervisor"))
    assert r.status_code == 403

    r = await http.put(f"{RULES}/999999", json=replaced, headers=admin)
    assert r.status_code == 404 and r.json()["error"]["type"] == "TriageRuleNotFound"
    assert (await http.get(f"{RULES}/999999", headers=admin)).status_code == 404
    assert (await http.delete(url, headers=desk.auth("agent"))).status_code == 403
    assert (await http.delete(url, headers=admin)).status_code == 204
    r = await http.get(url, headers=admin)
    assert r.status_code == 404 and _fields(r) == {"id": "no such rule"}
    assert (await http.delete(url, headers=admin)).status_code == 404
    assert "Toner, paper" not in [x["name"] for x in (await http.get(RULES, headers=admin)).json()]


@pytest.mark.parametrize("change,field,says", [
    ({"pattern": "(unclosed"}, "pattern", "not a valid regular expression"),
    ({"pattern": "x" * 201}, "pattern", "at most 200 characters"),
    ({"pattern": r"(\w+\s?)+$"}, "pattern", "repeat inside a repeat"),
    ({"channels": ["fax"]}, "channels.0", "'email'"),
    ({"set_priority": "urgent"}, "set_priority", "'critical'"),
    ({"requester_tier": "very vip"}, "requester_tier", "one word"),
    ({"requester_tier": ""}, "requester_tier", "at least 1 character"),
    ({"requester_domain": "not a domain"}, "requester_domain", "a domain such as example.com"),
    ({"alert_labels": {"team-name": "x"}}, "alert_labels", "not a Prometheus label name"),
    ({"alert_labels": {"severity": "(crit"}}, "alert_labels", "severity: not a valid regular expression"),
    ({"add_tags": ["two words"]}, "add_tags.0", "pattern"),
    ({"add_tags": ["t" * 41]}, "add_tags.0", "at most 40 characters"),
    ({"match_fields": ["title"]}, "match_fields.0", "'subject'"),
    ({"keywords": [""]}, "keywords.0", "at least 1 character"),
    ({"set_category": None, "set_priority": None, "add_tags": []}, "body", "at least one action"),
    ({"actor": "me"}, "actor", "unknown field"),
    ({"name": ""}, "name", "at least 1 character"),
])
async def test_a_bad_rule_is_refused_naming_the_field(desk, change, field, says):
    r = await desk.http.post(RULES, json=TONER | change, headers=desk.auth("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["type"] == "ValidationError"
    assert says in _fields(r)[field], r.json()
    names = [x["name"] for x in (await desk.http.get(RULES, headers=desk.auth("admin"))).json()]
    assert "Toner words" not in names  # nothing was stored


async def test_a_new_rule_triages_the_next_ticket_and_is_named_in_its_history(desk):
    r = await desk.http.post(RULES, json=TONER, headers=desk.auth("admin"))
    assert r.status_code == 201, r.text
    t, event = await _open_and_triage(desk, subject="Out of TONER on the 3rd floor", description="Printer says so",
                                      tags=["floor3"])
    assert (t["category"], t["priority"], t["tags"]) == ("printers", "high", ["floor3", "supplies"])
    assert event["data"]["rules"] == ["Toner words"]
    # The lead's workflow change records the reasons in the `triaged` event.
    assert event["data"].get("reasons") == [
        "rule 'Toner words' (keyword 'toner'): priority normal -> high; category printers; tags +supplies"]

    plain, event = await _open_and_triage(desk, subject="Paper tray squeaks")
    assert (plain["category"], plain["priority"], plain["tags"]) == (None, "normal", [])
    assert event["data"]["rules"] == []


async def test_a_vip_requester_raises_priority_until_the_rule_is_switched_off(desk):
    t, event = await _open_and_triage(desk, subject="Monitor flickers", requester={"email": "ceo@bigcorp.example"})
    assert t["priority"] == "high" and event["data"]["rules"] == ["VIP requester"]
    assert event["data"].get("reasons") == ["rule 'VIP requester' (requester tier vip): priority normal -> high"]
    other, _ = await _open_and_triage(desk, subject="Monitor flickers", requester={"email": "ceo@smallco.example"})
    assert other["priority"] == "normal"

    admin = desk.auth("admin")
    vip = next(x for x in (await desk.http.get(RULES, headers=admin)).json() if x["name"] == "VIP requester")
    body = {k: v for k, v in vip.items() if k != "id"} | {"enabled": False}
    assert (await desk.http.put(f"{RULES}/{vip['id']}", json=body, headers=admin)).status_code == 200
    off, event = await _open_and_triage(desk, subject="Monitor flickers", requester={"email": "ceo@bigcorp.example"})
    assert off["priority"] == "normal" and event["data"]["rules"] == []


async def test_preview_shows_what_the_enabled_rules_would_do(desk):
    http, admin = desk.http, desk.auth("admin")
    assert (await http.post(RULES, json=ALERTS, headers=admin)).status_code == 201
    sample = {"subject": "[FIRING:1] LinkDown core-sw-1", "requester_email": "alerts@monitoring.example",
              "channel": "monitoring", "labels": {"alertname": "LinkDown", "severity": "page", "team": "network"}}
    r = await http.post(f"{RULES}/preview", json=sample, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "category": "network", "priority": "critical", "tags": ["paged"], "rules": ["Paging alerts"],
        "reasons": ["rule 'Paging alerts' (channel monitoring, labels severity=page, team=network): "
                    "priority normal -> critical; category network; tags +paged; auto-resolve on"],
        "auto_resolve": True, "requester_tier": None}

    # A label that does not fully match, or is missing: the rule stays out.
    for labels in ({"severity": "warning", "team": "network"}, {"severity": "critical"}):
        r = await http.post(f"{RULES}/preview", json=sample | {"labels": labels}, headers=admin)
        assert r.json()["rules"] == [] and r.json()["auto_resolve"] is None

    # Several rules, the requester's tier, and what the requester chose themselves.
    r = await http.post(f"{RULES}/preview", json={
        "subject": "VPN is down", "description": "since 9am", "requester_email": "it@bigcorp.example",
        "channel": "email", "priority": "low", "category": "remote-work"}, headers=admin)
    assert r.json()["rules"] == ["Outages are high priority", "Network words", "VIP requester"]
    assert (r.json()["category"], r.json()["priority"], r.json()["requester_tier"]) == ("remote-work", "critical", "vip")
    assert r.json()["reasons"][-1] == "rule 'VIP requester' (requester tier vip): priority high -> critical"

    # Disabled rules are not previewed; nothing was stored by previewing.
    alerts = next(x for x in (await http.get(RULES, headers=admin)).json() if x["name"] == "Paging alerts")
    body = {k: v for k, v in alerts.items() if k != "id"} | {"enabled": False}
    assert (await http.put(f"{RULES}/{alerts['id']}", json=body, headers=admin)).status_code == 200
    assert (await http.post(f"{RULES}/preview", json=sample, headers=admin)).json()["rules"] == []
    assert (await http.get("/tickets", headers=admin)).json()["total"] == 0

    assert (await http.post(f"{RULES}/preview", json=sample, headers=desk.auth("agent"))).status_code == 403
    r = await http.post(f"{RULES}/preview", json=sample | {"channel": "fax"}, headers=admin)
    assert r.status_code == 422 and "channel" in _fields(r)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migration_0005_keeps_each_rules_channel(kind, tmp_path, request):
    if kind == "sqlite":
        engine, cleanup = make_engine(f"sqlite:///{tmp_path / 'm.db'}"), None
    else:
        base = request.getfixturevalue("postgres_url")
        schema, admin = f"t_{uuid.uuid4().hex[:12]}", create_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(base, connect_args={"options": f"-csearch_path={schema}"})

        def cleanup() -> None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    try:
        upgrade(engine, "0002")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO triage_rules (name, position, enabled, pattern, channel, add_tags) VALUES "
                              "('Phone', 1, true, 'x', 'phone', '[]'), ('Any', 2, true, NULL, NULL, '[\"t\"]')"))
        upgrade(engine, "0005")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name, channels, keywords, alert_labels, raise_priority, stop, auto_resolve "
                                     "FROM triage_rules ORDER BY position")).all()
        decoded = [(n, *(c if isinstance(c, (list, dict)) else json.loads(c) for c in (ch, kw, lb)), bool(up), bool(st), ar)
                   for n, ch, kw, lb, up, st, ar in rows]
        assert decoded == [("Phone", ["phone"], [], {}, False, False, None), ("Any", [], [], {}, False, False, None)]
    finally:
        engine.dispose()
        if cleanup:
            cleanup()


async def test_an_alert_label_rule_meets_an_alertmanager_ticket(desk):
    """Through the webhook: the group's common labels reach triage, and the rule's
    auto_resolve=false keeps the ticket open when the whole group resolves."""
    rule = {"name": "Checkout alerts stay open", "channels": ["monitoring"],
            "alert_labels": {"service": "checkout", "severity": "critical|page"},
            "set_category": "payments", "add_tags": ["checkout"], "auto_resolve": False}
    assert (await desk.http.post(RULES, json=rule, headers=desk.auth("admin"))).status_code == 201
    fixtures = Path(__file__).parent / "alertmanager"

    async def deliver(name: str) -> dict:
        r = await desk.http.post("/inbound/alertmanager", content=(fixtures / name).read_bytes(),
                                 headers={"Content-Type": "application/json"} | desk.auth())
        assert r.status_code in (200, 201), r.text
        return r.json()

    number = (await deliver("firing.json"))["number"]
    event = await _triaged_event(desk, number)
    assert event["data"]["rules"] == ["Checkout alerts stay open"]
    assert event["data"].get("auto_resolve") is False
    t = await desk.wait_for(number, lambda t: t["last_seq"] >= event["seq"])  # the view follows intake's end
    assert (t["category"], "checkout" in t["tags"]) == ("payments", True)

    await deliver("refiring.json")
    await deliver("resolved.json")
    second = "9e0d7a55c3b2f417"  # the fingerprint of the group's second alert, in refiring.json
    deadline = asyncio.get_running_loop().time() + 15
    while not any(e["kind"] == "alert_resolved" and second in json.dumps(e["data"]) for e in (await desk.http.get(
            f"/tickets/{number}/events", headers=desk.auth())).json()):
        assert asyncio.get_running_loop().time() < deadline, "the group's alerts never resolved on the ticket"
        await asyncio.sleep(0.05)
    # An update runs after the signal that resolved the alerts: by now an auto-resolve would show.
    r = await desk.act(number, kind="note", body="Group resolved; keeping this open for the post-mortem")
    assert r.status_code == 200, r.text
    assert r.json()["status"] != "resolved"
