"""Notifications: resolve who should hear about a ticket event, record one notification per
(ticket, event, recipient, kind) in the outbox, and start the delivery workflow of every row
of the call not yet delivered (docs/notifications.md).

The unique key makes it exactly-once in effect: a retried activity or a replayed workflow
finds the rows and adds nothing; the delivery workflow of a row has a fixed id, so starting
it again joins the one running (or is refused once it has finished)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities.defn import sync_activity
from models import notification_preferences as preferences
from models import outbox
from models.db import dialect_insert
from models.routing import team_member_emails
from models.settings import Settings
from models.kb import suggestions
from models.tables import Agent, Notification, Team, TicketRow
from models.webhooks import webhooks_for
from workflows.activity_io import NotifyInput, NotifyResult
from workflows.messages import NOTIFY_ACTIVITY
from workflows.vocabulary import SWITCHABLE_KINDS, NotificationKind

# The delivery workflow (workflows/delivery.py NotificationDelivery), started by name: the
# activities may not import workflow code. Its input is DeliveryInput's fields as JSON.
DELIVERY_WORKFLOW = "NotificationDelivery"
START_TIMEOUT_SECONDS = 30
ACK_ARTICLES = 3  # suggested articles in a new ticket's acknowledgement, at most


def resolve_recipients(s: Session, inp: NotifyInput) -> tuple[list[str], list[str]]:
    """E-mail addresses for the roles and addresses in `inp.recipients`; and the roles nobody fills.
    An agent's own notices (mentions, assignments, the requester's replies) reach only active
    agents: an address that is not one is left out."""
    team = s.scalars(select(Team).where(Team.slug == inp.team)).first() if inp.team else None
    found: list[str] = []
    unresolved: list[str] = []
    for who in inp.recipients:
        if "@" in who:
            emails = [who.strip().lower()]
            if inp.kind in SWITCHABLE_KINDS and not s.scalars(select(Agent.id).where(Agent.email == emails[0], Agent.active)).first():
                emails = []
        elif who == "requester":
            emails = [inp.requester_email.strip().lower()] if inp.requester_email.strip() else []
        elif who == "assignee":
            emails = [inp.assignee] if inp.assignee else []
        elif who == "team_lead":
            emails = [team.lead_email] if team and team.lead_email else []
        elif who == "manager":
            emails = [team.manager_email] if team and team.manager_email else []
        elif who == "team":
            emails = team_member_emails(s, team.id) if team else []  # every member, not just home-team ones
        else:
            emails = []
        if not emails:
            unresolved.append(who)
        found += [e for e in emails if e not in found]
    return found, unresolved


@dataclass(frozen=True)
class Pending:
    """An outbox row to deliver."""

    id: int
    number: int
    seq: int
    summary: str


class NotificationActivities:
    """`client` starts the delivery workflows on `task_queue`; without one (unit tests) the rows
    are only recorded. Built inside the worker's event loop (servicedesk/worker.py), which the
    synchronous activity hands the starts to."""

    def __init__(self, sessions: sessionmaker[Session], client: Client | None = None, settings: Settings | None = None,
                 task_queue: str | None = None) -> None:
        self._sessions = sessions
        self._client = client
        self._settings = settings or Settings()
        self._task_queue = task_queue or self._settings.task_queue
        self._loop = asyncio.get_running_loop() if client is not None else None

    @sync_activity(NOTIFY_ACTIVITY)
    def notify(self, inp: NotifyInput) -> NotifyResult:
        with self._sessions.begin() as s:
            result, pending = self.record(s, inp)
        self.start_deliveries(pending)
        return result

    def record(self, s: Session, inp: NotifyInput) -> tuple[NotifyResult, list[Pending]]:
        """The outbox rows of one notice, in the caller's transaction; and the rows of it still
        to deliver (new, or left pending by a crash before their delivery started). A mail the
        agent has switched off is recorded `suppressed`, with the reason, and not delivered."""
        recorded, already, suppressed, pending = [], [], [], []
        recipients, unresolved = resolve_recipients(s, inp)
        customer_data = inp.data | self._articles(s, inp)
        targets = [(email, "email") for email in recipients]
        targets += [(f"{outbox.WEBHOOK_PREFIX}{hook.name}", "webhook") for hook in webhooks_for(s, inp.kind)]
        for recipient, channel in targets:
            audience = outbox.audience_of(inp.kind, recipient)
            off = channel == "email" and preferences.switched_off(s, recipient, inp.kind)
            row = {"number": inp.number, "seq": inp.seq, "kind": inp.kind, "recipient": recipient,
                   "subject": inp.subject[:300], "channel": channel, "audience": audience,
                   "data": customer_data if audience == "customer" else inp.data,
                   "status": preferences.SUPPRESSED if off else "pending", "attempts": 0,
                   "last_error": preferences.suppressed_reason(recipient, inp.kind) if off else None,
                   "requester_name": inp.requester_name[:200],
                   # signed links are for the customer's own mail only
                   "links": list(inp.links) if audience == "customer" else [],
                   "links_expire_at": inp.links_expire_at if audience == "customer" else None}
            # RETURNING tells a new row from a conflict (rowcount does not, on every driver).
            inserted = s.execute(dialect_insert(s, Notification).values(**row).on_conflict_do_nothing(
                index_elements=["number", "seq", "recipient", "kind"]).returning(Notification.id)).first()
            if channel == "email":
                (already if inserted is None else suppressed if off else recorded).append(recipient)
            found = s.execute(select(Notification.id, Notification.status).where(
                Notification.number == inp.number, Notification.seq == inp.seq, Notification.recipient == recipient,
                Notification.kind == inp.kind)).one()
            if found.status == "pending":
                pending.append(Pending(found.id, inp.number, inp.seq, f"{inp.kind} {channel} for #{inp.number}"))
        if unresolved:
            activity.logger.info("ticket %s %s: nobody fills %s", inp.number, inp.kind, unresolved)
        return NotifyResult(recorded=recorded, already=already, unresolved=unresolved, suppressed=suppressed), pending

    def _articles(self, s: Session, inp: NotifyInput) -> dict[str, list[dict[str, str]]]:
        """For a new ticket's acknowledgement: the published public articles that best match its
        subject and description (models/kb/suggestions.py), as titles and portal links. Made
        here, not in the workflow, so no history changes; kept in the outbox row, so a resent mail
        carries the same ones. Suggestions that fail leave the acknowledgement without them."""
        if inp.kind != NotificationKind.TICKET_RECEIVED:
            return {}
        ticket = s.get(TicketRow, inp.number)
        subject = ticket.subject if ticket else str((inp.data.get("ticket") or {}).get("subject", ""))
        try:
            with s.begin_nested():
                found = suggestions.best(s, subject, ticket.description if ticket else "", limit=ACK_ARTICLES)
        except SQLAlchemyError as err:  # the mail matters more than its suggestions
            activity.logger.warning("ticket %s: no suggested articles: %s", inp.number, err)
            return {}
        base = self._settings.public_url.rstrip("/")
        return {"articles": [{"title": m.title, "url": f"{base}{m.path}"} for m in found]} if found else {}

    def start_deliveries(self, pending: list[Pending]) -> None:
        """Start the delivery workflow of each row (retried with backoff until sent or given up)."""
        if pending and self._client is not None and self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._start_deliveries(pending), self._loop).result(START_TIMEOUT_SECONDS)

    async def _start_deliveries(self, pending: list[Pending]) -> None:
        await asyncio.gather(*(self._start(p) for p in pending))

    async def _start(self, p: Pending) -> None:
        st = self._settings
        assert self._client is not None
        try:
            await self._client.start_workflow(
                DELIVERY_WORKFLOW,
                {"notification_id": p.id, "summary": p.summary,
                 "give_up_after_seconds": int(timedelta(hours=st.delivery_give_up_hours).total_seconds()),
                 "retry_initial_seconds": st.delivery_retry_initial_seconds,
                 "retry_max_seconds": st.delivery_retry_max_seconds,
                 "attempt_timeout_seconds": 3 * max(st.smtp_timeout_seconds, st.webhook_timeout_seconds) + 30},
                id=outbox.workflow_id(p.number, p.seq, p.id),
                task_queue=self._task_queue,
                # One delivery per row, whoever starts it how often: join the running one,
                # and never start again once it has finished.
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"deliver {p.summary}",
            )
        except WorkflowAlreadyStartedError:
            pass  # delivered or given up already: the row says which
