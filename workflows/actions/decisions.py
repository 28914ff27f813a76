"""What the desk decides about a ticket on its own: its triage and its routing."""

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from workflows import notices
from workflows.activity_io import NotifyInput
from workflows.actions.base import NOT_CLOSED, TicketAction, stays
from workflows.records import Actor, TicketState
from workflows.validation import capped_tags


@dataclass(frozen=True)
class Triaged(TicketAction):
    actor: Actor
    category: str | None
    priority: str  # a priority word: triage's, or the ticket's own when triage failed
    tags: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)  # names of the triage rules that matched
    reasons: list[str] = field(default_factory=list)  # what each of them changed
    auto_resolve: bool | None = None  # a rule's say on resolving when the alert group resolves
    kind: Literal["triaged"] = "triaged"

    moves = stays(*NOT_CLOSED)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        new.category = self.category
        new.priority = self.priority
        new.tags = capped_tags([*new.tags, *self.tags])
        if new.alert is not None and self.auto_resolve is not None:
            new.alert = dataclasses.replace(new.alert, auto_resolve=self.auto_resolve)
        data = {"category": new.category, "priority": new.priority, "tags": list(new.tags),
                "rules": list(self.rules), "reasons": list(self.reasons)}
        return data | ({"auto_resolve": new.alert.auto_resolve} if new.alert is not None else {})


@dataclass(frozen=True)
class Routed(TicketAction):
    actor: Actor
    team: str | None
    assignee: str | None
    reason: str
    kind: Literal["routed"] = "routed"

    moves = stays(*NOT_CLOSED)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        new.team = self.team
        new.assignee = self.assignee
        return {"team": self.team, "assignee": self.assignee, "reason": self.reason}

    def notices(self, before: TicketState, after: TicketState, seq: int) -> list[NotifyInput]:
        return notices.assigned(before, after, seq, by=None, reason=self.reason)
