"""What an Alertmanager notification changes for a ticket: pure, no Temporal import.

Alertmanager re-sends a group's alerts every `repeat_interval`, retries failed deliveries,
and sends `resolved` once. The ticket records only what is new: an alert firing for the
first time (or again, after it resolved: a new `startsAt`), and an alert newly resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.records import AlertInstance, TicketState, TicketView

if TYPE_CHECKING:
    from workflows.actions.alerts import AlertNotice


def changes(state: TicketState | TicketView, notice: AlertNotice) -> tuple[list[AlertInstance], list[AlertInstance]]:
    """(newly firing, newly resolved) alerts of `notice`, compared with the ticket's (its state,
    or the view the API reads: both hold the group's alerts)."""
    known = {a.fingerprint: a for a in state.alerts}
    fired: list[AlertInstance] = []
    resolved: list[AlertInstance] = []
    for alert in notice.alerts:
        before = known.get(alert.fingerprint)
        if alert.status == "firing":
            if before is None or before.status != "firing" or before.starts_at != alert.starts_at:
                fired.append(alert)
        elif before is not None and before.status == "firing":
            resolved.append(alert)
    return fired, resolved


def merge(alerts: list[AlertInstance], update: list[AlertInstance]) -> list[AlertInstance]:
    """The group's alerts after `update`, one per fingerprint, in the order first seen."""
    out = {a.fingerprint: a for a in alerts}
    for alert in update:
        out[alert.fingerprint] = alert
    return list(out.values())


def all_resolved(state: TicketState) -> bool:
    return bool(state.alerts) and all(a.status == "resolved" for a in state.alerts)


def group_labels(alerts: list[AlertInstance]) -> dict[str, str]:
    """The labels every alert of the group shares (what triage rules look at)."""
    if not alerts:
        return {}
    common = dict(alerts[0].labels)
    for alert in alerts[1:]:
        common = {k: v for k, v in common.items() if alert.labels.get(k) == v}
    return common


def describe(alerts: list[AlertInstance]) -> list[dict[str, str]]:
    """What the history records of each alert: enough to read, no raw payload."""
    return [{"fingerprint": a.fingerprint, "alertname": a.labels.get("alertname", ""),
             "severity": a.labels.get("severity", ""), "starts_at": a.starts_at, "ends_at": a.ends_at or ""}
            for a in alerts]
