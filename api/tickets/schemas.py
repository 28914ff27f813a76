"""The tickets' request and answer bodies (the agent actions' bodies are actions.py's)."""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from api.schemas import Body, Category, Email, Strict, Tag
from models.utc import as_utc
from workflows import messages as m


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


class CustomerReplyIn(Strict):
    """A message from the requester, recorded by an integration or an agent."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"body": "Still broken, see attached.", "channel": "email"}]})
    body: Body
    channel: m.Channel = "email"


# --- responses ---------------------------------------------------------------------------


class ActorOut(BaseModel):
    kind: str
    id: str
    name: str = ""


class AttachmentRefOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    url: str = Field(description="Download it here")

    @classmethod
    def from_ref(cls, number: int, ref: Any) -> AttachmentRefOut:
        return cls(id=ref.id, filename=ref.filename, content_type=ref.content_type, size=ref.size,
                   url=f"/tickets/{number}/attachments/{ref.id}")


class RefusedAttachmentOut(BaseModel):
    filename: str
    reason: str


class ConversationEntryOut(BaseModel):
    seq: int
    at: datetime
    author: ActorOut
    visibility: Literal["public", "internal"]
    body: str
    channel: str | None = None
    attachments: list[AttachmentRefOut] = []


class AlertOut(BaseModel):
    fingerprint: str
    status: Literal["firing", "resolved"]
    starts_at: str
    ends_at: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    generator_url: str


class AlertGroupOut(BaseModel):
    group_key: str
    receiver: str
    external_url: str
    auto_resolve: bool = Field(description="Resolve the ticket when every alert of the group resolves")
    alerts: list[AlertOut]


class SurveyOut(BaseModel):
    sent_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    csat: int | None
    nps: int | None
    comment: str
    expired: bool


class ChildOut(BaseModel):
    number: int
    subject: str
    status: str


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


# What the summary's docs say of a field beyond its name (the fields are the snapshot's).
SUMMARY_DESCRIPTIONS = {
    "sla_status": "ok, at_risk or breached; null without an SLA policy",
    "sla_next_breach_at": "When the next SLA clock breaches, if nothing changes",
    "parent": "The ticket this one was split from",
    "merged_into": "Closed as a duplicate of this ticket",
    "closed_reason": "How it closed: closed (an agent), confirmed (the customer), auto_closed (no answer in time), merged",
}


class _TicketFields(BaseModel):
    @classmethod
    def from_row(cls, row: Any) -> Any:
        """From the read model's row, or the workflow's snapshot (the same fields)."""
        data = {name: getattr(row, name) for name in TicketSummary.model_fields}
        for key in _TIMES:
            data[key] = as_utc(data[key])
        return cls(**data)


def _summary_fields() -> dict[str, Any]:
    """The ticket's fields as the workflow's snapshot declares them (workflows/records.py)."""
    hints = typing.get_type_hints(m.TicketSnapshot)
    return {f.name: (hints[f.name], Field(... if f.default is dataclasses.MISSING else f.default,
                                         description=SUMMARY_DESCRIPTIONS.get(f.name)))
            for f in dataclasses.fields(m.TicketSnapshot)}


TicketSummary = create_model("TicketSummary", __base__=_TicketFields, __doc__="A ticket as lists show it.",
                             **_summary_fields())
_TIMES = [name for name, f in TicketSummary.model_fields.items() if datetime in (f.annotation, *typing.get_args(f.annotation))]


class TicketOut(TicketSummary):  # type: ignore[misc,valid-type]  # TicketSummary is built from the snapshot
    description: str
    conversation: list[ConversationEntryOut]
    conversation_earlier: int = Field(default=0, description=(
        "How many older entries are not in `conversation`: a very long ticket keeps its newest "
        "ones; every message is in GET /tickets/{n}/events (`data.body`) and the audit history"))
    sla: list[ClockOut] = Field(default=[], description="Each SLA clock: target, due, remaining, paused, breached")
    attachments: list[AttachmentRefOut] = Field(default=[], description="Files that came with the request")
    refused_attachments: list[RefusedAttachmentOut] = Field(default=[], description="Files that came and were not kept")
    alert_group: AlertGroupOut | None = Field(default=None, description="For a ticket opened by monitoring alerts")
    children: list[ChildOut] = Field(default=[], description="Sub-tickets split from this one, with their status")
    merged_from: list[int] = Field(default=[], description="Duplicates merged into this ticket")
    confirmation_due_at: datetime | None = Field(default=None, description=(
        "Resolved: when it closes itself unless the customer confirms or rejects the resolution first"))
    survey: SurveyOut | None = Field(default=None, description="A closed ticket's satisfaction survey")
    # False when the workflow's history is gone (past retention) and this comes from the read model.
    live: bool = True

    @classmethod
    def from_view(cls, view: m.TicketView) -> TicketOut:
        base = TicketSummary.from_row(view.ticket).model_dump()
        n = view.ticket.number
        conversation = [
            ConversationEntryOut(seq=e.seq, at=e.at, author=ActorOut(kind=e.author.kind, id=e.author.id, name=e.author.name),
                                 visibility=e.visibility, body=e.body, channel=e.channel,
                                 attachments=[AttachmentRefOut.from_ref(n, a) for a in e.attachments])
            for e in view.conversation
        ]
        group = None
        if view.alert is not None:
            group = AlertGroupOut(group_key=view.alert.group_key, receiver=view.alert.receiver,
                                  external_url=view.alert.external_url, auto_resolve=view.alert.auto_resolve,
                                  alerts=[AlertOut(**dataclasses.asdict(a)) for a in view.alerts])
        return cls(**base, description=view.description, conversation=conversation,
                   conversation_earlier=view.conversation_earlier, sla=[ClockOut.from_view(c) for c in view.sla],
                   attachments=[AttachmentRefOut.from_ref(n, a) for a in view.attachments],
                   refused_attachments=[RefusedAttachmentOut(filename=a.filename, reason=a.reason)
                                        for a in view.refused_attachments],
                   alert_group=group, children=[ChildOut(number=c.number, subject=c.subject, status=c.status)
                                                for c in view.children],
                   merged_from=list(view.merged_from), confirmation_due_at=view.confirmation_due_at,
                   survey=SurveyOut(**dataclasses.asdict(view.survey)) if view.survey is not None else None)


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
        return cls(seq=row.seq, kind=row.kind, at=as_utc(row.at), actor_kind=row.actor_kind, actor_id=row.actor_id,
                   status_from=row.status_from, status_to=row.status_to, data=row.data or {})
