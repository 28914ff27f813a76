"""The export's manifest: a SHA-256 digest chain over every event of every run, and the check
that an export is complete and untampered. Pure: JSON in, JSON (or a list of problems) out.

Per run, digest_0 = sha256("servicedesk-audit-v1|<workflow id>|<run id>") and
digest_i = sha256(digest_{i-1} || canonical(event_i)), where canonical(event) is the event's
JSON object (as `temporal workflow show --output json` gives it) dumped with sorted keys, no
spaces, UTF-8. The export digest chains the runs' heads in order, so dropping, adding or
reordering a run changes it too.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

FORMAT = "servicedesk-audit-export/1"
_SEED = "servicedesk-audit-v1"
_CONTINUED = "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW"
_STARTED_ATTRS = "workflowExecutionStartedEventAttributes"


def canonical(event: dict[str, Any]) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain(workflow_id: str, run_id: str, events: list[dict[str, Any]]) -> list[str]:
    """The digest after each event, hex."""
    digest = hashlib.sha256(f"{_SEED}|{workflow_id}|{run_id}".encode()).digest()
    out = []
    for event in events:
        digest = hashlib.sha256(digest + canonical(event)).digest()
        out.append(digest.hex())
    return out


def export_digest(workflow_id: str, heads: list[str]) -> str:
    h = hashlib.sha256(f"{_SEED}|{workflow_id}".encode())
    for head in heads:
        h.update(bytes.fromhex(head))
    return h.hexdigest()


def _event_id(event: dict[str, Any]) -> int | None:
    try:
        return int(event.get("eventId", 0))
    except (TypeError, ValueError):
        return None


def build_manifest(workflow_id: str, run_ids: list[str], histories: list[dict[str, Any]], exported_at: str,
                   number: int | None = None) -> dict[str, Any]:
    """`histories[i]` is run `run_ids[i]`'s history ({"events": [...]}), oldest run first."""
    runs = []
    for order, (run_id, history) in enumerate(zip(run_ids, histories, strict=True)):
        events = history.get("events", [])
        digests = chain(workflow_id, run_id, events)
        runs.append({
            "order": order, "run_id": run_id, "event_count": len(events),
            "first_event_id": _event_id(events[0]) if events else None,
            "last_event_id": _event_id(events[-1]) if events else None,
            "head": digests[-1] if digests else "",
            "digests": digests,
        })
    return {
        "format": FORMAT, "workflow_id": workflow_id, "ticket": number, "exported_at": exported_at,
        "algorithm": "sha256 chain: d0=sha256('servicedesk-audit-v1|<workflow_id>|<run_id>'), "
                     "di=sha256(d(i-1) || canonical JSON of event i, sorted keys, no spaces, UTF-8)",
        "run_count": len(runs), "event_count": sum(r["event_count"] for r in runs),
        "runs": runs, "export_digest": export_digest(workflow_id, [r["head"] for r in runs]),
    }


def build_export(workflow_id: str, run_ids: list[str], histories: list[dict[str, Any]], exported_at: str,
                 number: int | None = None) -> dict[str, Any]:
    return {"manifest": build_manifest(workflow_id, run_ids, histories, exported_at, number), "histories": histories}


def verify(export: Any, expected_digest: str | None = None) -> list[str]:
    """Every problem found in an export; an empty list means complete and untampered (against
    its own manifest, and against `expected_digest` when the auditor kept it elsewhere)."""
    if not isinstance(export, dict) or not isinstance(export.get("manifest"), dict) or not isinstance(export.get("histories"), list):
        return ["not an export: expected {\"manifest\": {...}, \"histories\": [...]}"]
    manifest, histories = export["manifest"], export["histories"]
    problems: list[str] = []
    if manifest.get("format") != FORMAT:
        problems.append(f"manifest: unknown format {manifest.get('format')!r}")
    workflow_id = manifest.get("workflow_id")
    runs = manifest.get("runs") if isinstance(manifest.get("runs"), list) else []
    if not isinstance(workflow_id, str) or not runs:
        return problems + ["manifest: no workflow_id or no runs"]
    if manifest.get("run_count") != len(runs):
        problems.append(f"manifest: run_count {manifest.get('run_count')} but {len(runs)} runs listed")
    if len(histories) != len(runs):
        problems.append(f"run missing or added: the manifest lists {len(runs)} runs, the export holds {len(histories)} histories")
    if export_digest(workflow_id, [str(r.get("head", "")) for r in runs if _is_hex(r.get("head"))]) != manifest.get("export_digest"):
        problems.append("manifest: export_digest does not match the runs' heads")
    if expected_digest is not None and manifest.get("export_digest") != expected_digest:
        problems.append(f"export digest {manifest.get('export_digest')} is not the expected {expected_digest}")
    previous_run: str | None = None
    previous_continued = False
    for i, run in enumerate(runs):
        where = f"run {i + 1} ({run.get('run_id')})"
        if run.get("order") != i:
            problems.append(f"{where}: listed out of order (order {run.get('order')})")
        if i >= len(histories):
            problems.append(f"{where}: history missing")
            continue
        history = histories[i]
        events = history.get("events") if isinstance(history, dict) else None
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            problems.append(f"{where}: history is not {{\"events\": [...]}}")
            continue
        problems += _check_run(where, workflow_id, run, events)
        started = events[0].get(_STARTED_ATTRS, {}) if events else {}
        continued_from = started.get("continuedExecutionRunId") or None
        if i == 0 and continued_from:
            problems.append(f"{where}: continues run {continued_from}, which the export does not hold (earlier run missing)")
        if i > 0 and (continued_from != previous_run or not previous_continued):
            problems.append(f"{where}: does not continue the run before it ({previous_run}): a run is missing or out of order")
        previous_run = run.get("run_id")
        previous_continued = bool(events) and events[-1].get("eventType") == _CONTINUED
    if previous_continued:
        problems.append(f"the last run ({previous_run}) continued as new, but its next run is missing from the export")
    return problems


def _is_hex(value: Any) -> bool:
    try:
        bytes.fromhex(value)
        return True
    except (TypeError, ValueError):
        return False


def _check_run(where: str, workflow_id: str, run: dict[str, Any], events: list[dict[str, Any]]) -> list[str]:
    problems = []
    if run.get("event_count") != len(events):
        problems.append(f"{where}: {len(events)} events, the manifest says {run.get('event_count')} (event added or removed)")
    ids = [_event_id(e) for e in events]
    expected = list(range(1, len(events) + 1))
    if ids != expected:
        at = next((k for k, (a, b) in enumerate(zip(ids, expected)) if a != b), min(len(ids), len(expected)))
        problems.append(f"{where}: event ids not consecutive from 1 at position {at + 1} "
                        f"(found {ids[at] if at < len(ids) else 'nothing'}): event removed, added or reordered")
    if events and (ids[0] != run.get("first_event_id") or ids[-1] != run.get("last_event_id")):
        problems.append(f"{where}: first/last event ids {ids[0]}..{ids[-1]}, the manifest says "
                        f"{run.get('first_event_id')}..{run.get('last_event_id')}")
    digests = chain(workflow_id, str(run.get("run_id")), events)
    listed = run.get("digests") if isinstance(run.get("digests"), list) else []
    first_bad = next((k for k, d in enumerate(digests) if k >= len(listed) or listed[k] != d), None)
    if first_bad is not None:
        problems.append(f"{where}: event {ids[first_bad]} (position {first_bad + 1}) does not match its digest: changed, "
                        "added, removed or reordered from there on")
    if (digests[-1] if digests else "") != run.get("head", ""):
        problems.append(f"{where}: digest chain head does not match the manifest")
    return problems
