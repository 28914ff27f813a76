"""Request and response bodies. Requests are strict: unknown fields are errors."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from workflows import messages as m

Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=320,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1,
                                       max_length=m.MAX_TAG_CHARS, pattern=r"^\S+$")]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=m.MAX_BODY_CHARS)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=m.MAX_BODY_CHARS)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Requester(Strict):
    email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class TicketCreate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "subject": "VPN drops every 10 minutes",
        "description": "Since this morning the VPN disconnects every 10 minutes on my laptop.",
        "requester": {"email": "dana@customer.example", "name": "Dana Scully"},
        "channel": "web",
        "priority": "high",
        "tags": ["vpn"],
    }]})

    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=m.MAX_SUBJECT_CHARS)]
    description: Body
    requester: Requester
    channel: m.Channel = "api"
    priority: m.Priority | None = None
    category: Category | None = None
    tags: Annotated[list[Tag], Field(max_length=m.MAX_TAGS)] = []


class TicketCreated(BaseModel):
    number: int = Field(examples=[42])
    workflow_id: str = Field(examples=["ticket-42"])
    url: str = Field(examples=["/tickets/42"])


# --- actions: one body per kind, tagged by `kind` --------------------------------------


class _ActionIn(Strict):
    """An agent action's body; each subclass's `to_action(actor)` builds the workflow message."""


class AssignIn(_ActionIn):
    """Assign to an agent (by e-mail) and/or move to a team (by slug)."""

    kind: Literal["assign"]
    assignee: Email | None = None
    team: Slug | None = None

    def to_action(self, actor: m.Actor) -> m.Assign:
        return m.Assign(actor=actor, assignee=self.assignee, team=self.team)


class ReplyIn(_ActionIn):
    """A public reply: the customer sees it."""

    kind: Literal["reply"]
    body: Body

    def to_action(self, actor: m.Actor) -> m.Reply:
        return m.Reply(actor=actor, body=self.body)


class NoteIn(_ActionIn):
    """An internal note: agents only."""

    kind: Literal["note"]
    body: Body

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


ACTION_BODIES = (AssignIn, ReplyIn, NoteIn, SetPriorityIn, SetCategoryIn, SetTagsIn, PendIn, HoldIn,
                 ResumeIn, ResolveIn, ReopenIn, CloseIn)
ActionIn = Annotated[
    AssignIn | ReplyIn | NoteIn | SetPriorityIn | SetCategoryIn | SetTagsIn | PendIn | HoldIn | ResumeIn
    | ResolveIn | ReopenIn | CloseIn,
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
}


class CustomerReplyIn(Strict):
    """A message from the requester, recorded by an integration or an agent."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"body": "Still broken, see attached.", "channel": "email"}]})
    body: Body
    channel: m.Channel = "email"


# --- responses ---------------------------------------------------------------------------


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class ActorOut(BaseModel):
    kind: str
    id: str
    name: str = ""


class ConversationEntryOut(BaseModel):
    seq: int
    at: datetime
    author: ActorOut
    visibility: Literal["public", "internal"]
    body: str


class ClockOut(BaseModel):
    name: str
    cycle: int
    target_seconds: int
    started_at: datetime
    due_at: datetime | None
    remaining_seconds: int | None
    paused: bool
    breached: bool
    stopped_at: datetime | None

    @classmethod
    def from_view(cls, clock: Any) -> ClockOut:
        return cls(**{name: getattr(clock, name) for name in cls.model_fields})


class TicketSummary(BaseModel):
    number: int
    subject: str
    requester_email: str
    requester_name: str
    channel: str
    status: str
    priority: str
    category: str | None
    tags: list[str]
    team: str | None
    assignee: str | None
    sla_policy: str | None
    sla_status: str | None = Field(description="ok, at_risk or breached; null without an SLA policy")
    sla_next_breach_at: datetime | None = Field(description="When the next SLA clock breaches, if nothing changes")
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    last_seq: int

    @classmethod
    def from_row(cls, row: Any) -> TicketSummary:
        data = {name: getattr(row, name) for name in cls.model_fields}
        for key in ("created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "sla_next_breach_at"):
            data[key] = _utc(data[key])
        return cls(**data)


class TicketOut(TicketSummary):
    description: str
    conversation: list[ConversationEntryOut]
    sla: list[ClockOut] = Field(default=[], description="Each SLA clock: target, due, remaining, paused, breached")
    # False when the workflow's history is gone (past retention) and this comes from the read model.
    live: bool = True

    @classmethod
    def from_view(cls, view: m.TicketView) -> TicketOut:
        base = TicketSummary.from_row(view.ticket).model_dump()
        conversation = [
            ConversationEntryOut(seq=e.seq, at=e.at, author=ActorOut(kind=e.author.kind, id=e.author.id, name=e.author.name),
                                 visibility=e.visibility, body=e.body)
            for e in view.conversation
        ]
        return cls(**base, description=view.description, conversation=conversation,
                   sla=[ClockOut.from_view(c) for c in view.sla])


class TicketPage(BaseModel):
    items: list[TicketSummary]
    total: int
    limit: int
    offset: int


class TicketEventOut(BaseModel):
    seq: int
    kind: str
    at: datetime
    actor_kind: str
    actor_id: str
    status_from: str | None
    status_to: str | None
    data: dict[str, Any]

    @classmethod
    def from_row(cls, row: Any) -> TicketEventOut:
        return cls(seq=row.seq, kind=row.kind, at=_utc(row.at), actor_kind=row.actor_kind, actor_id=row.actor_id,
                   status_from=row.status_from, status_to=row.status_to, data=row.data or {})


class AgentOut(BaseModel):
    email: str
    name: str
    role: str
    team: str | None
    active: bool
    capacity: int


class TeamOut(BaseModel):
    slug: str
    name: str
    is_default: bool


class TokenCreate(Strict):
    agent_email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = "api"


class TokenCreated(BaseModel):
    token: str = Field(description="Shown once; only its hash is stored.")
    prefix: str
    agent_email: str


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    temporal: str
