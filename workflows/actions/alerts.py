"""A monitoring ticket's alert group: notifications from Alertmanager, and the alerts that
fired or resolved (workflows/alerts.py compares a notification with what the ticket knows)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from workflows import alerts
from workflows.actions.base import ACTIVE, NOT_CLOSED, TicketAction, stays
from workflows.records import Actor, AlertInstance, TicketState


@dataclass(frozen=True)
class AlertNotice:
    """One Alertmanager notification for the ticket's group (the `alert` signal). The
    workflow compares it with the alerts it knows: new or re-started firing alerts and
    newly resolved ones become events; a repeat of what it knows changes nothing."""

    actor: Actor
    status: Literal["firing", "resolved"]
    alerts: list[AlertInstance]
    kind: Literal["alert"] = "alert"


class _AlertChange(TicketAction):
    alerts: list[AlertInstance]

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        new.alerts = alerts.merge(new.alerts, self.alerts)
        return {"alerts": alerts.describe(self.alerts),
                "firing": sum(a.status == "firing" for a in new.alerts), "of": len(new.alerts)}


@dataclass(frozen=True)
class AlertsFired(_AlertChange):
    """Alerts of the group fired (again): an alert firing again wakes a resolved ticket, like a
    customer writing back."""

    actor: Actor
    alerts: list[AlertInstance]
    kind: Literal["alert_fired"] = "alert_fired"

    moves = stays(*ACTIVE) | {"resolved": "open"}


@dataclass(frozen=True)
class AlertsResolved(_AlertChange):
    actor: Actor
    alerts: list[AlertInstance]
    kind: Literal["alert_resolved"] = "alert_resolved"

    moves = stays(*NOT_CLOSED)
