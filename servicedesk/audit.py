"""`servicedesk audit timeline N | export N --out FILE | verify FILE | replay FILE | archive`:
for auditors. Timeline and export read the audit archive, or Temporal when the ticket is not
archived yet (every run of `ticket-N`); verify and replay work offline on an export file;
archive archives the ended tickets now instead of waiting for the schedule (docs/audit.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from models.audit import manifest
from models.audit.source import HistoryGone, ticket_export, timeline_runs
from models.audit.timeline import run_summaries, timeline


def add_parser(sub: Any) -> None:
    audit = sub.add_parser("audit", help="audit trails: timeline N | export N --out FILE | verify FILE | replay FILE | archive")
    cmds = audit.add_subparsers(dest="audit_command", required=True)
    cmds.add_parser("timeline", help="print a ticket's timeline from its workflow histories").add_argument("number", type=int)
    exp = cmds.add_parser("export", help="write a ticket's histories and their digest manifest to a file")
    exp.add_argument("number", type=int)
    exp.add_argument("--out", required=True, help="the file to write (JSON)")
    ver = cmds.add_parser("verify", help="check an export is complete and untampered")
    ver.add_argument("file")
    ver.add_argument("--digest", help="the export digest kept elsewhere, to compare with")
    cmds.add_parser("replay", help="replay an export's histories against the current workflow code").add_argument("file")
    cmds.add_parser("archive", help="archive every ended ticket's histories now (the schedule does it every few minutes)")


def run(args: argparse.Namespace, settings: Any) -> int:
    if args.audit_command == "verify":
        problems = verify_file(Path(args.file), args.digest)
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print(f"OK: {args.file} is complete and untampered (export digest {_digest(Path(args.file))})")
        return 1 if problems else 0
    if args.audit_command == "replay":
        problems = asyncio.run(replay_export(json.loads(Path(args.file).read_text(encoding="utf-8"))))
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print(f"OK: every history in {args.file} replays against the current workflow code")
        return 1 if problems else 0
    return asyncio.run(_with_temporal(args, settings))


async def _with_temporal(args: argparse.Namespace, settings: Any) -> int:
    from temporalio.client import Client

    from models.db import make_engine, make_sessions

    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessions(engine)
    try:
        if args.audit_command == "archive":
            from activities.archive import archive_all

            done = await archive_all(client, sessions)
            print(f"archived {len(done.archived)} ticket(s); {len(done.still_running)} closed but still running "
                  f"(waiting for their survey); {len(done.lost)} already gone from Temporal")
        elif args.audit_command == "timeline":
            print(await timeline_text(client, args.number, sessions))
        else:
            export = await export_ticket(client, args.number, sessions)
            Path(args.out).write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
            m = export["manifest"]
            print(f"wrote {args.out}: {m['run_count']} run(s), {m['event_count']} events, export digest {m['export_digest']}")
    except HistoryGone as gone:
        print(f"ticket {args.number} has no workflow history: {gone.why}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


async def export_ticket(client: Any, number: int, sessions: Any = None) -> dict[str, Any]:
    """The ticket's export: archived if it is, else built from Temporal now."""
    return (await ticket_export(client, sessions, number))[0]


async def timeline_text(client: Any, number: int, sessions: Any = None) -> str:
    runs = timeline_runs((await ticket_export(client, sessions, number))[0])
    return format_timeline(number, run_summaries(runs), timeline(runs))


def format_timeline(number: int, runs: list[dict[str, Any]], entries: list[dict[str, Any]]) -> str:
    lines = [f"ticket {number}: {len(runs)} run(s)"]
    for e in entries:
        who = e.get("actor") or {}
        actor = f" by {who.get('id')} ({who.get('kind')})" if who else ""
        kind = e["kind"]
        if kind in ("action", "signal"):
            what = f"{kind} {e.get('action') or e.get('signal')}{actor}"
            if kind == "action":
                what += f": {e['outcome']}" + (f" ({e['error']})" if e.get("error") else "")
        elif kind == "activity":
            what = f"activity {e.get('summary') or e.get('activity')}: {e.get('outcome')}"
        elif kind == "timer":
            what = f"timer {e.get('summary') or e.get('timer_id')}: due {e['due_at']}, {e['status']}"
            if e["status"] == "fired":
                what += f" at {e['fired_at']}, {e['lateness_ms']} ms late"
        elif kind == "run_started":
            what = f"run {e['run']} started ({e['run_id']})" + (f": create{actor}" if e.get("action") else "")
        elif kind == "continued_as_new":
            what = f"continued as new -> {e['next_run_id']}"
        else:
            what = " ".join(f"{k}={v}" for k, v in e.items() if k not in ("run", "run_id", "event_id", "time"))
        lines.append(f"{e['time']}  r{e['run']}#{e['event_id']:<5} {what}")
    return "\n".join(lines)


def _digest(path: Path) -> str:
    return json.loads(path.read_text(encoding="utf-8"))["manifest"]["export_digest"]


def verify_file(path: Path, expected_digest: str | None = None) -> list[str]:
    try:
        export = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        return [f"{path}: not valid JSON ({err}): the file was damaged"]
    return manifest.verify(export, expected_digest)


async def replay_export(export: dict[str, Any]) -> list[str]:
    """Replay each history of the export against the current workflow code; the problems found."""
    from temporalio.client import WorkflowHistory
    from temporalio.worker import Replayer

    from workflows.archive import AuditArchiveWorkflow
    from workflows.article_review import ArticleReviewWorkflow
    from workflows.delivery import NotificationDelivery
    from workflows.report_mail import ReportMailWorkflow
    from workflows.ticket import TicketWorkflow

    workflow_id = export["manifest"]["workflow_id"]
    # Every workflow the worker runs (servicedesk/worker.py): an export may hold any of them.
    replayer = Replayer(workflows=[TicketWorkflow, NotificationDelivery, AuditArchiveWorkflow, ReportMailWorkflow,
                                   ArticleReviewWorkflow])
    problems = []
    for run, history in zip(export["manifest"]["runs"], export["histories"], strict=False):
        if not any(e.get("eventType") == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED" for e in history.get("events", [])):
            # A run exported the moment it started has made no decision yet: nothing to replay
            # (and the SDK's Replayer waits for ever on a history with no workflow task).
            continue
        try:
            await replayer.replay_workflow(WorkflowHistory.from_json(workflow_id, history))
        except Exception as err:  # each run's failure is reported, the others still replay
            problems.append(f"run {run.get('run_id')}: replay failed: {type(err).__name__}: {err}")
    return problems
