"""Agent action bodies: one per kind, tagged by `kind`; each builds its workflow message."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from api.schemas import Body, Category, Email, Reason, Slug, Strict, Tag
from workflows import messages as m


class _ActionIn(Strict):
    """An agent action's body; each subclass's `to_action(actor)` builds the workflow message."""


class AssignIn(_ActionIn):
    """Assign to an agent (by e-mail) and/or move to a team (by slug)."""

    kind: Literal["assign"]
    assignee: Email | None = None
    team: Slug | None = None

    def to_action(self, actor: m.Actor) -> m.Assign:
        return m.Assign(actor=actor, assignee=self.assignee, team=self.team)


AttachmentIds = Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=20, description=
                          "Ids of files uploaded to the ticket first (POST /tickets/{number}/attachments)")]


class ReplyIn(_ActionIn):
    """A public reply: the customer sees it."""

    kind: Literal["reply"]
    body: Body
    attachments: AttachmentIds = []

    def to_action(self, actor: m.Actor) -> m.Reply:
        return m.Reply(actor=actor, body=self.body)


class NoteIn(_ActionIn):
    """An internal note: agents only."""

    kind: Literal["note"]
    body: Body
    attachments: AttachmentIds = []

    def to_action(self, actor: m.Actor) -> m.Note:
        return m.Note(actor=actor, body=self.body)


class SetPriorityIn(_ActionIn):
    kind: Literal["set_priority"]
    priority: m.Priority

    def to_action(self, actor: m.Actor) -> m.SetPriority:
        return m.SetPriority(actor=actor, priority=self.priority)


class SetCategoryIn(_ActionIn):
    kind: Literal["set_category"]
    category: Category | None

    def to_action(self, actor: m.Actor) -> m.SetCategory:
        return m.SetCategory(actor=actor, category=self.category)


class SetTagsIn(_ActionIn):
    kind: Literal["set_tags"]
    add: Annotated[list[Tag], Field(max_length=m.MAX_TAGS)] = []
    remove: Annotated[list[Tag], Field(max_length=m.MAX_TAGS)] = []

    def to_action(self, actor: m.Actor) -> m.SetTags:
        return m.SetTags(actor=actor, add=list(self.add), remove=list(self.remove))


class PendIn(_ActionIn):
    """Waiting on the customer."""

    kind: Literal["pend"]
    reason: Reason = ""

    def to_action(self, actor: m.Actor) -> m.Pend:
        return m.Pend(actor=actor, reason=self.reason)


class HoldIn(_ActionIn):
    """Waiting on a third party."""

    kind: Literal["hold"]
    reason: Reason = ""

    def to_action(self, actor: m.Actor) -> m.Hold:
        return m.Hold(actor=actor, reason=self.reason)


class ResumeIn(_ActionIn):
    """Back to open from pending or on hold."""

    kind: Literal["resume"]

    def to_action(self, actor: m.Actor) -> m.Resume:
        return m.Resume(actor=actor)


class ResolveIn(_ActionIn):
    kind: Literal["resolve"]
    resolution: Body

    def to_action(self, actor: m.Actor) -> m.Resolve:
        return m.Resolve(actor=actor, resolution=self.resolution)


class ReopenIn(_ActionIn):
    kind: Literal["reopen"]
    reason: Reason = ""

    def to_action(self, actor: m.Actor) -> m.Reopen:
        return m.Reopen(actor=actor, reason=self.reason)


class CloseIn(_ActionIn):
    kind: Literal["close"]

    def to_action(self, actor: m.Actor) -> m.Close:
        return m.Close(actor=actor)


class SubTicketIn(Strict):
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=m.MAX_SUBJECT_CHARS)]
    description: Body
    priority: m.Priority | None = None
    category: Category | None = None
    team: Slug | None = None


class SplitIn(_ActionIn):
    """Split work off into sub-tickets; the requester stays the same. The ticket cannot be
    resolved while a sub-ticket is open."""

    kind: Literal["split"]
    children: Annotated[list[SubTicketIn], Field(min_length=1, max_length=m.MAX_SUB_TICKETS)]

    def to_action(self, actor: m.Actor, numbers: list[int] | None = None) -> m.Split:
        numbers = numbers or [0] * len(self.children)  # the route reserves the real numbers
        return m.Split(actor=actor, children=[
            m.SubTicket(number=n, subject=c.subject, description=c.description, priority=c.priority,
                        category=c.category, team=c.team) for n, c in zip(numbers, self.children, strict=True)])


class MergeIn(_ActionIn):
    """Close this ticket as a duplicate of `into`; its conversation is linked there."""

    kind: Literal["merge"]
    into: Annotated[int, Field(ge=1, le=2**31 - 1)]

    def to_action(self, actor: m.Actor) -> m.Merge:
        return m.Merge(actor=actor, into=self.into)


ACTION_BODIES = (AssignIn, ReplyIn, NoteIn, SetPriorityIn, SetCategoryIn, SetTagsIn, PendIn, HoldIn,
                 ResumeIn, ResolveIn, ReopenIn, CloseIn, SplitIn, MergeIn)
ActionIn = Annotated[
    AssignIn | ReplyIn | NoteIn | SetPriorityIn | SetCategoryIn | SetTagsIn | PendIn | HoldIn | ResumeIn
    | ResolveIn | ReopenIn | CloseIn | SplitIn | MergeIn,
    Field(discriminator="kind"),
]
ACTION_EXAMPLES = {
    "assign": {"summary": "Assign to an agent", "value": {"kind": "assign", "assignee": "sam@demo.example"}},
    "reply": {"summary": "Public reply", "value": {"kind": "reply", "body": "We are looking into it."}},
    "note": {"summary": "Internal note", "value": {"kind": "note", "body": "Probably the new firewall rule."}},
    "set_priority": {"summary": "Change priority", "value": {"kind": "set_priority", "priority": "critical"}},
    "set_category": {"summary": "Change category", "value": {"kind": "set_category", "category": "network"}},
    "set_tags": {"summary": "Add and remove tags", "value": {"kind": "set_tags", "add": ["vpn"], "remove": ["new"]}},
    "pend": {"summary": "Wait on the customer", "value": {"kind": "pend", "reason": "Asked for logs"}},
    "hold": {"summary": "Put on hold", "value": {"kind": "hold", "reason": "Waiting on the ISP"}},
    "resume": {"summary": "Back to open", "value": {"kind": "resume"}},
    "resolve": {"summary": "Resolve", "value": {"kind": "resolve", "resolution": "Firewall rule reverted."}},
    "reopen": {"summary": "Reopen", "value": {"kind": "reopen", "reason": "It happened again"}},
    "close": {"summary": "Close a resolved ticket", "value": {"kind": "close"}},
    "split": {"summary": "Split into sub-tickets", "value": {"kind": "split", "children": [
        {"subject": "Replace the switch in room 4", "description": "The switch is dead.", "team": "network"}]}},
    "merge": {"summary": "Merge a duplicate", "value": {"kind": "merge", "into": 41}},
}

