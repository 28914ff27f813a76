"""Who hears about what a ticket just did: pure, no Temporal import. The workflow hands each
NotifyInput to the `notify` activity, which records one outbox row per recipient, keyed
(ticket, event seq, recipient, kind), and has it delivered (docs/notifications.md).

Customers hear about their own ticket (received, an agent's public reply, a status they
should know, the resolution with its confirmation request, the survey, a merge); agents about
@mentions (and, in workflows/ticket_sla.py, SLA milestones). Monitoring tickets have no
customer to tell, and a sub-ticket's customer already heard about the ticket it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflows.activity_io import NotifyInput
from workflows.lifecycle import mentions
from workflows.messages import Action, Merge, Note, Reply, TicketState

# Statuses a customer is told about when a ticket enters them (resolved and closed have their
# own messages: the confirmation request and the survey).
TOLD_STATUSES = {"pending": "we need something from you", "on_hold": "we are waiting on someone else",
                 "open": "the ticket is open again"}


def ticket_data(s: TicketState) -> dict[str, Any]:
    return {"number": s.number, "subject": s.subject, "status": s.status, "priority": s.priority, "team": s.team,
            "assignee": s.assignee, "requester_name": s.requester_name}


def _to_requester(s: TicketState, seq: int, kind: str, subject: str, data: dict[str, Any],
                  links: list[str] | None = None, expire: datetime | None = None) -> NotifyInput:
    return NotifyInput(number=s.number, seq=seq, kind=kind, recipients=["requester"], assignee=s.assignee, team=s.team,
                       subject=f"[#{s.number}] {subject}", data={"ticket": ticket_data(s)} | data,
                       requester_email=s.requester_email, requester_name=s.requester_name,
                       links=list(links or []), links_expire_at=expire)


def has_customer(s: TicketState) -> bool:
    return s.channel != "monitoring"


def received(s: TicketState, seq: int) -> list[NotifyInput]:
    """The acknowledgement of a new ticket, with its number and a link to follow it."""
    if not has_customer(s) or s.parent is not None:
        return []
    return [_to_requester(s, seq, "ticket_received", f"We received your request: {s.subject}", {}, ["view"])]


def for_action(before: TicketState, after: TicketState, action: Action, seq: int) -> list[NotifyInput]:
    out: list[NotifyInput] = []
    if isinstance(action, Note):
        agents = [e for e in mentions(action.body) if e != action.actor.id.lower()]
        if agents:
            out.append(NotifyInput(number=after.number, seq=seq, kind="mention", recipients=agents,
                                   assignee=after.assignee, team=after.team,
                                   subject=f"[#{after.number}] {action.actor.name or action.actor.id} mentioned you",
                                   data={"ticket": ticket_data(after), "body": action.body,
                                         "author_name": action.actor.name or action.actor.id}))
    if not has_customer(after):
        return out
    if isinstance(action, Reply):
        out.append(_to_requester(after, seq, "agent_reply", f"Re: {after.subject}",
                                 {"body": action.body, "author_name": action.actor.name or action.actor.id,
                                  "attachments": [a.filename for a in action.attachments]}, ["view"]))
    if isinstance(action, Merge):
        out.append(_to_requester(after, seq, "merged", f"Your request was merged into #{action.into}",
                                 {"into": action.into}))
    elif after.status != before.status:
        out += _status_notice(before, after, action, seq)
    return out


def _status_notice(before: TicketState, after: TicketState, action: Action, seq: int) -> list[NotifyInput]:
    if after.status == "resolved":
        return [_to_requester(after, seq, "resolved", f"Resolved: {after.subject}",
                              {"resolution": after.resolution or "",
                               "confirm_by": after.confirmation_due_at.isoformat() if after.confirmation_due_at else None},
                              ["view", "confirm"], after.confirmation_due_at)]
    if after.status == "closed":
        if after.survey is None:
            return []
        return [_to_requester(after, seq, "survey", f"How did we do? {after.subject}",
                              {"closed_reason": after.closed_reason, "survey_until": after.survey.expires_at.isoformat()},
                              ["survey"], after.survey.expires_at)]
    if after.status == "open" and before.status != "resolved":
        return []  # an agent taking it up, or resuming it: the reply that follows says more
    if after.status in TOLD_STATUSES and action.actor.kind != "customer":
        # The customer's own reply or rejection moved it: they know.
        reason = getattr(action, "reason", "") or ""
        return [_to_requester(after, seq, "status_changed", f"Status: {after.status.replace('_', ' ')} - {after.subject}",
                              {"status_from": before.status, "status_to": after.status,
                               "reason": reason or TOLD_STATUSES[after.status]}, ["view"])]
    return []
