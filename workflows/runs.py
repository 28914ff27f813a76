"""How a ticket's run ends in a continue-as-new, for both main loops (TicketV1, TicketV2): when
it is due, and the input the next run starts with."""

from __future__ import annotations

import dataclasses

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import sla
    from workflows.messages import DeferredSignal, TicketInput, TicketState


def continue_as_new_due(inp: TicketInput) -> bool:
    """After `continue_as_new_after_events` events (tests set it), or when the server suggests it."""
    limit = inp.continue_as_new_after_events
    if limit and workflow.info().get_current_history_length() >= limit:
        return True
    return workflow.info().is_continue_as_new_suggested()


def next_run(inp: TicketInput, state: TicketState, update_ids: list[str], deferred: list[DeferredSignal]) -> TicketInput:
    """The next run's input: the state (fired milestones of ended cycles pruned), the update ids
    applied, the signals received while closing."""
    carried = dataclasses.replace(state, sla=sla.prune_done(state.sla))
    return dataclasses.replace(inp, carried=carried, applied_update_ids=update_ids, deferred_signals=list(deferred))
