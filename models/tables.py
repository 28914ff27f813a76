"""The SQL schema: the organisation (teams, agents, tokens, policies, rules), the intake
ledger that hands out ticket numbers, and the read model the workflows project into."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.utc import UtcDateTime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


# --- the organisation ------------------------------------------------------------------


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Tickets no routing rule claims go to the default team.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who SLA escalations reach when a level says "team_lead" or "manager".
    lead_email: Mapped[str | None] = mapped_column(String(320))
    manager_email: Mapped[str | None] = mapped_column(String(320))
    # Routing inside the team: skills its tickets may need, how it picks an agent, and (for
    # round-robin) the id of the agent who got its last ticket.
    skills: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    routing_mode: Mapped[str] = mapped_column(String(20), default="least_loaded", server_default="least_loaded")
    rr_cursor: Mapped[int | None] = mapped_column(Integer)
    # Whose are its tickets: "all" agents', its members' only ("team"), or None: the desk's
    # default (SERVICEDESK_TICKET_ACCESS). models/team_scope.py.
    ticket_access: Mapped[str | None] = mapped_column(String(10))


class TeamMember(Base):
    """Who works a team's queue. An agent may be in several teams; `agents.team_id` stays as
    the agent's home team (shown in the directory) and is always one of them."""

    __tablename__ = "team_members"
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True, index=True)


class Agent(Base):
    __tablename__ = "agents"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # agent | supervisor | admin | auditor
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Routing gives an agent no more than this many open tickets.
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    availability: Mapped[str] = mapped_column(String(10), default="online", server_default="online")  # online | away | offline
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # The web sign-in's password, as an argon2id hash (models/passwords.py); None: no password
    # set, the agent signs in to the pages with an API token only.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    name: Mapped[str] = mapped_column(String(200))
    # SHA-256 of the token: tokens are 256-bit random, so a fast hash is enough and the
    # database never holds a usable credential.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Customer(Base):
    """A requester's tier. `email` is an address, or "@domain" for everyone at that domain."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    tier: Mapped[str] = mapped_column(String(20), default="standard")  # standard | vip


class BusinessCalendar(Base):
    __tablename__ = "calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], ...}; NULL means open 24x7.
    weekly_hours: Mapped[dict | None] = mapped_column(JSON)
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)  # local ISO dates


class SlaPolicy(Base):
    """Chosen by priority, optionally narrowed by category and customer tier: the most
    specific match wins, then the lowest position."""

    __tablename__ = "sla_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    priority: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(100))
    customer_tier: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=100)
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendars.id"))  # NULL: 24x7 UTC
    # Targets in seconds of business time; NULL switches that clock off.
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    next_response_seconds: Mapped[int | None] = mapped_column(Integer)
    resolution_seconds: Mapped[int | None] = mapped_column(Integer)
    pause_statuses: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["pending"])
    # [{"percent": 50, "notify": ["assignee"]}, ...]
    warnings: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # [{"level": 1, "after_minutes": 0, "notify": [...], "reassign_team": null,
    #   "reassign_agent": null, "raise_priority": true}, ...]
    escalations: Mapped[list[dict]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every change
    # After resolving, how long the customer has to confirm before the ticket closes itself
    # (calendar time); after closing, how long the satisfaction survey stays open.
    confirm_within_seconds: Mapped[int] = mapped_column(Integer, default=3 * 86400, server_default=str(3 * 86400))
    survey_within_seconds: Mapped[int] = mapped_column(Integer, default=7 * 86400, server_default=str(7 * 86400))


class TriageRule(Base):
    """Applied at intake in `position` order. Every condition that is set must hold (an empty
    condition set matches every ticket); the actions then set the category, raise the
    priority, add tags, and say whether an alert ticket resolves with its alert group.
    The engine is models/triage_admin.py `evaluate`."""

    __tablename__ = "triage_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(Integer, default=100)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # conditions
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))  # any one: word or phrase
    pattern: Mapped[str | None] = mapped_column(String(500))  # a case-insensitive regex
    match_fields: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["subject", "description"],
                                                    server_default=text("""'["subject", "description"]'"""))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))  # empty: any
    requester_domain: Mapped[str | None] = mapped_column(String(255))  # and its subdomains
    requester_tier: Mapped[str | None] = mapped_column(String(20))  # the customer tier, e.g. vip
    alert_labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default=text("'{}'"))  # {label: regex}
    # actions
    set_category: Mapped[str | None] = mapped_column(String(100))
    set_priority: Mapped[str | None] = mapped_column(String(20))  # only ever raises
    raise_priority: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # one step up
    add_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    auto_resolve: Mapped[bool | None] = mapped_column(Boolean)  # alert tickets: resolve with the alert group
    stop: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  # no later rule after this one


class RoutingRule(Base):
    """Tickets of `category` (and, if set, carrying `tag`) go to `team`; first match wins."""

    __tablename__ = "routing_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=100)
    category: Mapped[str | None] = mapped_column(String(100))
    tag: Mapped[str | None] = mapped_column(String(40))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    # Skills a ticket matching this rule needs; a skill-match team gives it to an agent with all of them.
    skills: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))


class RoutingDecision(Base):
    """Every routing decision, keyed by "<number>:<seq>" of the `routed` event it becomes: a
    retried activity finds it here instead of deciding again. Recent decisions also count in
    an agent's load until the read model shows the ticket as theirs."""

    __tablename__ = "routing_decisions"
    decision_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, index=True)
    seq: Mapped[int | None] = mapped_column(Integer)  # of the routed event, when the key names it
    team: Mapped[str | None] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(320), index=True)
    mode: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


# --- intake ledger ---------------------------------------------------------------------


class TicketIntake(Base):
    """One row per accepted request: it hands out the ticket number, remembers the
    Idempotency-Key, and keeps the request until its workflow has surely started."""

    __tablename__ = "ticket_intake"
    __table_args__ = (
        UniqueConstraint("agent_id", "idempotency_key", name="uq_intake_key"),
        # Channels with their own request identity (an e-mail's Message-ID, an alert group)
        # dedup on it whoever delivers the request.
        Index("uq_intake_source_key", "source", "idempotency_key", unique=True,
              sqlite_where=text("agent_id IS NULL"), postgresql_where=text("agent_id IS NULL")),
        {"sqlite_autoincrement": True},  # numbers are never reused, even after a rollback
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))  # NULL: a channel, not a token
    source: Mapped[str] = mapped_column(String(20), default="api", server_default="api")  # api | email | alertmanager | split
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    request: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# --- read model (written only by the projection activity) -------------------------------


class TicketRow(Base):
    __tablename__ = "tickets"
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    requester_email: Mapped[str] = mapped_column(String(320), index=True)
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    assignee: Mapped[str | None] = mapped_column(String(320), index=True)
    sla_policy: Mapped[str | None] = mapped_column(String(200))
    sla_status: Mapped[str | None] = mapped_column(String(20), index=True)
    sla_next_breach_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_seq: Mapped[int] = mapped_column(Integer)
    parent: Mapped[int | None] = mapped_column(Integer, index=True)  # split from this ticket
    merged_into: Mapped[int | None] = mapped_column(Integer)  # closed as its duplicate
    closed_reason: Mapped[str | None] = mapped_column(String(20))  # closed, confirmed, auto_closed, merged


class SurveyResponse(Base):
    """A closed ticket's satisfaction survey answer: one per ticket (written by the projection)."""

    __tablename__ = "survey_responses"
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    csat: Mapped[int] = mapped_column(Integer)  # 1..5
    nps: Mapped[int | None] = mapped_column(Integer)  # 0..10
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    team: Mapped[str | None] = mapped_column(String(64))  # who handled it, for reports
    assignee: Mapped[str | None] = mapped_column(String(320))


class TicketEventRow(Base):
    __tablename__ = "ticket_events"
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(320))
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON, default=dict)


Index("ix_ticket_events_kind", TicketEventRow.kind)


class SlaMilestoneRow(Base):
    """Every SLA warning, breach and escalation that fired: when it was due, when it fired."""

    __tablename__ = "sla_milestones"
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    milestone: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    clock: Mapped[str] = mapped_column(String(40))
    cycle: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    n: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    lateness_ms: Mapped[int] = mapped_column(Integer)


class Notification(Base):
    """The notification outbox: one row per (ticket, event, recipient, kind), so a retried
    activity or a replayed workflow never notifies twice. Each row is delivered by its own
    `NotificationDelivery` workflow (docs/notifications.md), which marks it sent or failed."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("number", "seq", "recipient", "kind", name="uq_notification_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320), index=True)  # an e-mail, or "webhook:<name>"
    subject: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # delivery (migration 0010)
    channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")  # email | webhook
    audience: Mapped[str] = mapped_column(String(10), default="agent", server_default="agent")  # customer | agent | system
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending", index=True)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    message_id: Mapped[str | None] = mapped_column(String(998))  # fixed at the first attempt: a retry sends the same
    requester_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))  # purposes, signed at send time
    links_expire_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
