"""One ticket, 5,000 actions, through the API, against the real dev server, worker and read
model: the ticket continues as new when the server suggests it, and nothing is lost, nothing
applied twice, and the audit timeline reads as one across its runs.

The actions are mostly agent notes and replies (updates with an Idempotency-Key), with
customer replies (signals) in between, and some that change the ticket: pend and resume,
priority changes. Eight are in flight at a time (the server takes at most ten in-flight
updates per workflow), so the ticket is busy when a continue-as-new comes due: that is when a
message could be lost.

What is checked is what an agent or an auditor would check: the read model's events (which
keep every message's body), the live view, the timeline and the export. Each action carries a
unique marker `[LT-nnnnn]` (or, for a priority change, its Idempotency-Key). The workload is
bench/long_ticket_workload.py, which bench/long_ticket.py times.

    .venv/bin/python -m pytest tests/e2e/test_long_ticket.py -s   # prints the timings
"""

from __future__ import annotations

import asyncio
import collections
import json
from typing import Any

import pytest

from bench.long_ticket_workload import MARKER, drive_ticket, plan
from models.audit.manifest import verify
from tests.api.conftest import running_desk

pytestmark = pytest.mark.slow

ACTIONS = 5_000
# The dev server suggests continuing as new at 4,096 history events (or 4 MB; Temporal's
# `limit.historyCount.suggestContinueAsNew` and `limit.historySize.suggestContinueAsNew`).
# A run goes a little past that while it finishes the actions it had already accepted.
SUGGESTED_AT_EVENTS = 4_096
DRAIN_MARGIN_EVENTS = 400


def markers_of(text: Any) -> list[int]:
    return [int(x) for x in MARKER.findall(text if isinstance(text, str) else json.dumps(text))]


async def _events(desk, number: int, timeout: float = 60.0) -> list[dict]:
    """The read model's events once every signalled customer reply has been projected too."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await desk.http.get(f"/tickets/{number}/events", headers=desk.auth())
        assert r.status_code == 200, r.text
        events = r.json()
        if sum(e["kind"] == "customer_reply" for e in events) >= ACTIONS // 5 or asyncio.get_running_loop().time() > deadline:
            return events
        await asyncio.sleep(0.5)


async def test_a_ticket_with_5000_actions_loses_nothing_across_its_runs(dev_server, database, task_queue):
    await _run(dev_server, database, task_queue, database.kind)


async def _run(dev_server, database, task_queue, read_model: str) -> None:
    async with running_desk(dev_server, database, task_queue) as desk:
        created = await desk.create(subject="The printer saga", description="It started with one jam")
        number = created.json()["number"]
        await desk.wait_routed(number)
        groups = plan(ACTIONS)
        planned = [p for g in groups for p in g]
        by_key = {p.key: p for p in planned}

        drive = await drive_ticket(desk, number, groups)
        print(f"\n[{read_model}] {ACTIONS} actions in {drive.seconds:.1f} s "
              f"({ACTIONS / drive.seconds:.1f}/s), client retries: {dict(drive.retries)} {drive.messages}")

        # --- the read model: every action's event, once, in the order applied ------------------
        events = await _events(desk, number)
        seen = collections.Counter()
        order: list[int] = []
        for e in events:
            found = markers_of(e["data"].get("body") or e["data"].get("reason") or "")
            seen.update(found)
            order += found
        priority_events = [e for e in events if e["kind"] == "set_priority"]
        expected_markers = {p.i for p in planned if p.kind not in ("set_priority", "resume")}
        assert set(seen) == expected_markers, f"missing {sorted(expected_markers - set(seen))[:20]}, extra {sorted(set(seen) - expected_markers)[:20]}"
        assert [i for i, c in seen.items() if c != 1] == [], "applied more than once"
        assert len(priority_events) == sum(p.kind == "set_priority" for p in planned)
        assert sum(e["kind"] == "resume" for e in events) == sum(p.kind == "resume" for p in planned)
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), "a gap in the ticket's events"
        for kind in ("note", "reply", "customer_reply", "pend"):
            want = {p.i for p in planned if p.kind == kind}
            got = {i for e in events if e["kind"] == kind for i in markers_of(e["data"].get("body") or e["data"].get("reason"))}
            assert got == want, kind

        # --- the live view: bounded, the newest messages, the same seq as the read model -------
        view = await desk.ticket(number)
        assert view["last_seq"] == events[-1]["seq"]
        assert view["status"] == "open"
        live = [markers_of(c["body"])[0] for c in view["conversation"]]
        messages = [i for i in order if planned[i].kind in ("note", "reply", "customer_reply")]
        assert 0 < len(live) < 200 and live == messages[-len(live):]

        # --- the timeline: one, across every run ------------------------------------------------
        r = await desk.http.get(f"/tickets/{number}/history", headers=desk.auth("auditor"))
        assert r.status_code == 200, r.text[:500]
        h = r.json()
        runs = h["runs"]
        sizes = [r["event_count"] for r in runs]
        print(f"[{read_model}] runs: {len(runs)}, events per run: {sizes}")
        assert len(runs) >= 3, "expected the ticket to continue as new several times"
        assert [r["ended"] for r in runs] == ["continued_as_new"] * (len(runs) - 1) + ["running"]
        assert max(sizes) <= SUGGESTED_AT_EVENTS + DRAIN_MARGIN_EVENTS, sizes
        starts = [e for e in h["entries"] if e["kind"] == "run_started"]
        assert [s["continued_from"] for s in starts] == [None] + [r["run_id"] for r in runs[:-1]]
        ends = [e for e in h["entries"] if e["kind"] == "continued_as_new"]
        assert [e["next_run_id"] for e in ends] == [r["run_id"] for r in runs[1:]]
        positions = [(e["run"], e["event_id"]) for e in h["entries"]]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)

        applied = [e for e in h["entries"] if e["kind"] == "action" and (e["update_id"] or "").split(":", 1)[-1] in by_key]
        assert {e["outcome"] for e in applied} == {"applied"}
        update_keys = [e["update_id"].split(":", 1)[-1] for e in applied]
        assert sorted(update_keys) == sorted(p.key for p in planned if p.kind != "customer_reply"), \
            "each update once in the timeline"
        signals = [e for e in h["entries"] if e["kind"] == "signal" and e["signal"] == "customer_reply"]
        signal_markers = [i for s in signals for i in markers_of(s["details"].get("body", ""))]
        assert sorted(signal_markers) == sorted(p.i for p in planned if p.kind == "customer_reply"), \
            "each customer reply once in the timeline"
        # In the order they were applied. Updates among themselves, and signals among themselves,
        # are applied in the order the history records them (a signal carried over a
        # continue-as-new too: it was received last in its run, applied first in the next).
        # Between a signal and an update that reach the same workflow task the history and the
        # application may order them differently; that is counted, not refused.
        update_markers = [by_key[k].i for k in update_keys if by_key[k].kind in ("note", "reply", "pend")]
        assert update_markers == [i for i in order if planned[i].kind in ("note", "reply", "pend")]
        assert signal_markers == [i for i in order if planned[i].kind == "customer_reply"]
        merged = sorted([((e["run"], e["event_id"]), by_key[k].i) for e, k in zip(applied, update_keys)
                         if by_key[k].kind in ("note", "reply", "pend")]
                        + [((s["run"], s["event_id"]), markers_of(s["details"]["body"])[0]) for s in signals])
        swapped = sum(a != b for (_, a), b in zip(merged, order))
        print(f"[{read_model}] timeline vs application order: {swapped} of {len(order)} positions differ "
              f"(a signal and an update in the same workflow task)")

        # --- the export verifies -----------------------------------------------------------------
        r = await desk.http.get(f"/tickets/{number}/export", headers=desk.auth("auditor"))
        assert r.status_code == 200
        export = r.json()
        assert verify(export) == []
        assert export["manifest"]["run_count"] == len(runs)
        for run in export["manifest"]["runs"]:
            assert run["first_event_id"] == 1 and run["last_event_id"] == run["event_count"]
        run_bytes = [len(json.dumps(hist)) for hist in export["histories"]]
        print(f"[{read_model}] history JSON per run: max {max(run_bytes) / 1e6:.2f} MB, "
              f"total {sum(run_bytes) / 1e6:.1f} MB; first event (carried input) max "
              f"{max(len(json.dumps(hist['events'][0])) for hist in export['histories']) / 1e3:.0f} kB")

        # --- retries after the continue-as-new answer and apply nothing ---------------------------
        first_run_keys = {k for e in applied if e["run"] == 1 for k in [e["update_id"].split(":", 1)[-1]]}
        last_run_keys = {k for e in applied if e["run"] == len(runs) for k in [e["update_id"].split(":", 1)[-1]]}
        middle_keys = {k for e in applied if 1 < e["run"] < len(runs) for k in [e["update_id"].split(":", 1)[-1]]}
        sample = sorted(first_run_keys)[:10] + sorted(middle_keys)[::97][:10] + sorted(last_run_keys)[-10:]
        assert len(sample) >= 20
        before = await desk.ticket(number)
        for key in sample:
            p = by_key[key]
            r = await desk.act(number, headers={"Idempotency-Key": p.key}, **p.body)
            assert r.status_code == 200, (p, r.text)
            assert r.json()["last_seq"] <= before["last_seq"], f"{p} applied again"
        after = await desk.ticket(number)
        assert after["last_seq"] == before["last_seq"]
        assert after["priority"] == before["priority"] and after["status"] == before["status"]
        again = await _events(desk, number, timeout=0)
        assert len(again) == len(events)
