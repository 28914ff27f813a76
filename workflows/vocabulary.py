"""The desk's words, each spelled once: ticket statuses, priorities, channels, roles,
notification kinds and error types.

No imports but the standard library, so workflows (in the sandbox), activities, models and the
API all import it (tests/unit/test_import_rules.py); every member is a `str`, so a value compares
and serialises as the bare word it replaces, in payloads, histories and the database alike.
`workflows/messages.py` keeps the `Literal` types its dataclasses and the API's schemas are
annotated with; tests/unit/test_vocabulary.py holds them to these enums. The tuples of words
(`ACTIVE_STATUSES`, the role groups) hold plain strings, so a message that lists them reads
`['new', 'open']`, not the enums' reprs.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"


def words(*members: StrEnum) -> tuple[str, ...]:
    return tuple(m.value for m in members)


# A ticket that still needs work: it counts towards an agent's load, its SLA clocks can run.
ACTIVE_STATUSES = words(Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
DONE_STATUSES = words(Status.RESOLVED, Status.CLOSED)


class Priority(StrEnum):
    """In rising order: `rank` compares two priorities, `raised` is the next one up."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Priority).index(self)

    def raised(self) -> Priority:
        order = list(Priority)
        return order[min(self.rank + 1, len(order) - 1)]


class Channel(StrEnum):
    EMAIL = "email"
    WEB = "web"
    API = "api"
    PHONE = "phone"
    CHAT = "chat"
    MONITORING = "monitoring"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"


ACTING_ROLES = words(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)  # act on tickets; may be assigned one
MANAGER_ROLES = words(Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)  # read reports and histories
ACROSS_TEAMS = words(Role.ADMIN, Role.AUDITOR)  # see every team's tickets, whatever the team scope


class NotificationKind(StrEnum):
    """What a notification is about; each has its templates, `activities/templates/<kind>.*`."""

    TICKET_RECEIVED = "ticket_received"
    AGENT_REPLY = "agent_reply"
    MENTION = "mention"
    MERGED = "merged"
    STATUS_CHANGED = "status_changed"
    RESOLVED = "resolved"
    SURVEY = "survey"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    SLA_ESCALATION = "sla_escalation"
    ASSIGNED = "assigned"  # to the agent a ticket was just given (by a colleague or by routing)
    CUSTOMER_REPLIED = "customer_replied"  # to the assignee, when the requester wrote
    ARTICLE_REVIEW = "article_review"  # to a knowledge-base article's owner on its review date (no ticket's)


# What an agent may switch off for themselves (GET/PUT /me/notification-preferences), each on
# until they do; applied when a notice is delivered (models/notification_preferences.py). The
# SLA kinds are not among them: a policy's warnings, breach and escalations always go out.
SWITCHABLE_KINDS = words(NotificationKind.ASSIGNED, NotificationKind.CUSTOMER_REPLIED, NotificationKind.MENTION)
# Mails about no ticket (their outbox rows' numbers are below every ticket's): no ticket workflow makes them.
NO_TICKET_KINDS = words(NotificationKind.ARTICLE_REVIEW)


class ErrorType(StrEnum):
    """Every kind of error the desk answers, with its HTTP status. There is no default: a type
    that is not here is a ValueError where it is made, and tests/unit/test_vocabulary.py finds
    every type the code names."""

    status: int

    def __new__(cls, value: str, status: int) -> ErrorType:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        return member

    MALFORMED_JSON = ("MalformedJSON", 400)
    # Customers' signed links (the portal, docs/portal.md): forged, damaged, for another purpose.
    LINK_FORGED = ("LinkForged", 400)
    LINK_MALFORMED = ("LinkMalformed", 400)
    LINK_WRONG_PURPOSE = ("LinkWrongPurpose", 400)
    UNAUTHORIZED = ("Unauthorized", 401)
    FORBIDDEN = ("Forbidden", 403)
    WRONG_PASSWORD = ("WrongPassword", 403)  # changing one's password, the current one is not right
    TICKET_NOT_FOUND = ("TicketNotFound", 404)
    POLICY_NOT_FOUND = ("PolicyNotFound", 404)
    TRIAGE_RULE_NOT_FOUND = ("TriageRuleNotFound", 404)
    WEBHOOK_NOT_FOUND = ("WebhookNotFound", 404)
    NOT_FOUND = ("NotFound", 404)
    ARTICLE_NOT_FOUND = ("ArticleNotFound", 404)  # the knowledge base (docs/knowledge-base.md)
    METHOD_NOT_ALLOWED = ("MethodNotAllowed", 405)
    TICKET_CLOSED = ("TicketClosed", 409)
    CHILDREN_OPEN = ("ChildrenOpen", 409)  # a parent with open sub-tickets cannot be resolved or merged
    DUPLICATE_MESSAGE = ("DuplicateMessage", 409)
    INVALID_TRANSITION = ("InvalidTransition", 409)
    # An action sent from a view of the ticket that is no longer current (If-Match, the console).
    STALE_VIEW = ("StaleView", 409)
    IDEMPOTENCY_KEY_IN_FLIGHT = ("IdempotencyKeyInFlight", 409)
    POLICY_EXISTS = ("PolicyExists", 409)
    TRIAGE_RULE_EXISTS = ("TriageRuleExists", 409)
    WEBHOOK_EXISTS = ("WebhookExists", 409)
    CALENDAR_IN_USE = ("CalendarInUse", 409)
    ARTICLE_EXISTS = ("ArticleExists", 409)  # an article's slug is taken
    ARTICLE_CHANGED = ("ArticleChanged", 409)  # an edit of a version that is no longer the article's current one
    LINK_USED = ("LinkUsed", 409)  # a one-time link (confirm, survey) acts once
    NOT_WAITING_FOR_CONFIRMATION = ("NotWaitingForConfirmation", 409)  # a confirm link while not resolved
    SURVEY_NOT_OPEN = ("SurveyNotOpen", 409)  # answered, expired, or no survey
    SURVEY_CLOSED = ("SurveyClosed", 409)  # a survey answer the ticket no longer takes
    LINK_EXPIRED = ("LinkExpired", 410)
    PAYLOAD_TOO_LARGE = ("PayloadTooLarge", 413)
    UNSUPPORTED_MEDIA_TYPE = ("UnsupportedMediaType", 415)
    ATTACHMENT_REFUSED = ("AttachmentRefused", 415)  # a file of a type the desk does not keep (docs/email.md)
    MALFORMED_MAIL = ("MalformedMail", 422)
    VALIDATION_ERROR = ("ValidationError", 422)
    INVALID_ACTION = ("InvalidAction", 422)
    UNKNOWN_AGENT = ("UnknownAgent", 422)
    UNKNOWN_TEAM = ("UnknownTeam", 422)
    UNKNOWN_TICKET = ("UnknownTicket", 422)
    UNKNOWN_ATTACHMENT = ("UnknownAttachment", 422)
    UNKNOWN_CALENDAR = ("UnknownCalendar", 422)
    IDEMPOTENCY_KEY_REUSED = ("IdempotencyKeyReused", 422)
    UNSAFE_MARKDOWN = ("UnsafeMarkdown", 422)  # an article's text with a script, an event handler, a javascript: link ...
    PASSWORD_REFUSED = ("PasswordRefused", 422)  # a new password that breaks a rule (models/passwords.py)
    RATE_LIMITED = ("RateLimited", 429)  # with Retry-After (api/throttle.py)
    TEMPORAL_UNAVAILABLE = ("TemporalUnavailable", 503)
    TICKET_RUNNING = ("TicketRunning", 503)  # a message raced the ticket's start; a retry reaches it
    DATABASE_UNAVAILABLE = ("DatabaseUnavailable", 503)
    TIMEOUT = ("Timeout", 504)


# Every word of each vocabulary, in its declared order (priorities lowest first).
STATUSES = words(*Status)
PRIORITIES = words(*Priority)
CHANNELS = words(*Channel)
ROLES = words(*Role)
