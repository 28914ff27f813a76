"""What a ticket's workflow says to other tickets' workflows: start sub-tickets, tell a
parent about a child's status, hand a merged duplicate's conversation to its primary,
ask queued tickets to route again. All through Temporal (child workflows and external
signals), so nothing is lost if a worker dies between two steps."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from workflows import search_attributes

with workflow.unsafe.imports_passed_through():
    from workflows.messages import (
        Channel,
        CHILD_SIGNAL,
        MERGED_SIGNAL,
        ROUTE_SIGNAL,
        Actor,
        Merge,
        Split,
        TicketInput,
        TicketState,
        ticket_workflow_id,
    )

MERGED_ENTRIES_SENT = 200  # the newest entries (the duplicate holds its newest 50: lifecycle.keep_recent)


async def start_children(state: TicketState, split: Split) -> None:
    for child in split.children:
        inp = TicketInput(
            number=child.number, subject=child.subject, description=child.description,
            requester_email=state.requester_email, requester_name=state.requester_name,
            channel=cast(Channel, state.channel),  # the parent's, one of the channel words
            priority=child.priority, category=child.category or state.category, tags=list(state.tags),
            created_by=split.actor, parent=state.number,
        )
        try:
            # ABANDON: a sub-ticket lives its own life; the parent waits for it only in that it
            # cannot be resolved while the sub-ticket is open.
            await workflow.start_child_workflow(
                "Ticket", inp, id=ticket_workflow_id(child.number),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=search_attributes.at_start(child.priority),
                static_summary=f"Ticket #{child.number} (split from #{state.number})",
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("sub-ticket %s of %s was started before", child.number, state.number)


async def tell_parent(state: TicketState, actor: Actor, status: str | None = None) -> None:
    """Tell the parent this ticket's status (`status`: the one it had then, if not now's)."""
    if state.parent is None:
        return
    await _signal(state.parent, CHILD_SIGNAL, {"actor": dataclasses.asdict(actor), "number": state.number,
                                               "status": status or state.status, "subject": state.subject})


async def tell_primary(state: TicketState, merge: Merge) -> None:
    entries = [dataclasses.asdict(e) for e in state.conversation[-MERGED_ENTRIES_SENT:]]
    await _signal(merge.into, MERGED_SIGNAL, {"actor": dataclasses.asdict(merge.actor), "number": state.number,
                                              "subject": state.subject, "requester_email": state.requester_email,
                                              "conversation": entries})


async def ask_to_route(numbers: list[int], reason: str) -> None:
    for number in numbers:
        await _signal(number, ROUTE_SIGNAL, {"reason": reason})


async def _signal(number: int, name: str, payload: dict[str, Any]) -> None:
    try:
        await workflow.get_external_workflow_handle(ticket_workflow_id(number)).signal(name, payload)
    except Exception as err:  # the other ticket has closed (or never existed): nothing to tell
        workflow.logger.warning("could not signal %s to ticket %s: %s", name, number, err)
