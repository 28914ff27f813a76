"""Tickets linked to tickets: sub-tickets (split) and duplicates (merge)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from workflows import notices
from workflows.activity_io import NotifyInput
from workflows.actions.base import ACTIVE, NOT_CLOSED, AgentAction, TicketAction, leads, stays
from workflows.records import (
    MAX_BODY_CHARS,
    MAX_SUB_TICKETS,
    Actor,
    ChildInfo,
    ConversationEntry,
    Priority,
    TicketState,
)
from workflows.validation import ActionRejected, check_priority, require_text

OPEN_CHILD = ACTIVE
# How much of a duplicate's conversation its primary's linking entry carries.
MAX_LINKED_CHARS = 100_000


def open_children(state: TicketState) -> list[int]:
    return [c.number for c in state.children if c.status in OPEN_CHILD]


def refuse_with_open_children(state: TicketState, then: str) -> None:
    """A ticket with open sub-tickets can be neither resolved nor merged."""
    if children := open_children(state):
        raise ActionRejected("ChildrenOpen", f"ticket {state.number} has open sub-tickets "
                             f"{', '.join(f'#{n}' for n in children)}: {then}")


@dataclass(frozen=True)
class SubTicket:
    """One sub-ticket of a split. Its number is reserved by the API before the split."""

    number: int
    subject: str
    description: str
    priority: Priority | None = None
    category: str | None = None
    team: str | None = None  # routed by the usual rules when not given


@dataclass(frozen=True)
class Split(AgentAction):
    """Split work off into sub-tickets (child workflows); the requester stays the same. The
    ticket cannot be resolved while a sub-ticket is open."""

    actor: Actor
    children: list[SubTicket]
    kind: Literal["split"] = "split"

    moves = stays(*ACTIVE) | {"new": "open"}
    example = {"children": [{"subject": "Replace the switch in room 4", "description": "The switch is dead.",
                             "team": "network"}]}

    def check(self, state: TicketState) -> None:
        if not self.children:
            raise ActionRejected("InvalidAction", "children: give at least one sub-ticket")
        if len(state.children) + len(self.children) > MAX_SUB_TICKETS:
            raise ActionRejected("InvalidAction", f"children: a ticket has at most {MAX_SUB_TICKETS} sub-tickets")
        for i, child in enumerate(self.children):
            require_text(f"children[{i}].subject", child.subject, MAX_BODY_CHARS)
            check_priority(f"children[{i}].priority", child.priority)
            if child.number == state.number or child.number in [c.number for c in state.children]:
                raise ActionRejected("InvalidAction", f"children[{i}].number: #{child.number} is taken")

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        for c in self.children:
            if all(existing.number != c.number for existing in new.children):
                new.children.append(ChildInfo(number=c.number, subject=c.subject, status="new"))
        return {"children": [{"number": c.number, "subject": c.subject} for c in self.children]}


@dataclass(frozen=True)
class Merge(AgentAction):
    """Merge a duplicate: close this ticket as a duplicate of `into`; its conversation is
    linked there."""

    actor: Actor
    into: int
    kind: Literal["merge"] = "merge"

    moves = leads("closed", *NOT_CLOSED)
    closes_as = "merged"
    tells_status = False  # the customer is told of the merge instead; the primary asks the survey
    example = {"into": 41}

    def check(self, state: TicketState) -> None:
        if self.into == state.number:
            raise ActionRejected("InvalidAction", "into: a ticket cannot be merged into itself")
        if self.into in state.merged_from or self.into in [c.number for c in state.children]:
            raise ActionRejected("InvalidAction", f"into: #{self.into} is linked to this ticket already")
        refuse_with_open_children(state, "it cannot be merged")

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        new.merged_into = self.into
        new.resolution = f"Merged into #{self.into}"
        return {"into": self.into}

    def notices(self, before: TicketState, after: TicketState, seq: int) -> list[NotifyInput]:
        return [notices.to_requester(after, seq, "merged", f"Your request was merged into #{self.into}",
                                     {"into": self.into})]


@dataclass(frozen=True)
class ChildStatusChanged(TicketAction):
    """A sub-ticket's status, as it reported it to its parent."""

    actor: Actor
    number: int
    status: str
    subject: str = ""
    kind: Literal["child_status"] = "child_status"

    moves = stays(*NOT_CLOSED)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        for child in new.children:
            if child.number == self.number:
                before, child.status = child.status, self.status
                return {"child": self.number, "from": before, "to": self.status}
        new.children.append(ChildInfo(number=self.number, subject=self.subject, status=self.status))
        return {"child": self.number, "from": None, "to": self.status}


@dataclass(frozen=True)
class MergedFrom(TicketAction):
    """A duplicate was merged into this ticket: its conversation comes along as a link."""

    actor: Actor
    number: int
    subject: str
    requester_email: str
    conversation: list[ConversationEntry] = field(default_factory=list)
    kind: Literal["merged_from"] = "merged_from"

    moves = stays(*NOT_CLOSED)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        """Link the duplicate: its number, and an internal entry carrying its conversation."""
        if self.number not in new.merged_from:
            new.merged_from.append(self.number)
        lines = [f"Ticket #{self.number} ({self.subject!r}, from {self.requester_email}) was merged into this one."]
        for e in self.conversation:
            lines.append(f"--- #{self.number}, {e.at:%Y-%m-%d %H:%M} UTC, {e.author.name or e.author.id} "
                         f"({e.visibility}):\n{e.body}")
        body = "\n".join(lines)
        if len(body) > MAX_LINKED_CHARS:
            body = body[:MAX_LINKED_CHARS] + f"\n(cut here: ticket #{self.number} has the rest)"
        new.conversation.append(ConversationEntry(seq=new.last_seq + 1, at=now, author=self.actor,
                                                  visibility="internal", body=body))
        return {"from": self.number, "entries": len(self.conversation)}
