"""The API side of split and merge: what must hold before the ticket's workflow is asked."""

from __future__ import annotations

from api.deps import Principal
from api.errors import ApiError
from api.tickets.actions import ActionBody
from api.tickets.gateway import TicketGateway
from api.tickets.intake import Intake
from workflows import messages as m


async def split_action(number: int, body: ActionBody, me: Principal, tickets: TicketGateway, intake: Intake,
                       key: str | None) -> m.Split:
    """Reserve the sub-tickets' numbers (only for a ticket that can be split), then build the action."""
    view = await tickets.view(number)
    if view is None:
        raise ApiError("TicketNotFound", f"ticket {number} does not exist")
    if view.ticket.status in ("resolved", "closed"):
        raise ApiError("InvalidTransition", f"cannot split ticket {number} while it is {view.ticket.status}")
    t = view.ticket
    drafts = [{"subject": c.subject, "description": c.description,
               "requester": {"email": t.requester_email, "name": t.requester_name},
               "channel": t.channel, "priority": c.priority, "category": c.category, "team": c.team}
              for c in body.children]  # a split's body has them (api/tickets/actions.py)
    numbers = await intake.reserve_children(number, f"{me.agent_id}:{key}" if key else None, drafts, me.actor())
    children = [m.SubTicket(number=n, **c.model_dump()) for n, c in zip(numbers, body.children, strict=True)]
    split = body.to_action(me.actor(), children=children)
    assert isinstance(split, m.Split)
    return split


async def check_merge_target(number: int, merge: m.Merge, tickets: TicketGateway) -> None:
    if merge.into == number:
        raise ApiError("InvalidAction", "into: a ticket cannot be merged into itself",
                       [{"field": "into", "message": "must be another ticket"}])
    primary = await tickets.view(merge.into)
    if primary is None:
        raise ApiError("UnknownTicket", f"into: ticket {merge.into} does not exist",
                       [{"field": "into", "message": "no such ticket"}])
    if primary.ticket.status == "closed":
        raise ApiError("TicketClosed", f"into: ticket {merge.into} is closed; merge into an open ticket")
