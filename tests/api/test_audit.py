"""Audit trails through the API on the real dev server: a ticket's timeline read from its
workflow histories (every run), exports that verify, fail when tampered with, and replay
against the current workflow code."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from datetime import datetime

from servicedesk.audit import export_ticket, format_timeline, replay_export, timeline_text, verify_file
from servicedesk.cli import main
from tests.api.test_sla_api import FAST
from workflows import messages as m
from api.tickets.gateway import TicketGateway
from workflows.ticket import TicketWorkflow

SAM = "sam@demo.example"


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _history(desk, number: int, role: str = "auditor") -> dict:
    r = await desk.http.get(f"/tickets/{number}/history", headers=desk.auth(role))
    assert r.status_code == 200, r.text
    return r.json()


async def test_timeline_export_verify_tamper_replay(desk, tmp_path):
    number = (await desk.create(subject="VPN outage in Lyon", description="Nobody can connect", channel="phone",
                                tags=["lyon"])).json()["number"]
    await desk.wait_routed(number)
    assert (await desk.act(number, kind="reply", body="We are looking into it.")).status_code == 200
    assert (await desk.act(number, kind="note", body="Core switch rebooted")).status_code == 200
    assert (await desk.act(number, kind="pend", reason="Asked which office")).status_code == 200
    r = await desk.http.post(f"/tickets/{number}/customer-replies", json={"body": "Lyon, 3rd floor"}, headers=desk.auth())
    assert r.status_code == 202
    await desk.wait_for(number, lambda t: t["status"] == "open")
    assert (await desk.act(number, kind="resolve", resolution="Fibre replaced")).status_code == 200
    assert (await desk.act(number, kind="close", role="supervisor")).status_code == 200

    # Who may read it: auditors, supervisors, admins; not agents, not anonymous callers.
    assert (await desk.http.get(f"/tickets/{number}/history", headers=desk.auth("agent"))).status_code == 403
    assert (await desk.http.get(f"/tickets/{number}/export", headers=desk.auth("agent"))).status_code == 403
    assert (await desk.http.get(f"/tickets/{number}/history")).status_code == 401
    assert (await desk.http.get(f"/tickets/{number}/history", headers=desk.auth("supervisor"))).status_code == 200
    r = await desk.http.get("/tickets/1999999999/history", headers=desk.auth("auditor"))
    assert r.status_code == 404 and r.json()["error"]["type"] == "TicketNotFound"

    h = await _history(desk, number)
    assert [run["ended"] for run in h["runs"]] == ["running"]  # a closed ticket waits for its survey
    entries = h["entries"]
    times = [_at(e["time"]) for e in entries]
    assert times == sorted(times)
    started = entries[0]
    assert started["kind"] == "run_started" and started["action"] == "create" and started["actor"]["id"] == SAM

    acts = [e for e in entries if e["kind"] in ("action", "signal")]
    assert [(e["action"], e["actor"]["id"]) for e in acts] == [
        ("reply", SAM), ("note", SAM), ("pend", SAM), ("customer_reply", "dana@customer.example"),
        ("resolve", SAM), ("close", "sue@demo.example")]
    assert [e["kind"] for e in acts] == ["action"] * 3 + ["signal"] + ["action"] * 2
    assert all(e["outcome"] == "applied" and _at(e["completed_at"]) >= _at(e["time"]) for e in acts if e["kind"] == "action")
    assert acts[0]["details"]["body"] == "We are looking into it."
    assert acts[3]["signal"] == "customer_reply" and acts[3]["details"]["recorded_by"] == SAM

    activities = [e for e in entries if e["kind"] == "activity"]
    # Intake is one activity since the "batched-activities" patch: triage, routing, SLA policy.
    intake = next(e for e in activities if e["activity"] == "intake_ticket")
    assert intake["summary"] == "intake: triage, route, SLA policy"
    assert intake["result"]["triage"]["priority"] == "high" and intake["result"]["triage"]["rules"]
    assert intake["result"]["route"]["team"] == "network" and intake["result"]["route"]["reason"] in intake["outcome"]
    assert "rules: " in intake["outcome"] and "policy High" in intake["outcome"]
    # Each step's events and notices are one commit; the acknowledgement is in intake's.
    commits = [e for e in activities if e["activity"] == "commit_ticket"]
    assert commits and all("notified" in e["result"] for e in commits)
    assert "recorded ['dana@customer.example']" in commits[0]["outcome"]
    # Ordinary activities since the "ordinary-activities" patch (workflows/local.py says why).
    assert not any(e["local"] for e in activities)
    assert entries.index(intake) < entries.index(commits[0]) < entries.index(acts[0])

    # The export: raw histories plus a manifest that seals them.
    r = await desk.http.get(f"/tickets/{number}/export", headers=desk.auth("auditor"))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    export = r.json()
    man = export["manifest"]
    assert man["workflow_id"] == f"ticket-{number}" and man["run_count"] == 1 == len(export["histories"])
    assert man["runs"][0]["event_count"] == len(export["histories"][0]["events"]) == man["runs"][0]["last_event_id"]
    assert export["histories"][0]["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    assert verify_file(path) == []
    assert verify_file(path, expected_digest=man["export_digest"]) == []
    assert verify_file(path, expected_digest="00" * 32) != []
    assert await replay_export(export) == []

    # One byte flipped inside an event (the reply's text, deep in a payload) is found.
    raw = path.read_bytes()
    event = next(e for e in export["histories"][0]["events"]
                 if e["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED")
    data = event["workflowExecutionUpdateAcceptedEventAttributes"]["acceptedRequest"]["input"]["args"]["payloads"][0]["data"]
    at = raw.index(data.encode()) + 10
    flipped = tmp_path / "flipped.json"
    flipped.write_bytes(raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1:])
    problems = verify_file(flipped)
    assert any(f"event {event['eventId']} " in p and "does not match its digest" in p for p in problems), problems

    def tampered(change) -> list[str]:
        copy_ = copy.deepcopy(export)
        change(copy_)
        p = tmp_path / "tampered.json"
        p.write_text(json.dumps(copy_))
        return verify_file(p)

    problems = tampered(lambda x: x["histories"][0]["events"].pop(5))
    assert any("event added or removed" in p for p in problems) and any("digest" in p for p in problems)
    problems = tampered(lambda x: x["histories"][0]["events"].insert(3, x["histories"][0]["events"].pop(4)))
    assert any("reordered" in p for p in problems)
    problems = tampered(lambda x: x["histories"][0]["events"][2].update(eventTime="2020-01-01T00:00:00Z"))
    assert any("event 3 " in p for p in problems)
    problems = tampered(lambda x: x["histories"].append(copy.deepcopy(x["histories"][0])))
    assert any("run missing or added" in p for p in problems)
    assert verify_file(tmp_path / "export.json") == []

    text = format_timeline(number, h["runs"], entries)
    assert "action reply by sam@demo.example (agent): applied" in text and "activity intake: triage, route, SLA policy:" in text

    # The CLI: `audit timeline N` and `audit export N` read Temporal; `audit verify FILE` exits 0 or 1.
    assert "signal customer_reply by dana@customer.example (customer)" in await timeline_text(desk.temporal, number)
    again = await export_ticket(desk.temporal, number)
    assert again["manifest"]["runs"][0]["digests"][:10] == man["runs"][0]["digests"][:10]
    assert main(["audit", "verify", str(path)]) == 0
    assert main(["audit", "verify", str(path), "--digest", man["export_digest"]]) == 0
    assert main(["audit", "verify", str(flipped)]) == 1


async def test_sla_timer_due_fired_and_lateness(desk):
    assert (await desk.http.post("/admin/sla-policies", json=FAST, headers=desk.auth("admin"))).status_code == 201
    number = (await desk.create(subject="Coffee machine", category="fast")).json()["number"]
    await desk.wait_for(number, lambda t: t["sla_status"] == "breached" and t["priority"] == "high", timeout=30)
    # The breach's notification is written by a commit scheduled after the breach's projection:
    # the view shows the breach before the history has it.
    for _ in range(100):
        h = await _history(desk, number, role="supervisor")
        if any("notify sla_breach" in (e.get("summary") or "") for e in h["entries"]):
            break
        await asyncio.sleep(0.1)
    timers = [e for e in h["entries"] if e["kind"] == "timer"]
    fired = [t for t in timers if t["status"] == "fired"]
    assert fired, timers
    breach = next(t for t in fired if "first response breach" in t["summary"])
    assert _at(breach["fired_at"]) >= _at(breach["due_at"]) > _at(breach["time"])
    assert 0 <= breach["lateness_ms"] < 2_000
    assert breach["lateness_ms"] == round((_at(breach["fired_at"]) - _at(breach["due_at"])).total_seconds() * 1000)
    warning = next(t for t in fired if "first response warning 50%" in t["summary"])
    assert _at(warning["due_at"]) < _at(breach["due_at"])
    notified = [e for e in h["entries"] if e["kind"] == "activity" and e["activity"] == "commit_ticket"
                and "notify sla_breach" in (e["summary"] or "")]
    assert notified and notified[0]["event_id"] > breach["event_id"]


async def test_timeline_and_export_span_every_run(desk, tmp_path):
    number = 1_000_000_000 + uuid.uuid4().int % 1_000_000_000
    handle = await desk.temporal.start_workflow(
        TicketWorkflow.run,
        m.TicketInput(number=number, subject="Long story", description="It goes on", requester_email="dana@customer.example",
                      channel="web", created_by=m.Actor(kind="agent", id=SAM, name="Sam"), continue_as_new_after_events=40),
        id=m.ticket_workflow_id(number), task_queue=desk.app.state.settings.task_queue)
    first_run = handle.result_run_id
    gateway = TicketGateway(desk.temporal, desk.app.state.settings.task_queue)  # asks again while it is opening
    for i in range(8):
        await gateway.act(number, m.Note(actor=m.Actor(kind="agent", id=SAM), body=f"note {i}"), update_id=f"u-{i}")
    latest = desk.temporal.get_workflow_handle(m.ticket_workflow_id(number))
    for _ in range(200):
        if (await latest.describe()).run_id != first_run:
            break
        await asyncio.sleep(0.05)
    # The ticket writes its last notes after answering them, and may continue as new once more
    # meanwhile: read the history once its runs have stopped changing.
    h = await _history(desk, number)
    for _ in range(50):
        await asyncio.sleep(0.3)
        again = await _history(desk, number)
        if [r["run_id"] for r in again["runs"]] == [r["run_id"] for r in h["runs"]] and \
                [r["ended"] for r in again["runs"]] == [r["ended"] for r in h["runs"]]:
            break
        h = again
    assert len(h["runs"]) >= 2 and h["runs"][0]["run_id"] == first_run
    assert [r["ended"] for r in h["runs"]][:-1] == ["continued_as_new"] * (len(h["runs"]) - 1)
    notes = [e for e in h["entries"] if e["kind"] == "action"]
    assert [e["details"]["body"] for e in notes] == [f"note {i}" for i in range(8)]
    # Spread over the runs (the last may hold only the writes that followed them).
    assert len({e["run"] for e in notes}) >= 2 and {e["run"] for e in notes} <= set(range(1, len(h["runs"]) + 1))
    boundary = next(e for e in h["entries"] if e["kind"] == "continued_as_new")
    assert boundary["next_run_id"] == h["runs"][1]["run_id"]
    second = next(e for e in h["entries"] if e["kind"] == "run_started" and e["run"] == 2)
    assert second["continued_from"] == first_run

    export = (await desk.http.get(f"/tickets/{number}/export", headers=desk.auth("auditor"))).json()
    assert [r["run_id"] for r in export["manifest"]["runs"]] == [r["run_id"] for r in h["runs"]]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    assert verify_file(path) == []
    assert await replay_export(export) == []

    # A run dropped from the export (and from its manifest, to hide it) is still found.
    for drop in (0, len(export["histories"]) - 1, 1):
        cut = copy.deepcopy(export)
        cut["histories"].pop(drop)
        path.write_text(json.dumps(cut))
        assert any("run missing or added" in p for p in verify_file(path))
        del cut["manifest"]["runs"][drop]
        for i, run in enumerate(cut["manifest"]["runs"]):
            run["order"] = i
        cut["manifest"]["run_count"] -= 1
        path.write_text(json.dumps(cut))
        problems = verify_file(path)
        assert any("missing" in p for p in problems), (drop, problems)
    await handle.terminate("test over")
