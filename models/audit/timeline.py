"""A ticket's timeline, read from its workflow histories (every run, oldest first): each
action with its actor and time, each signal, each activity (triage, routing, SLA policy,
notifications, projections) with its outcome, each timer with its due and fire times, and the
boundaries between runs. Works on the histories' JSON (`temporal workflow show --output json`,
or an export), so the CLI reads exports the same way the API reads Temporal."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

from google.protobuf.json_format import ParseDict
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

_CONVERTER = DataConverter.default.payload_converter
_ENDINGS = {
    "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED": "completed",
    "EVENT_TYPE_WORKFLOW_EXECUTION_FAILED": "failed",
    "EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT": "timed out",
    "EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED": "terminated",
    "EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED": "canceled",
}


def decode_payload(raw: Any) -> Any:
    """One payload's value with the default data converter (JSON -> dicts and lists)."""
    if not isinstance(raw, dict):
        return None
    try:
        return _CONVERTER.from_payloads([ParseDict(raw, Payload())])[0]
    except Exception:  # an undecodable payload is shown as its encoding
        encoding = base64.b64decode(raw.get("metadata", {}).get("encoding", "")).decode("utf-8", "replace")
        return {"undecodable_payload": encoding}


def _first(payloads: Any) -> Any:
    items = (payloads or {}).get("payloads") or []
    return decode_payload(items[0]) if items else None


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.rstrip("Z")
    if "." in value:  # protobuf JSON gives up to nanoseconds
        head, frac = value.split(".", 1)
        value = f"{head}.{frac[:6].ljust(6, '0')}"
    return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _seconds(duration: str | None) -> float:
    return float(duration.rstrip("s")) if duration else 0.0


def _summary(event: dict[str, Any]) -> str | None:
    value = decode_payload(event.get("userMetadata", {}).get("summary"))
    return value if isinstance(value, str) else None


def _outcome(activity: str | None, result: Any) -> str | None:
    if not isinstance(result, dict):
        return None
    if activity == "triage_ticket":
        rules = ", ".join(result.get("rules") or []) or "no rule matched"
        reasons = "; ".join(result.get("reasons") or [])
        return f"rules: {rules}" + (f" ({reasons})" if reasons else "") + \
            f" -> priority {result.get('priority')}, category {result.get('category')}"
    if activity == "route_ticket":
        return f"team {result.get('team')}, assignee {result.get('assignee')}: {result.get('reason')}"
    if activity == "load_sla_policy":
        policy = result.get("policy") or {}
        return f"policy {policy.get('name') if isinstance(policy, dict) else None}: {result.get('reason')}"
    if activity == "notify":
        return (f"recorded {result.get('recorded') or []}, already {result.get('already') or []}, "
                f"unresolved {result.get('unresolved') or []}")
    if activity == "intake_ticket":  # triage, routing and the SLA policy in one (batched-activities)
        parts = [_outcome(name, result.get(key)) for name, key in
                 (("triage_ticket", "triage"), ("route_ticket", "route"), ("load_sla_policy", "policy"))]
        return "; ".join(p for p in parts if p)
    if activity == "commit_ticket":  # events written with their notices (batched-activities)
        told = [_outcome("notify", n) for n in result.get("notified") or []]
        return "written" + (": " + "; ".join(t for t in told if t) if told else "")
    return None


def timeline(runs: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """`runs`: (run id, history JSON) oldest first. Entries in history order."""
    entries: list[dict[str, Any]] = []
    for order, (run_id, history) in enumerate(runs, start=1):
        entries += _run_entries(order, run_id, history.get("events", []))
    return entries


def _run_entries(order: int, run_id: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}
    timers: dict[str, dict[str, Any]] = {}
    activities: dict[str, dict[str, Any]] = {}
    for event in events:
        kind = event.get("eventType", "")
        when = parse_time(event.get("eventTime"))
        base = {"run": order, "run_id": run_id, "event_id": int(event.get("eventId", 0)), "time": _iso(when)}
        if kind == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED":
            attrs = event["workflowExecutionStartedEventAttributes"]
            inp = _first(attrs.get("input"))
            entry = base | {"kind": "run_started", "continued_from": attrs.get("continuedExecutionRunId") or None}
            if isinstance(inp, dict) and not inp.get("carried"):
                entry |= {"action": "create", "actor": inp.get("created_by"), "details": {
                    k: inp.get(k) for k in ("subject", "priority", "category", "channel", "requester_email") if k in inp}}
            out.append(entry)
        elif kind == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED":
            request = event["workflowExecutionUpdateAcceptedEventAttributes"].get("acceptedRequest", {})
            update_id = request.get("meta", {}).get("updateId", "")
            arg = _first(request.get("input", {}).get("args"))
            arg = arg if isinstance(arg, dict) else {}
            entry = base | {"kind": "action", "update": request.get("input", {}).get("name"), "update_id": update_id,
                            "action": arg.get("kind"), "actor": arg.get("actor"),
                            "details": {k: v for k, v in arg.items() if k not in ("kind", "actor")},
                            "outcome": "pending", "completed_at": None, "error": None}
            updates[update_id] = entry
            out.append(entry)
        elif kind == "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED":
            attrs = event["workflowExecutionUpdateCompletedEventAttributes"]
            entry = updates.get(attrs.get("meta", {}).get("updateId", ""))
            if entry is not None:
                failure = attrs.get("outcome", {}).get("failure")
                entry.update(outcome="rejected" if failure else "applied", completed_at=_iso(when),
                             error=failure.get("message") if failure else None)
        elif kind == "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED":
            attrs = event["workflowExecutionSignaledEventAttributes"]
            arg = _first(attrs.get("input"))
            arg = arg if isinstance(arg, dict) else {}
            out.append(base | {"kind": "signal", "signal": attrs.get("signalName"),
                               "action": arg.get("kind") or attrs.get("signalName"),
                               "actor": arg.get("actor"),
                               "details": {k: v for k, v in arg.items() if k not in ("kind", "actor")}})
        elif kind == "EVENT_TYPE_MARKER_RECORDED":
            out.append(base | _marker(event))
        elif kind == "EVENT_TYPE_TIMER_STARTED":
            attrs = event["timerStartedEventAttributes"]
            due = when + timedelta(seconds=_seconds(attrs.get("startToFireTimeout"))) if when else None
            entry = base | {"kind": "timer", "timer_id": attrs.get("timerId"), "summary": _summary(event),
                            "due_at": _iso(due), "status": "pending", "fired_at": None, "canceled_at": None,
                            "lateness_ms": None, "_due": due}
            timers[str(attrs.get("timerId"))] = entry
            out.append(entry)
        elif kind in ("EVENT_TYPE_TIMER_FIRED", "EVENT_TYPE_TIMER_CANCELED"):
            attrs = event.get("timerFiredEventAttributes") or event.get("timerCanceledEventAttributes") or {}
            entry = timers.get(str(attrs.get("timerId")))
            if entry is not None and kind == "EVENT_TYPE_TIMER_FIRED":
                due = entry["_due"]
                entry.update(status="fired", fired_at=_iso(when),
                             lateness_ms=round((when - due).total_seconds() * 1000) if when and due else None)
            elif entry is not None:
                entry.update(status="canceled", canceled_at=_iso(when))
        elif kind == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED":
            attrs = event["activityTaskScheduledEventAttributes"]
            entry = base | {"kind": "activity", "local": False, "activity": attrs.get("activityType", {}).get("name"),
                            "summary": _summary(event), "result": None, "outcome": "scheduled", "failure": None}
            activities[str(event.get("eventId"))] = entry
            out.append(entry)
        elif kind in ("EVENT_TYPE_ACTIVITY_TASK_COMPLETED", "EVENT_TYPE_ACTIVITY_TASK_FAILED", "EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT"):
            attrs = next((v for k, v in event.items() if k.endswith("EventAttributes")), {})
            entry = activities.get(str(attrs.get("scheduledEventId")))
            if entry is not None and kind == "EVENT_TYPE_ACTIVITY_TASK_COMPLETED":
                result = _first(attrs.get("result"))
                entry.update(result=result, outcome=_outcome(entry["activity"], result) or "completed")
            elif entry is not None:
                entry.update(outcome="failed", failure=(attrs.get("failure") or {}).get("message", kind))
        elif kind == "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED":
            attrs = event["startChildWorkflowExecutionInitiatedEventAttributes"]
            out.append(base | {"kind": "child_workflow", "workflow_id": attrs.get("workflowId"),
                               "workflow_type": attrs.get("workflowType", {}).get("name")})
        elif kind == "EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED":
            attrs = event["signalExternalWorkflowExecutionInitiatedEventAttributes"]
            out.append(base | {"kind": "signal_sent", "signal": attrs.get("signalName"),
                               "workflow_id": attrs.get("workflowExecution", {}).get("workflowId")})
        elif kind == "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW":
            attrs = event["workflowExecutionContinuedAsNewEventAttributes"]
            out.append(base | {"kind": "continued_as_new", "next_run_id": attrs.get("newExecutionRunId")})
        elif kind in _ENDINGS:
            out.append(base | {"kind": "run_ended", "how": _ENDINGS[kind]})
    for entry in timers.values():
        entry.pop("_due", None)
    return out


def _marker(event: dict[str, Any]) -> dict[str, Any]:
    attrs = event["markerRecordedEventAttributes"]
    details = attrs.get("details", {})
    data = _first(details.get("data"))
    data = data if isinstance(data, dict) else {}
    activity = data.get("activity_type") or data.get("activityType")
    failure = attrs.get("failure")
    result = _first(details.get("result")) if not failure else None
    if attrs.get("markerName") != "core_local_activity":
        return {"kind": "marker", "marker": attrs.get("markerName"), "summary": _summary(event)}
    return {"kind": "activity", "local": True, "activity": activity, "summary": _summary(event),
            "attempt": data.get("attempt"), "result": result,
            "outcome": ("failed" if failure else _outcome(activity, result) or "completed"),
            "failure": failure.get("message") if failure else None}


def run_summaries(runs: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    out = []
    for order, (run_id, history) in enumerate(runs, start=1):
        events = history.get("events", [])
        last = events[-1].get("eventType", "") if events else ""
        ended = "continued_as_new" if last == "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW" else _ENDINGS.get(last, "running")
        out.append({"run": order, "run_id": run_id, "event_count": len(events),
                    "started_at": _iso(parse_time(events[0].get("eventTime"))) if events else None, "ended": ended})
    return out
