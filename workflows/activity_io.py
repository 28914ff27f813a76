"""Activity inputs and results: one dataclass each, so fields can be added compatibly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from workflows.records import TicketEvent, TicketSnapshot
from workflows.sla_types import SlaPolicyData

# A worker that dies (SIGKILL, a lost machine) with an activity in flight sends no failure: the
# server notices only when a timeout passes. Every activity is scheduled with HEARTBEAT_TIMEOUT
# and heartbeats every HEARTBEAT_EVERY while it runs (activities/defn.py), so a dead worker's
# activity is retried on another after seconds, not after its whole start-to-close timeout
# (tests/e2e/test_durability.py measures it).
HEARTBEAT_TIMEOUT = timedelta(seconds=5)
HEARTBEAT_EVERY = timedelta(seconds=1)


@dataclass
class TriageInput:
    number: int
    subject: str
    description: str
    requester_email: str
    channel: str
    priority: str | None
    category: str | None
    tags: list[str]
    labels: dict[str, str] = field(default_factory=dict)  # alert labels, for monitoring tickets


@dataclass
class TriageResult:
    category: str | None
    priority: str
    tags: list[str]
    rules: list[str]  # names of the rules that matched, in order
    reasons: list[str] = field(default_factory=list)  # what each rule (or the VIP tier) changed
    auto_resolve: bool | None = None  # a rule's say on resolving when the alert group resolves


@dataclass
class RouteInput:
    number: int
    category: str | None
    tags: list[str]
    priority: str
    team: str | None = None  # set: pick an agent inside this team, no routing rules
    # "<number>:<seq>" of the routing event about to be recorded: a retried activity
    # returns the decision already made instead of choosing (and advancing round-robin) again.
    decision_key: str = ""


@dataclass
class RouteResult:
    team: str | None
    assignee: str | None
    reason: str


@dataclass
class ProjectionInput:
    snapshot: TicketSnapshot
    events: list[TicketEvent]
    description: str | None = None  # sent once, with the `created` event, for text search


@dataclass
class SlaPolicyInput:
    number: int
    priority: str
    category: str | None
    requester_email: str


@dataclass
class SlaPolicyResult:
    policy: SlaPolicyData | None
    tier: str | None
    reason: str


@dataclass
class NotifyInput:
    """Notify people about a ticket event. One notification per (number, seq, recipient,
    kind): a retried activity or a replayed workflow never notifies twice."""

    number: int
    seq: int
    kind: str  # e.g. sla_warning, sla_breach, sla_escalation
    recipients: list[str]  # roles (requester, assignee, team, team_lead, manager, agents: mentioned
    # agents by e-mail) or e-mail addresses
    assignee: str | None
    team: str | None
    subject: str
    data: dict[str, Any] = field(default_factory=dict)  # what the templates show (activities/templates)
    requester_email: str = ""
    requester_name: str = ""
    # Signed links the message carries, made when it is sent (never in the history: they are
    # credentials): purposes from models/links.PURPOSES, valid until `links_expire_at`.
    links: list[str] = field(default_factory=list)
    links_expire_at: datetime | None = None


@dataclass
class NotifyResult:
    recorded: list[str]  # recipients newly notified by this call
    already: list[str]  # recipients notified before (a retry)
    unresolved: list[str]  # roles nobody fills (e.g. no assignee)
    suppressed: list[str] = field(default_factory=list)  # recorded, not sent: the agent switched the kind off


@dataclass
class DispatchInput:
    """An agent may have capacity for queued tickets: `agent` freed one (resolved, closed,
    handed over) or came online."""

    agent: str
    number: int  # the ticket that freed the capacity (not to be routed again)
    reason: str


@dataclass
class DispatchResult:
    numbers: list[int]  # queued tickets to route again, oldest and most urgent first


# The audit archive (workflows/archive.py runs it, activities/archive.py does it).
ARCHIVE_ACTIVITY = "archive_closed_tickets"


@dataclass
class ArchiveInput:
    batch: int = 50  # closed tickets looked at per activity call
    max_batches: int = 40
    after_number: int = 0  # where this call starts (ticket numbers, ascending)


@dataclass
class ArchiveResult:
    archived: list[int] = field(default_factory=list)
    still_running: list[int] = field(default_factory=list)  # closed, waiting for their survey
    lost: list[int] = field(default_factory=list)  # history already gone (past retention)
    next_after: int = 0  # the last ticket looked at
    more: bool = False  # closed tickets beyond `next_after` wait to be looked at

    def absorb(self, done: ArchiveResult) -> None:
        """Add a later call's result to this running total (the cursor moves to `done`'s)."""
        self.archived += done.archived
        self.still_running += done.still_running
        self.lost += done.lost
        self.next_after, self.more = done.next_after, done.more


# The ticket's hot path (TicketV2, workflows/ticket_v2.py): one activity decides a new ticket's
# triage, routing and SLA policy; one writes each batch of events and notices.
INTAKE_ACTIVITY = "intake_ticket"
COMMIT_ACTIVITY = "commit_ticket"


@dataclass
class IntakeInput:
    """Triage, then route with what triage decided, then find the SLA policy for it."""

    triage: TriageInput
    decision_key: str  # the routing decision's key (RouteInput.decision_key)


@dataclass
class IntakeResult:
    triage: TriageResult
    route: RouteResult
    policy: SlaPolicyResult


@dataclass
class CommitInput:
    """One batch of a ticket's changes, written in one transaction: the read model (events and
    the snapshot after them) and the outbox rows of the notices (transactional outbox), whose
    first delivery then runs at once."""

    projection: ProjectionInput
    notices: list[NotifyInput] = field(default_factory=list)


@dataclass
class CommitResult:
    notified: list[NotifyResult] = field(default_factory=list)  # one per notice, in order


# Scheduled report mails (workflows/report_mail.py runs it, activities/report_mail.py does it;
# the subscriptions are Temporal Schedules, api/reports/mailing.py).
REPORT_MAIL_ACTIVITY = "mail_report"


@dataclass
class ReportMailInput:
    """One subscription, as its schedule starts the ReportMail workflow: whose it is (the mail
    goes to the agent's own address), how often, and the report's filters."""

    agent_id: int
    n: int  # the subscription's number: its schedule is report-mail-<agent_id>-<n>
    cadence: str  # daily | weekly
    time: str  # HH:MM in `timezone`
    timezone: str
    weekday: str | None = None  # a weekly mail's day: monday .. sunday
    team: str | None = None
    category: str | None = None
    channel: str | None = None
    priority: str | None = None
    scheduled_at: str | None = None  # ISO; set by the workflow from the time the schedule meant


@dataclass
class ReportMailResult:
    notification_id: int | None = None  # the outbox row of the mail
    already: bool = False  # the row was there: this scheduled time was mailed (or queued) before
    skipped: str | None = None  # why there is no mail (the subscriber may not read reports any more)


# An article's review reminder (workflows/article_review.py waits for the date,
# activities/kb_review.py mails the owner; docs/knowledge-base.md).
ARTICLE_REVIEW_ACTIVITY = "remind_article_review"


@dataclass
class ArticleReviewInput:
    """The article and the review date (ISO, UTC) its reminder waits for; None: no reminder."""

    article_id: int
    review_at: str | None = None


@dataclass
class ArticleReviewResult:
    notification_id: int | None = None  # the outbox row of the reminder
    already: bool = False  # the row was there: this date was reminded of before
    skipped: str | None = None  # why there is no mail (the date moved, the article is archived or gone)
