"""The ticket's wire vocabulary in one namespace: the names of its task queue, updates,
signals, queries and activities (defined here), with its data (workflows/records.py) and its
actions (workflows/actions/) gathered from where they are defined.

Everything here crosses a process boundary (API -> Temporal -> worker). Callers import
`workflows.messages as m` and write `m.Reply`, `m.TicketState`, `m.ACT_UPDATE`.
"""

from __future__ import annotations

from workflows import vocabulary as v
from workflows.actions import (  # re-exported: defined there
    ACTIONS,
    AGENT_ACTIONS,
    Action,
    AgentAction,
    AlertNotice,
    AlertsFired,
    AlertsResolved,
    Assign,
    AutoClosed,
    ChildStatusChanged,
    Close,
    CustomerConfirmation,
    CustomerReply,
    Hold,
    MACRO_STATUSES,
    MAX_MACRO_NAME_CHARS,
    MacroReply,
    Merge,
    MergedFrom,
    Note,
    Pend,
    Reopen,
    Reply,
    ResolutionConfirmed,
    ResolutionRejected,
    Resolve,
    Resume,
    Routed,
    SetCategory,
    SetPriority,
    SetTags,
    SlaMilestoneReached,
    SlaPolicyLoaded,
    Split,
    SubTicket,
    SurveyAnswer,
    SurveyExpired,
    TicketAction,
    Triaged,
)
from workflows.records import (  # re-exported: defined there
    DEFAULT_CONFIRM_WITHIN_SECONDS,
    DEFAULT_SURVEY_WITHIN_SECONDS,
    MAX_BODY_CHARS,
    MAX_SUB_TICKETS,
    MAX_SUBJECT_CHARS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    SYSTEM,
    Actor,
    ActorKind,
    AlertInstance,
    AlertSource,
    AttachmentRef,
    Channel,
    ChildInfo,
    ConversationEntry,
    DeferredSignal,
    Priority,
    RefusedAttachment,
    Status,
    SurveyState,
    TicketEvent,
    TicketInput,
    TicketSnapshot,
    TicketState,
    TicketView,
)

STATUSES, PRIORITIES, CHANNELS, ROLES = v.STATUSES, v.PRIORITIES, v.CHANNELS, v.ROLES

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
VIEW_QUERY = "view"


def ticket_workflow_id(number: int) -> str:
    return f"ticket-{number}"


# What `from workflows.messages import ...` offers: its own names, then the gathered ones.
__all__ = [
    "STATUSES", "PRIORITIES", "CHANNELS", "ROLES", "TASK_QUEUE", "SEARCH_ATTRIBUTES", "TRIAGE_ACTIVITY",
    "ROUTE_ACTIVITY", "PROJECT_ACTIVITY", "SLA_POLICY_ACTIVITY", "NOTIFY_ACTIVITY", "DISPATCH_ACTIVITY",
    "ACT_UPDATE", "ACT_SIGNAL", "CUSTOMER_REPLY_SIGNAL", "ALERT_SIGNAL", "ROUTE_SIGNAL", "CHILD_SIGNAL",
    "MERGED_SIGNAL", "CONFIRMATION_SIGNAL", "SURVEY_SIGNAL", "VIEW_QUERY", "ticket_workflow_id", "ACTIONS",
    "AGENT_ACTIONS", "Action", "AgentAction", "AlertNotice", "AlertsFired", "AlertsResolved", "Assign",
    "AutoClosed", "ChildStatusChanged", "Close", "CustomerConfirmation", "CustomerReply", "Hold", "MACRO_STATUSES", "MAX_MACRO_NAME_CHARS", "MacroReply",
    "Merge", "MergedFrom", "Note",
    "Pend", "Reopen", "Reply", "ResolutionConfirmed", "ResolutionRejected", "Resolve", "Resume", "Routed",
    "SetCategory", "SetPriority", "SetTags", "SlaMilestoneReached", "SlaPolicyLoaded", "Split", "SubTicket",
    "SurveyAnswer", "SurveyExpired", "TicketAction", "Triaged", "Actor", "AttachmentRef", "RefusedAttachment",
    "AlertInstance", "AlertSource", "DeferredSignal", "TicketInput", "TicketEvent", "ConversationEntry",
    "TicketSnapshot", "SurveyState", "ChildInfo", "TicketView", "TicketState", "Status", "Priority",
    "Channel", "ActorKind", "DEFAULT_CONFIRM_WITHIN_SECONDS", "DEFAULT_SURVEY_WITHIN_SECONDS",
    "MAX_SUB_TICKETS", "MAX_BODY_CHARS", "MAX_SUBJECT_CHARS", "MAX_TAGS", "MAX_TAG_CHARS", "SYSTEM",
]
