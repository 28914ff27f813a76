"""Who has the ticket and how it is filed: assignee and team, priority, category, tags."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from workflows import notices
from workflows.activity_io import NotifyInput
from workflows.actions.base import NOT_CLOSED, AgentAction, stays
from workflows.records import MAX_TAGS, Actor, Priority, TicketState
from workflows.validation import ActionRejected, check_priority, check_tag, normalise_tags


@dataclass(frozen=True)
class Assign(AgentAction):
    """Assign to an agent (by e-mail) and/or move to a team (by slug)."""

    actor: Actor
    assignee: str | None = None  # agent e-mail; None with a team moves it to the team queue
    team: str | None = None  # team slug
    kind: Literal["assign"] = "assign"

    moves = stays(*NOT_CLOSED) | {"new": "open"}
    example = {"assignee": "sam@demo.example"}

    def check(self, state: TicketState) -> None:
        if self.assignee is None and self.team is None:
            raise ActionRejected("InvalidAction", "assignee or team: give at least one")
        if self.assignee == state.assignee and (self.team is None or self.team == state.team):
            raise ActionRejected("InvalidAction", f"assignee: ticket {state.number} is already assigned to {self.assignee}")

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        before = {"assignee": new.assignee, "team": new.team}
        new.assignee = self.assignee
        if self.team is not None:
            new.team = self.team
        return {"from": before, "assignee": new.assignee, "team": new.team}

    def notices(self, before: TicketState, after: TicketState, seq: int) -> list[NotifyInput]:
        return notices.assigned(before, after, seq, by=self.actor)


@dataclass(frozen=True)
class SetPriority(AgentAction):
    """Change the priority."""

    actor: Actor
    priority: Priority
    kind: Literal["set_priority"] = "set_priority"

    moves = stays(*NOT_CLOSED)
    example = {"priority": "critical"}

    def check(self, state: TicketState) -> None:
        check_priority("priority", self.priority)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        before, new.priority = new.priority, self.priority
        return {"from": before, "to": new.priority}


@dataclass(frozen=True)
class SetCategory(AgentAction):
    """Change the category (null clears it)."""

    actor: Actor
    category: str | None
    kind: Literal["set_category"] = "set_category"

    moves = stays(*NOT_CLOSED)
    example = {"category": "network"}

    def check(self, state: TicketState) -> None:
        if self.category is not None and not self.category.strip():
            raise ActionRejected("InvalidAction", "category: must not be blank (use null to clear it)")

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        before = new.category
        new.category = self.category.strip() if self.category else None
        return {"from": before, "to": new.category}


@dataclass(frozen=True)
class SetTags(AgentAction):
    """Add and remove tags."""

    actor: Actor
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    kind: Literal["set_tags"] = "set_tags"

    moves = stays(*NOT_CLOSED)
    example = {"add": ["vpn"], "remove": ["new"]}

    def _result(self, tags: list[str]) -> list[str]:
        removed = set(normalise_tags(self.remove))
        return [t for t in normalise_tags([*tags, *self.add]) if t not in removed]

    def check(self, state: TicketState) -> None:
        if not self.add and not self.remove:
            raise ActionRejected("InvalidAction", "add or remove: give at least one tag")
        for tag in [*self.add, *self.remove]:
            check_tag(tag)
        if len(self._result(state.tags)) > MAX_TAGS:
            raise ActionRejected("InvalidAction", f"add: a ticket has at most {MAX_TAGS} tags")

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        before = list(new.tags)
        new.tags = self._result(new.tags)
        return {"from": before, "to": list(new.tags)}
