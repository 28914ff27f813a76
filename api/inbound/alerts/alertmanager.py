"""The Prometheus Alertmanager webhook payload (version 4), and what it means as a ticket.

Alertmanager POSTs one JSON object per notification of an alert group:
`{receiver, status, alerts: [{status, labels, annotations, startsAt, endsAt, generatorURL,
fingerprint}], groupLabels, commonLabels, commonAnnotations, externalURL, version: "4",
groupKey, truncatedAlerts}`. Fields a later Alertmanager may add are ignored; a body that is
not a version-4 payload is refused (422) naming each field that is wrong.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from api.errors import ApiError
from workflows import messages as m
from workflows.vocabulary import Priority

# Go's zero time: Alertmanager sends it as `endsAt` while an alert fires with no known end.
GO_ZERO_TIME = "0001-01-01T00:00:00Z"
DEFAULT_PRIORITY: m.Priority = "normal"

_AWARE = TypeAdapter(AwareDatetime)


def _timestamp(value: str) -> str:
    """An RFC 3339 time with an offset; kept as Alertmanager wrote it (the workflow compares
    `startsAt` strings to tell a re-fire from a repeat)."""
    try:
        _AWARE.validate_python(value)
    except PydanticValidationError:
        raise ValueError("not an RFC 3339 time with an offset, like 2026-11-23T09:12:31.417Z") from None
    if "T" not in value.upper():
        raise ValueError("not an RFC 3339 time with an offset, like 2026-11-23T09:12:31.417Z")
    return value


Timestamp = Annotated[str, AfterValidator(_timestamp)]
# No length limits beyond the request body's (SERVICEDESK_MAX_BODY_BYTES): Alertmanager does
# not retry a 4xx, so refusing a real payload for a long label would lose the alert.
LabelName = Annotated[str, StringConstraints(min_length=1)]
Labels = dict[LabelName, str]
Annotations = dict[LabelName, str]


class _Payload(BaseModel):
    # Ignore what a later Alertmanager adds; refuse what is missing or of the wrong type.
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class AlertmanagerAlert(_Payload):
    status: Literal["firing", "resolved"]
    labels: Annotated[Labels, Field(min_length=1)]
    annotations: Annotations = {}
    startsAt: Timestamp
    endsAt: Timestamp = GO_ZERO_TIME
    generatorURL: str = ""
    fingerprint: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^\S+$")]

    def instance(self) -> m.AlertInstance:
        return m.AlertInstance(
            fingerprint=self.fingerprint,
            status=self.status,
            starts_at=self.startsAt,
            ends_at=None if self.endsAt == GO_ZERO_TIME else self.endsAt,
            labels=dict(self.labels),
            annotations=dict(self.annotations),
            generator_url=self.generatorURL,
        )


class AlertmanagerPayload(_Payload):
    """One Alertmanager webhook notification for an alert group."""

    version: Literal["4"]
    groupKey: Annotated[str, StringConstraints(min_length=1)]
    status: Literal["firing", "resolved"]
    receiver: str
    alerts: Annotated[list[AlertmanagerAlert], Field(min_length=1)]
    groupLabels: Labels = {}
    commonLabels: Labels = {}
    commonAnnotations: Annotations = {}
    externalURL: str = ""
    truncatedAlerts: Annotated[int, Field(ge=0)] = 0

    @property
    def firing(self) -> list[AlertmanagerAlert]:
        return [a for a in self.alerts if a.status == "firing"]

    def instances(self) -> list[m.AlertInstance]:
        return [a.instance() for a in self.alerts]

    @property
    def alertname(self) -> str:
        return (self.groupLabels.get("alertname") or self.commonLabels.get("alertname")
                or self.alerts[0].labels.get("alertname") or "")


def parse_payload(raw: bytes) -> AlertmanagerPayload:
    """The payload, or ApiError("ValidationError") (422) naming every field that is wrong."""
    try:
        return AlertmanagerPayload.model_validate_json(raw)
    except PydanticValidationError as err:
        fields = [_field(e) for e in err.errors(include_url=False)]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        raise ApiError("ValidationError", f"not an Alertmanager webhook payload (version 4): {summary}", fields) from None


def _field(err: Any) -> dict[str, str]:
    loc = [str(p) for p in err.get("loc", ())]
    kind = err.get("type", "")
    if kind == "json_invalid":
        return {"field": "body", "message": f"not valid JSON: {err.get('ctx', {}).get('error', 'invalid')}"}
    if kind == "model_type" and not loc:
        return {"field": "body", "message": "must be a JSON object (an Alertmanager webhook payload)"}
    if kind == "missing":
        return {"field": ".".join(loc), "message": "required"}
    if kind == "literal_error" and loc == ["version"]:
        return {"field": "version", "message": 'must be "4" (the Alertmanager webhook payload version this endpoint reads)'}
    return {"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")}


# --- what a notification means as a ticket ---------------------------------------------


def severity_priority(severity: str | None, severity_map: dict[str, str]) -> tuple[m.Priority, bool]:
    """(priority, known) for a `severity` label value; an unknown or missing one is "normal"."""
    lowered = {k.strip().lower(): v for k, v in severity_map.items()}
    value = (severity or "").strip().lower()
    if value in lowered:
        return lowered[value], True  # type: ignore[return-value]  # the map's values are checked to be priorities when settings load
    return DEFAULT_PRIORITY, False


def group_priority(alerts: list[AlertmanagerAlert], severity_map: dict[str, str]) -> tuple[m.Priority, list[str]]:
    """The highest priority any alert's severity maps to, and notes on severities not mapped."""
    priority: m.Priority | None = None
    notes: list[str] = []
    for alert in alerts:
        severity = alert.labels.get("severity")
        p, known = severity_priority(severity, severity_map)
        if not known:
            note = (f'severity "{severity}" is not in the severity map' if severity
                    else "an alert has no severity label")
            if note not in notes:
                notes.append(note)
        if priority is None or Priority(p).rank > Priority(priority).rank:
            priority = p
    return priority or DEFAULT_PRIORITY, notes


def subject(payload: AlertmanagerPayload) -> str:
    summary = payload.commonAnnotations.get("summary", "").strip()
    if summary:
        return _clip(" ".join(summary.split()), m.MAX_SUBJECT_CHARS)
    name = payload.alertname or "Alert"
    others = ", ".join(f"{k}={v}" for k, v in sorted(payload.groupLabels.items()) if k != "alertname")
    return _clip(f"{name}: {others}" if others else name, m.MAX_SUBJECT_CHARS)


def tags(payload: AlertmanagerPayload) -> list[str]:
    name = "-".join(payload.alertname.lower().split())[: m.MAX_TAG_CHARS]
    return ["alert", name] if name and name != "alert" else ["alert"]


def description(payload: AlertmanagerPayload, *, priority: m.Priority, notes: list[str],
                previous: int | None) -> str:
    """Everything an agent needs to start: the group, each alert, where to look. Built from
    the payload alone, so a retried delivery describes the ticket identically."""
    firing = len(payload.firing)
    lines = [f'Alertmanager receiver "{payload.receiver}" reported {len(payload.alerts)} alert(s), {firing} firing, '
             f"for the alert group {payload.groupKey}."]
    if previous is not None:
        lines.append(f"The group fired again after #{previous} was closed.")
    if payload.truncatedAlerts:
        lines.append(f"Alertmanager left out {payload.truncatedAlerts} more alert(s) of this group "
                     "(max_alerts in its webhook_config); see Alertmanager for all of them.")
    lines.append(f"Priority {priority}, from the alerts' severity"
                 + (f" ({'; '.join(notes)}: that counts as {DEFAULT_PRIORITY})." if notes else "."))
    for i, alert in enumerate(payload.alerts, 1):
        lines.append("")
        since = f"since {alert.startsAt}" if alert.status == "firing" else f"{alert.startsAt} to {alert.endsAt}"
        lines.append(f"Alert {i} of {len(payload.alerts)}: {alert.labels.get('alertname', '(no alertname)')}, "
                     f"{alert.status} {since}")
        for key in ("summary", "description", "runbook_url"):
            if alert.annotations.get(key):
                lines.append(f"  {key}: {alert.annotations[key]}")
        lines.append("  labels: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())))
        if alert.generatorURL:
            lines.append(f"  source: {alert.generatorURL}")
    if payload.externalURL:
        lines.append("")
        lines.append(f"Alertmanager: {payload.externalURL}")
    return _clip("\n".join(lines), m.MAX_BODY_CHARS)


def ticket(payload: AlertmanagerPayload, *, requester_email: str, severity_map: dict[str, str],
           previous: int | None = None) -> dict[str, Any]:
    """The ticket a firing notification opens, in TicketCreate's JSON shape."""
    firing = payload.firing or payload.alerts
    priority, notes = group_priority(firing, severity_map)
    return {
        "subject": subject(payload),
        "description": description(payload, priority=priority, notes=notes, previous=previous),
        "requester": {"email": requester_email, "name": payload.receiver[:200]},
        "channel": "monitoring",
        "priority": priority,
        "tags": tags(payload),
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
