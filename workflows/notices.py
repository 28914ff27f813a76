"""Who hears about what a ticket just did: pure, no Temporal import. The workflow hands each
NotifyInput to the `notify` activity, which records one outbox row per recipient, keyed
(ticket, event seq, recipient, kind), and has it delivered (docs/notifications.md).

Customers hear about their own ticket (received, an agent's public reply, a status they
should know, the resolution with its confirmation request, the survey, a merge); agents about
@mentions, a ticket given to them (by a colleague or by routing, not when they take it
themselves), the requester writing on a ticket they hold (and, in workflows/timers.py, SLA
milestones). Monitoring tickets have no customer to tell, and a sub-ticket's customer already
heard about the ticket it came from. Whether an agent wants a kind is theirs to say
(vocabulary.SWITCHABLE_KINDS), applied when the notice is delivered, not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from workflows.activity_io import NotifyInput
from workflows.records import Actor, TicketState

if TYPE_CHECKING:
    from workflows.actions.base import TicketAction

# Statuses a customer is told about when a ticket enters them (resolved and closed have their
# own messages: the confirmation request and the survey).
TOLD_STATUSES = {"pending": "we need something from you", "on_hold": "we are waiting on someone else",
                 "open": "the ticket is open again"}


def ticket_data(s: TicketState) -> dict[str, Any]:
    return {"number": s.number, "subject": s.subject, "status": s.status, "priority": s.priority, "team": s.team,
            "assignee": s.assignee, "requester_name": s.requester_name}


def to_requester(s: TicketState, seq: int, kind: str, subject: str, data: dict[str, Any],
                 links: list[str] | None = None, expire: datetime | None = None) -> NotifyInput:
    """A notice to the ticket's requester (`data` comes with the ticket's own)."""
    return NotifyInput(number=s.number, seq=seq, kind=kind, recipients=["requester"], assignee=s.assignee, team=s.team,
                       subject=f"[#{s.number}] {subject}", data={"ticket": ticket_data(s)} | data,
                       requester_email=s.requester_email, requester_name=s.requester_name,
                       links=list(links or []), links_expire_at=expire)


def to_agents(s: TicketState, seq: int, kind: str, agents: list[str], subject: str, data: dict[str, Any]) -> NotifyInput:
    """A notice to colleagues by e-mail (`data` comes with the ticket's own)."""
    return NotifyInput(number=s.number, seq=seq, kind=kind, recipients=agents, assignee=s.assignee, team=s.team,
                       subject=subject, data={"ticket": ticket_data(s)} | data)


def assigned(before: TicketState, after: TicketState, seq: int, by: Actor | None, reason: str = "") -> list[NotifyInput]:
    """The agent a ticket was just given hears of it: given by `by` (an agent's assign), or by
    routing (`by` None, with its `reason`). Nobody when it has no new assignee, or when the
    agent took it themselves."""
    agent = after.assignee
    if agent is None or agent == before.assignee or (by is not None and by.id.lower() == agent.lower()):
        return []
    by_name = (by.name or by.id) if by is not None else None
    return [to_agents(after, seq, "assigned", [agent], f"[#{after.number}] Assigned to you: {after.subject}",
                      {"assigned_by": by_name, "reason": reason, "previous_assignee": before.assignee})]


def customer_replied(s: TicketState, seq: int, author: Actor, body: str, channel: str, recorded_by: str | None,
                     attachments: list[str]) -> list[NotifyInput]:
    """The ticket's assignee hears that the requester wrote (by mail, the portal, or passed on
    by someone): nobody when the ticket has no assignee, or when the assignee passed it on."""
    agent = s.assignee
    if agent is None or (recorded_by is not None and recorded_by.lower() == agent.lower()):
        return []
    author_name = author.name or author.id
    return [to_agents(s, seq, "customer_replied", [agent], f"[#{s.number}] {author_name} replied: {s.subject}",
                      {"body": body, "author_name": author_name, "channel": channel, "attachments": attachments})]


def has_customer(s: TicketState) -> bool:
    return s.channel != "monitoring"


def received(s: TicketState, seq: int) -> list[NotifyInput]:
    """The acknowledgement of a new ticket, with its number and a link to follow it."""
    if not has_customer(s) or s.parent is not None:
        return []
    return [to_requester(s, seq, "ticket_received", f"We received your request: {s.subject}", {}, ["view"])]


def for_action(before: TicketState, after: TicketState, action: TicketAction, seq: int) -> list[NotifyInput]:
    """The notices of one applied action: its own (TicketAction.notices), then the status notice
    when it changed the status and tells of it. A ticket without a customer tells nobody but agents."""
    out = action.notices(before, after, seq)
    if action.tells_status and after.status != before.status:
        out += status_notices(before, after, action, seq)
    if not has_customer(after):
        out = [n for n in out if n.recipients != ["requester"]]
    return out


def status_notices(before: TicketState, after: TicketState, action: TicketAction, seq: int) -> list[NotifyInput]:
    """What the customer is told of the status `action` moved the ticket to."""
    if after.status == "resolved":
        return [to_requester(after, seq, "resolved", f"Resolved: {after.subject}",
                             {"resolution": after.resolution or "",
                              "confirm_by": after.confirmation_due_at.isoformat() if after.confirmation_due_at else None},
                             ["view", "confirm"], after.confirmation_due_at)]
    if after.status == "closed":
        if after.survey is None:
            return []
        return [to_requester(after, seq, "survey", f"How did we do? {after.subject}",
                             {"closed_reason": after.closed_reason, "survey_until": after.survey.expires_at.isoformat()},
                             ["survey"], after.survey.expires_at)]
    if after.status == "open" and before.status != "resolved":
        return []  # an agent taking it up, or resuming it: the reply that follows says more
    if after.status in TOLD_STATUSES and action.actor.kind != "customer":
        # The customer's own reply or rejection moved it: they know.
        reason = getattr(action, "reason", "") or ""
        return [to_requester(after, seq, "status_changed", f"Status: {after.status.replace('_', ' ')} - {after.subject}",
                             {"status_from": before.status, "status_to": after.status,
                              "reason": reason or TOLD_STATUSES[after.status]}, ["view"])]
    return []
