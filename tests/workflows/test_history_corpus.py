"""The history corpus (tests/histories/): real histories, recorded from the product's own
scenarios, replayed against the current workflow code. A change to a workflow (Ticket,
NotificationDelivery, AuditArchive, ReportMail, ArticleReview) that would break the runs already
going in production breaks this test first; such changes go behind `workflow.patched` (docs/workflow-changes.md).

Replay needs no server: these tests run in a few seconds.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from models.audit import manifest
from servicedesk.audit import replay_export
from workflows.delivery import NotificationDelivery
from workflows.messages import TicketInput, TicketSnapshot
from workflows.ticket import TicketWorkflow

CORPUS = Path(__file__).parents[1] / "histories"
FILES = sorted(CORPUS.glob("*.json"))
TICKET_FILES = [p for p in FILES if not p.stem.startswith(("delivery_", "audit_archive", "article_review", "report_mail"))]
# Each live patch that changes the commands adds a set of histories (docs/workflow-changes.md).
MAX_CORPUS_BYTES = 4 * 1024 * 1024

# What the corpus must keep covering (tests/histories/README.md says which scenario records
# which): deleting a file, or re-recording one that no longer reaches its path, fails here.
EXPECTED = {
    "survey_answered", "pending_reply_reassign_close", "sla_breach_escalation", "split_parent", "split_child",
    "merge_duplicate", "merge_primary", "alert_auto_resolved", "email_with_reply", "continued_as_new",
    "confirmation_rejected_reopens", "auto_closed_survey_expired", "delivery_sent", "delivery_failed_permanently", "audit_archive",
    "carried_signals", "article_review", "report_mail", "macro_if_match",
}
EVENT_TYPES_COVERED = {
    "WORKFLOW_EXECUTION_UPDATE_ACCEPTED",  # agents' actions
    "WORKFLOW_EXECUTION_SIGNALED",  # customer replies, confirmations, surveys, alerts, child status
    "MARKER_RECORDED",  # local activities: triage, routing, SLA policy, notify, projection
    "TIMER_FIRED", "TIMER_CANCELED",  # SLA clocks, confirmation wait, survey expiry
    "START_CHILD_WORKFLOW_EXECUTION_INITIATED",  # split
    "SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED",  # merge, parent told
    "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES",
    "WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
    "WORKFLOW_EXECUTION_COMPLETED",  # survey answered or expired; deliveries
    "ACTIVITY_TASK_COMPLETED", "ACTIVITY_TASK_FAILED",  # delivery sent; delivery refused for good
}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def event_types(export: dict[str, Any]) -> Counter[str]:
    return Counter(e["eventType"].removeprefix("EVENT_TYPE_") for h in export["histories"] for e in h["events"])


def accepted_actions(export: dict[str, Any]) -> list[dict[str, Any]]:
    """The `act` updates' payloads (the agents' actions) of an export's histories."""
    return [json.loads(base64.b64decode(
        e["workflowExecutionUpdateAcceptedEventAttributes"]["acceptedRequest"]["input"]["args"]["payloads"][0]["data"]))
        for h in export["histories"] for e in h["events"] if e["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED"]


def test_the_corpus_is_complete_small_and_covers_the_workflow():
    # `<name>.json` or, recorded after a workflow change, `<name>.<tag>.json` (README.md).
    scenarios = {p.stem.split(".")[0] for p in FILES}
    assert scenarios >= EXPECTED, f"missing from tests/histories/: {EXPECTED - scenarios}"
    assert sum(p.stat().st_size for p in FILES) < MAX_CORPUS_BYTES
    seen: Counter[str] = Counter()
    for path in FILES:
        seen += event_types(load(path))
    assert EVENT_TYPES_COVERED <= set(seen), f"no history has {EVENT_TYPES_COVERED - set(seen)}"
    assert all(load(p)["manifest"]["run_count"] >= 2 for p in FILES if p.stem.split(".")[0] == "continued_as_new")
    assert all(event_types(load(p))["MARKER_RECORDED"] == 1  # the row marked failed, by a local activity
               for p in FILES if p.stem.split(".")[0] == "delivery_failed_permanently")
    # The newer paths (README.md): a macro and a fresh reply, both guarded by If-Match; a review
    # date moved once (a second signal, the first timer cancelled) before the reminder's timer fired.
    guarded = [(a["kind"], "if_last_seq" in a) for a in accepted_actions(load(CORPUS / "macro_if_match.json"))]
    assert guarded == [("macro", True), ("reply", True)], guarded
    review = event_types(load(CORPUS / "article_review.json"))
    assert (review["WORKFLOW_EXECUTION_SIGNALED"], review["TIMER_CANCELED"], review["TIMER_FIRED"],
            review["WORKFLOW_EXECUTION_COMPLETED"]) == (2, 1, 1, 1), review


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_export_is_complete_and_untampered(path):
    """The digest chain of the audit export (models/audit/manifest.py): the corpus is what was
    recorded, not a hand-edited history that happens to replay."""
    assert manifest.verify(load(path)) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
async def test_each_history_replays_against_the_current_code(path):
    """THE check. If it fails after a change to workflows/, the change is non-deterministic for
    workflows already running: put it behind `workflow.patched` (docs/workflow-changes.md).
    Never re-record the corpus to make this pass."""
    assert await replay_export(load(path)) == []


# --- the check can fail: a non-deterministic change, and the same change behind a patch ----


# Not sandboxed: these test-only classes live in a test module that imports pytest; the sandbox
# has nothing to do with the determinism check, which compares commands with the history.
@workflow.defn(name="Ticket", sandboxed=False)
class TicketWithANewTimer(TicketWorkflow):
    """A "small" change: wait a second before anything else. Every recorded first run began
    with the triage activity (a marker, or a scheduled activity since `ordinary-activities`)."""

    @workflow.run
    async def run(self, inp: TicketInput) -> TicketSnapshot:
        await workflow.sleep(1)
        return await super().run(inp)


@workflow.defn(name="Ticket", sandboxed=False)
class TicketWithAPatchedTimer(TicketWorkflow):
    """The same change as it must be made: runs that started before it don't take it."""

    @workflow.run
    async def run(self, inp: TicketInput) -> TicketSnapshot:
        if workflow.patched("wait-a-second-first"):
            await workflow.sleep(1)
        return await super().run(inp)


async def _replay_with(workflow_class: type, path: Path) -> list[BaseException | None]:
    export = load(path)
    replayer = Replayer(workflows=[workflow_class, NotificationDelivery])
    workflow_id = export["manifest"]["workflow_id"]
    results = []
    for history in export["histories"]:
        result = await replayer.replay_workflow(WorkflowHistory.from_json(workflow_id, history),
                                                raise_on_replay_failure=False)
        results.append(result.replay_failure)
    return results


@pytest.mark.parametrize("path", TICKET_FILES, ids=lambda p: p.stem)
async def test_a_new_command_at_the_start_is_caught_as_non_determinism(path):
    failures = await _replay_with(TicketWithANewTimer, path)
    # The first run begins with intake (an activity), so the new timer cannot pass for it. A
    # run after a continue-as-new may begin with its SLA timer, and a timer in place of a timer
    # is not a different command: those runs are not asserted on.
    assert failures and isinstance(failures[0], workflow.NondeterminismError), failures


@pytest.mark.parametrize("path", TICKET_FILES, ids=lambda p: p.stem)
async def test_the_same_change_behind_workflow_patched_replays_cleanly(path):
    assert await _replay_with(TicketWithAPatchedTimer, path) == [None] * load(path)["manifest"]["run_count"]



async def test_a_run_exported_the_moment_it_started_replays_as_nothing_to_check():
    """A ticket that continued as new a moment before its export has a last run of one event (no
    workflow task yet): there is no decision to check, and the SDK's Replayer would wait on it for
    ever (seen in the audit export test since TicketV2)."""
    continued = load(next(p for p in FILES if p.stem == "continued_as_new.hot-path"))
    first = continued["histories"][-1]["events"][0]
    assert first["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    export = {"manifest": {"workflow_id": continued["manifest"]["workflow_id"],
                           "runs": continued["manifest"]["runs"][-1:]},
              "histories": [{"events": [first]}]}
    assert await asyncio.wait_for(replay_export(export), timeout=30) == []
