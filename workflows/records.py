"""The ticket's data: who acts, its files and alerts, its input, events, conversation, the
snapshot the read model keeps and the workflow's whole state.

Plain dataclasses of JSON-friendly types: all of it crosses a process boundary (API ->
Temporal -> worker). New fields must have defaults so that histories written by an older
deploy still decode. The actions that change a ticket are in workflows/actions/;
workflows/messages.py gathers both, with the names of queues, signals and updates.
"""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

from workflows.sla_types import ClockView, SlaState

# No `from __future__ import annotations` here nor in workflows/actions/: the workflow sandbox
# resolves a dataclass's string annotations through the modules it imported itself, and it
# imports workflows.messages, not this module; annotations evaluated at class creation need
# no resolving (tests/unit/test_actions_declared_once.py checks it).

# The types the dataclasses (and the API's schemas) are annotated with: the same words as the
# enums of workflows/vocabulary.py, which tests/unit/test_vocabulary.py keeps equal.
Status = Literal["new", "open", "pending", "on_hold", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "critical"]
Channel = Literal["email", "web", "api", "phone", "chat", "monitoring"]
ActorKind = Literal["agent", "customer", "system", "operator"]

# Without an SLA policy saying otherwise: how long a resolved ticket waits for the customer's
# confirmation before it closes itself, and how long a closed ticket's survey stays open.
DEFAULT_CONFIRM_WITHIN_SECONDS = 3 * 86400
DEFAULT_SURVEY_WITHIN_SECONDS = 7 * 86400
MAX_SUB_TICKETS = 20
MAX_BODY_CHARS = 20_000
MAX_SUBJECT_CHARS = 300
MAX_TAGS = 20
MAX_TAG_CHARS = 40


@dataclass(frozen=True)
class Actor:
    """Who did something. Agents are identified by e-mail, taken from their API token."""

    kind: ActorKind
    id: str
    name: str = ""


SYSTEM = Actor(kind="system", id="servicedesk", name="Service desk")


@dataclass(frozen=True)
class AttachmentRef:
    """A file stored with the ticket (the bytes live in the read model's `attachments` table)."""

    id: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class RefusedAttachment:
    """An attachment that arrived but was not kept (too large, a forbidden type): the
    ticket says so, so an agent can ask for it another way."""

    filename: str
    reason: str


@dataclass(frozen=True)
class AlertInstance:
    """One alert of an Alertmanager group, as the webhook sends it."""

    fingerprint: str
    status: Literal["firing", "resolved"]
    starts_at: str  # ISO 8601, as Alertmanager gives it
    ends_at: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    generator_url: str = ""


@dataclass(frozen=True)
class AlertSource:
    """Where an alert ticket came from: the group it stands for, and what to do when the
    whole group resolves (from the alert policy: triage rules may override it)."""

    group_key: str
    receiver: str = ""
    external_url: str = ""
    auto_resolve: bool = True


@dataclass
class DeferredSignal:
    """A signal that reached a run after it had begun to continue as new: the next run
    applies it first, in the order received (a signal cannot be refused, nor left behind)."""

    name: str
    payload: Any


# --- What the workflow records and shows. ----------------------------------------------


@dataclass
class TicketEvent:
    """One entry of the ticket's audit trail; (number, seq) is its key everywhere."""

    number: int
    seq: int
    kind: str
    at: datetime
    actor: Actor
    data: dict[str, Any] = field(default_factory=dict)
    status_from: str | None = None
    status_to: str | None = None


@dataclass
class ConversationEntry:
    seq: int
    at: datetime
    author: Actor
    visibility: Literal["public", "internal"]
    body: str
    attachments: list[AttachmentRef] = field(default_factory=list)
    channel: str | None = None  # how a customer's message arrived (email, phone, chat, ...)


@dataclass
class TicketSnapshot:
    """The row the read model keeps for lists and reports."""

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
    created_at: datetime
    updated_at: datetime
    last_seq: int
    sla_policy: str | None = None
    sla_status: str | None = None  # ok | at_risk | breached; None without a policy
    sla_next_breach_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution: str | None = None
    parent: int | None = None  # the ticket this one was split from
    merged_into: int | None = None  # closed as a duplicate of this ticket
    # closed (by an agent), confirmed (by the customer), auto_closed (no answer in time), merged
    closed_reason: str | None = None


@dataclass
class SurveyState:
    """The satisfaction survey of a closed ticket."""

    sent_at: datetime
    expires_at: datetime
    answered_at: datetime | None = None
    csat: int | None = None
    nps: int | None = None
    comment: str = ""
    expired: bool = False


@dataclass
class ChildInfo:
    number: int
    subject: str
    status: str


@dataclass
class TicketView:
    ticket: TicketSnapshot
    description: str
    conversation: list[ConversationEntry]
    sla: list[ClockView] = field(default_factory=list)
    attachments: list[AttachmentRef] = field(default_factory=list)  # those that came with the request
    refused_attachments: list[RefusedAttachment] = field(default_factory=list)
    alert: AlertSource | None = None
    alerts: list[AlertInstance] = field(default_factory=list)
    children: list[ChildInfo] = field(default_factory=list)
    merged_from: list[int] = field(default_factory=list)
    confirmation_due_at: datetime | None = None  # resolved: closes itself then without an answer
    survey: SurveyState | None = None
    # How many older entries the conversation no longer holds: the workflow keeps the newest
    # ones (lifecycle.keep_recent); every message stays in the read model's events and the history.
    conversation_earlier: int = 0


@dataclass(kw_only=True)
class TicketState(TicketSnapshot):
    """The workflow's whole state: the snapshot plus what only the live view shows."""

    description: str
    created_by: Actor
    conversation: list[ConversationEntry] = field(default_factory=list)
    sla: SlaState = field(default_factory=SlaState)
    attachments: list[AttachmentRef] = field(default_factory=list)
    refused_attachments: list[RefusedAttachment] = field(default_factory=list)
    # The Message-IDs of e-mails already applied (newest last, capped): a re-delivered
    # customer mail is recognised and changes nothing.
    inbound_message_ids: list[str] = field(default_factory=list)
    alert: AlertSource | None = None
    alerts: list[AlertInstance] = field(default_factory=list)  # the group's alerts, one per fingerprint
    children: list[ChildInfo] = field(default_factory=list)
    merged_from: list[int] = field(default_factory=list)
    confirmation_due_at: datetime | None = None
    survey: SurveyState | None = None
    conversation_earlier: int = 0  # entries dropped from `conversation`, oldest first

    def snapshot(self) -> TicketSnapshot:
        values = {f.name: getattr(self, f.name) for f in fields(TicketSnapshot)}
        return TicketSnapshot(**values | {"tags": list(self.tags)})

    def view(self, clocks: list[ClockView] | None = None) -> TicketView:
        return TicketView(ticket=self.snapshot(), description=self.description, conversation=list(self.conversation),
                          sla=list(clocks or []), attachments=list(self.attachments),
                          refused_attachments=list(self.refused_attachments), alert=self.alert,
                          alerts=list(self.alerts), children=list(self.children), merged_from=list(self.merged_from),
                          confirmation_due_at=self.confirmation_due_at, survey=self.survey,
                          conversation_earlier=self.conversation_earlier)


@dataclass
class TicketInput:
    number: int
    subject: str
    description: str
    requester_email: str
    requester_name: str = ""
    channel: Channel = "api"
    priority: Priority | None = None  # as asked by the requester; triage may raise it
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    created_by: Actor = SYSTEM
    attachments: list[AttachmentRef] = field(default_factory=list)
    refused_attachments: list[RefusedAttachment] = field(default_factory=list)
    message_id: str | None = None  # the e-mail that opened it, so a retried delivery is no new ticket
    alert: AlertSource | None = None  # for tickets opened by a monitoring alert group
    alerts: list[AlertInstance] = field(default_factory=list)  # the group's alerts when it opened
    parent: int | None = None  # set for a sub-ticket split from another ticket
    # When the request arrived (the intake ledger's time): the SLA clocks start then.
    received_at: datetime | None = None
    # Set only when the workflow continues as new: the state it carries over, and the ids
    # of the updates already applied (Temporal dedups update ids only within one run).
    carried: TicketState | None = None
    applied_update_ids: list[str] = field(default_factory=list)
    deferred_signals: list[DeferredSignal] = field(default_factory=list)
    # Continue as new after this many history events (0: when the server suggests it).
    continue_as_new_after_events: int = 0


__all__ = [
    "Actor",
    "AttachmentRef",
    "RefusedAttachment",
    "AlertInstance",
    "AlertSource",
    "DeferredSignal",
    "TicketInput",
    "TicketEvent",
    "ConversationEntry",
    "TicketSnapshot",
    "SurveyState",
    "ChildInfo",
    "TicketView",
    "TicketState",
    "Status",
    "Priority",
    "Channel",
    "ActorKind",
    "DEFAULT_CONFIRM_WITHIN_SECONDS",
    "DEFAULT_SURVEY_WITHIN_SECONDS",
    "MAX_SUB_TICKETS",
    "MAX_BODY_CHARS",
    "MAX_SUBJECT_CHARS",
    "MAX_TAGS",
    "MAX_TAG_CHARS",
    "SYSTEM",
]
