"""The ticket's wire vocabulary: workflow input, actions, events, views, activity I/O.

Everything here crosses a process boundary (API -> Temporal -> worker), so it is plain
dataclasses of JSON-friendly types. New fields must have defaults so that histories
written by an older deploy still decode.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal, get_args

from workflows import vocabulary as v
from workflows.sla_types import ClockView, Milestone, SlaPolicyData, SlaState

STATUSES = v.words(*v.Status)
PRIORITIES = v.words(*v.Priority)
CHANNELS = v.words(*v.Channel)
ROLES = v.words(*v.Role)

# The types the dataclasses (and the API's schemas) are annotated with: the same words as the
# enums of workflows/vocabulary.py, which tests/unit/test_vocabulary.py keeps equal.
Status = Literal["new", "open", "pending", "on_hold", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "critical"]
Channel = Literal["email", "web", "api", "phone", "chat", "monitoring"]
ActorKind = Literal["agent", "customer", "system", "operator"]

TASK_QUEUE = "tickets"
# Custom search attributes: no personal data in them (they are stored unencrypted).
SEARCH_ATTRIBUTES = {
    "TicketStatus": "Keyword",
    "TicketPriority": "Keyword",
    "TicketCategory": "Keyword",
    "TicketTeam": "Keyword",
    "TicketSla": "Keyword",  # ok | at_risk | breached
}

# Activity names, so the workflow and the worker agree without importing each other.
TRIAGE_ACTIVITY = "triage_ticket"
ROUTE_ACTIVITY = "route_ticket"
PROJECT_ACTIVITY = "project_ticket"
SLA_POLICY_ACTIVITY = "load_sla_policy"
NOTIFY_ACTIVITY = "notify"
# Finds tickets waiting in a team queue that an agent who just freed capacity can take.
DISPATCH_ACTIVITY = "dispatch_queue"

# Update and signal names an operator can use with `temporal workflow update/signal`.
ACT_UPDATE = "act"
ACT_SIGNAL = "action"
CUSTOMER_REPLY_SIGNAL = "customer_reply"
ALERT_SIGNAL = "alert"  # an Alertmanager notification for the ticket's alert group
ROUTE_SIGNAL = "route"  # route again: an agent came online or freed capacity
CHILD_SIGNAL = "child_status"  # a sub-ticket tells its parent its status
MERGED_SIGNAL = "merged"  # a duplicate tells its primary it was merged into it
CONFIRMATION_SIGNAL = "confirmation"  # the customer confirms or rejects the resolution
SURVEY_SIGNAL = "survey"  # the customer answers the satisfaction survey
# Without an SLA policy saying otherwise: how long a resolved ticket waits for the customer's
# confirmation before it closes itself, and how long a closed ticket's survey stays open.
DEFAULT_CONFIRM_WITHIN_SECONDS = 3 * 86400
DEFAULT_SURVEY_WITHIN_SECONDS = 7 * 86400
MAX_SUB_TICKETS = 20
VIEW_QUERY = "view"

MAX_BODY_CHARS = 20_000
MAX_SUBJECT_CHARS = 300
MAX_TAGS = 20
MAX_TAG_CHARS = 40


def ticket_workflow_id(number: int) -> str:
    return f"ticket-{number}"


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


# --- Agent actions. One dataclass each; `kind` is the discriminator on the wire. ---------


@dataclass(frozen=True)
class Assign:
    actor: Actor
    assignee: str | None = None  # agent e-mail; None with a team moves it to the team queue
    team: str | None = None  # team slug
    kind: Literal["assign"] = "assign"


@dataclass(frozen=True)
class Reply:
    """A public reply to the requester."""

    actor: Actor
    body: str
    attachments: list[AttachmentRef] = field(default_factory=list)  # uploaded to the ticket first
    kind: Literal["reply"] = "reply"


@dataclass(frozen=True)
class Note:
    """An internal note: never shown to the customer."""

    actor: Actor
    body: str
    attachments: list[AttachmentRef] = field(default_factory=list)
    kind: Literal["note"] = "note"


@dataclass(frozen=True)
class SetPriority:
    actor: Actor
    priority: Priority
    kind: Literal["set_priority"] = "set_priority"


@dataclass(frozen=True)
class SetCategory:
    actor: Actor
    category: str | None
    kind: Literal["set_category"] = "set_category"


@dataclass(frozen=True)
class SetTags:
    actor: Actor
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    kind: Literal["set_tags"] = "set_tags"


@dataclass(frozen=True)
class Pend:
    """Waiting on the customer."""

    actor: Actor
    reason: str = ""
    kind: Literal["pend"] = "pend"


@dataclass(frozen=True)
class Hold:
    """Waiting on a third party or an internal dependency."""

    actor: Actor
    reason: str = ""
    kind: Literal["hold"] = "hold"


@dataclass(frozen=True)
class Resume:
    """Back to open from pending or on_hold."""

    actor: Actor
    kind: Literal["resume"] = "resume"


@dataclass(frozen=True)
class Resolve:
    actor: Actor
    resolution: str
    kind: Literal["resolve"] = "resolve"


@dataclass(frozen=True)
class Reopen:
    actor: Actor
    reason: str = ""
    kind: Literal["reopen"] = "reopen"


@dataclass(frozen=True)
class Close:
    actor: Actor
    kind: Literal["close"] = "close"


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
class Split:
    """Split work off into sub-tickets (child workflows). The parent cannot be resolved
    while one of them is open."""

    actor: Actor
    children: list[SubTicket]
    kind: Literal["split"] = "split"


@dataclass(frozen=True)
class Merge:
    """Close this ticket as a duplicate of `into`; its conversation is linked there."""

    actor: Actor
    into: int
    kind: Literal["merge"] = "merge"


# --- Events from outside and from intake. ---------------------------------------------


@dataclass(frozen=True)
class CustomerReply:
    actor: Actor  # kind "customer"
    body: str
    channel: Channel = "email"
    recorded_by: str | None = None  # the agent or integration that passed the message on
    message_id: str | None = None  # an e-mail's Message-ID: the same mail delivered twice counts once
    attachments: list[AttachmentRef] = field(default_factory=list)
    refused_attachments: list[RefusedAttachment] = field(default_factory=list)
    kind: Literal["customer_reply"] = "customer_reply"


@dataclass(frozen=True)
class AlertNotice:
    """One Alertmanager notification for the ticket's group (the `alert` signal). The
    workflow compares it with the alerts it knows: new or re-started firing alerts and
    newly resolved ones become events; a repeat of what it knows changes nothing."""

    actor: Actor
    status: Literal["firing", "resolved"]
    alerts: list[AlertInstance]
    kind: Literal["alert"] = "alert"


@dataclass(frozen=True)
class AlertsFired:
    actor: Actor
    alerts: list[AlertInstance]
    kind: Literal["alert_fired"] = "alert_fired"


@dataclass(frozen=True)
class AlertsResolved:
    actor: Actor
    alerts: list[AlertInstance]
    kind: Literal["alert_resolved"] = "alert_resolved"


@dataclass(frozen=True)
class Triaged:
    actor: Actor
    category: str | None
    priority: Priority
    tags: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)  # names of the triage rules that matched
    reasons: list[str] = field(default_factory=list)  # what each of them changed
    auto_resolve: bool | None = None  # a rule's say on resolving when the alert group resolves
    kind: Literal["triaged"] = "triaged"


@dataclass(frozen=True)
class Routed:
    actor: Actor
    team: str | None
    assignee: str | None
    reason: str
    kind: Literal["routed"] = "routed"


@dataclass(frozen=True)
class SlaPolicyLoaded:
    actor: Actor
    policy: SlaPolicyData | None  # None: no policy matches; the clocks run without targets
    tier: str | None = None  # the requester's customer tier, as the policy lookup saw it
    reason: str = ""
    # An escalation raised the priority: a clock the new policy would give a later due time
    # keeps its terms (an escalation never loosens a clock).
    never_later: bool = False
    kind: Literal["sla_policy"] = "sla_policy"


@dataclass(frozen=True)
class SlaMilestoneReached:
    """A warning, breach or escalation came due: `fired_at - milestone.due_at` is its lateness."""

    actor: Actor
    milestone: Milestone
    fired_at: datetime
    kind: Literal["sla_milestone"] = "sla_milestone"


@dataclass(frozen=True)
class ChildStatusChanged:
    """A sub-ticket's status, as it reported it to its parent."""

    actor: Actor
    number: int
    status: str
    subject: str = ""
    kind: Literal["child_status"] = "child_status"


@dataclass(frozen=True)
class MergedFrom:
    """A duplicate was merged into this ticket: its conversation comes along as a link."""

    actor: Actor
    number: int
    subject: str
    requester_email: str
    conversation: list[ConversationEntry] = field(default_factory=list)
    kind: Literal["merged_from"] = "merged_from"


@dataclass(frozen=True)
class CustomerConfirmation:
    """The customer's answer to "is it solved?" (the `confirmation` signal's payload): it
    becomes ResolutionConfirmed or ResolutionRejected."""

    actor: Actor  # kind "customer"
    decision: Literal["confirm", "reject"]
    comment: str = ""
    link_id: str = ""  # the signed link it came through
    kind: Literal["confirmation"] = "confirmation"


@dataclass(frozen=True)
class ResolutionConfirmed:
    """The customer confirmed the resolution: the ticket closes."""

    actor: Actor
    link_id: str = ""
    kind: Literal["confirmed"] = "confirmed"


@dataclass(frozen=True)
class ResolutionRejected:
    """The customer says it is not solved: the ticket reopens, their comment is their message."""

    actor: Actor
    comment: str = ""
    link_id: str = ""
    kind: Literal["rejected"] = "rejected"


@dataclass(frozen=True)
class AutoClosed:
    """No confirmation within the period: the ticket closes itself."""

    actor: Actor
    waited_seconds: int
    kind: Literal["auto_close"] = "auto_close"


@dataclass(frozen=True)
class SurveyAnswer:
    """The customer's satisfaction survey answer (the `survey` signal): one per ticket."""

    actor: Actor
    csat: int  # 1..5
    nps: int | None = None  # 0..10
    comment: str = ""
    link_id: str = ""
    kind: Literal["survey_answer"] = "survey_answer"


@dataclass(frozen=True)
class SurveyExpired:
    actor: Actor
    kind: Literal["survey_expired"] = "survey_expired"


AgentAction = (
    Assign | Reply | Note | SetPriority | SetCategory | SetTags | Pend | Hold | Resume
    | Resolve | Reopen | Close | Split | Merge
)
Action = (AgentAction | CustomerReply | Triaged | Routed | SlaPolicyLoaded | SlaMilestoneReached
          | AlertsFired | AlertsResolved | ChildStatusChanged | MergedFrom | ResolutionConfirmed | ResolutionRejected | AutoClosed
          | SurveyAnswer | SurveyExpired)

AGENT_ACTIONS: dict[str, type] = {
    cls.__dataclass_fields__["kind"].default: cls
    for cls in get_args(AgentAction)
}


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
