"""TicketWorkflow: one per ticket, `ticket-<number>`. It declares every message the ticket
takes (the `act` update, the signals, the `view` query) and hands each to the main loop that
runs this execution:

- TicketV2 (workflows/ticket_v2.py) for every run that starts with the patch `hot-path`:
  handlers apply the pure reducer at once and answer; one loop writes the read model, the
  outbox and the follow-ups in batches.
- TicketV1 (workflows/ticket_v1.py) for runs recorded before it, which must replay as they ran.

A ticket that runs TicketV1 takes TicketV2 at its next continue-as-new: both carry the same
TicketState.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # The payload converter resolves the type hints of nested dataclasses (an activity result
    # holding other results) through the sandbox's sys.modules, which holds only the modules
    # this file imports itself: so the modules that define payload types are imported here.
    # (workflows/records.py and workflows/actions/ hold no string annotations: nothing to resolve.)
    from workflows import activity_io, sla_types  # noqa: F401  # imported for the sandbox's sys.modules, not used
    from workflows.messages import (
        ACT_SIGNAL,
        ACT_UPDATE,
        ALERT_SIGNAL,
        CHILD_SIGNAL,
        CONFIRMATION_SIGNAL,
        CUSTOMER_REPLY_SIGNAL,
        MERGED_SIGNAL,
        ROUTE_SIGNAL,
        SURVEY_SIGNAL,
        VIEW_QUERY,
        TicketInput,
        TicketSnapshot,
        TicketView,
    )
    from workflows.ticket_v1 import TicketV1
    from workflows.ticket_v2 import TicketV2

# The patch that brought TicketV2 (docs/workflow-changes.md).
HOT_PATH = "hot-path"


@workflow.defn(name="Ticket")
class TicketWorkflow:
    @workflow.init
    def __init__(self, inp: TicketInput) -> None:
        self._run: TicketV1 | TicketV2 = TicketV2(inp) if workflow.patched(HOT_PATH) else TicketV1(inp)

    @workflow.run
    async def run(self, inp: TicketInput) -> TicketSnapshot:
        return await self._run.run(inp)

    @workflow.update(name=ACT_UPDATE)
    async def act(self, raw: dict[str, Any]) -> TicketView:
        """An agent action, acknowledged: returns the ticket as it is after the action."""
        return await self._run.act(raw)

    @act.validator
    def _validate_act(self, raw: dict[str, Any]) -> None:
        self._run.validate_act(raw)

    @workflow.signal(name=ACT_SIGNAL)
    async def action_signal(self, raw: dict[str, Any]) -> None:
        """The same agent actions, fire-and-forget (e.g. `temporal workflow signal`)."""
        await self._run.signalled(ACT_SIGNAL, raw)

    @workflow.signal(name=CUSTOMER_REPLY_SIGNAL)
    async def customer_reply(self, raw: dict[str, Any]) -> None:
        """The requester wrote back (mail, portal, or logged by an agent from a call or chat)."""
        await self._run.signalled(CUSTOMER_REPLY_SIGNAL, raw)

    @workflow.signal(name=ALERT_SIGNAL)
    async def alert_signal(self, raw: dict[str, Any]) -> None:
        """An Alertmanager notification for this ticket's group: only what is new counts."""
        await self._run.signalled(ALERT_SIGNAL, raw)

    @workflow.signal(name=ROUTE_SIGNAL)
    async def route_signal(self, raw: dict[str, Any]) -> None:
        """Route again (an agent came online or freed capacity); only a ticket still waiting
        in its team queue moves."""
        await self._run.signalled(ROUTE_SIGNAL, raw)

    @workflow.signal(name=CONFIRMATION_SIGNAL)
    async def confirmation_signal(self, raw: dict[str, Any]) -> None:
        """The customer's answer to the resolution, from their signed link."""
        await self._run.signalled(CONFIRMATION_SIGNAL, raw)

    @workflow.signal(name=SURVEY_SIGNAL)
    async def survey_signal(self, raw: dict[str, Any]) -> None:
        """The customer's satisfaction survey answer, from their signed link."""
        await self._run.signalled(SURVEY_SIGNAL, raw)

    @workflow.signal(name=CHILD_SIGNAL)
    async def child_signal(self, raw: dict[str, Any]) -> None:
        """A sub-ticket's new status."""
        await self._run.signalled(CHILD_SIGNAL, raw)

    @workflow.signal(name=MERGED_SIGNAL)
    async def merged_signal(self, raw: dict[str, Any]) -> None:
        """A duplicate was merged into this ticket."""
        await self._run.signalled(MERGED_SIGNAL, raw)

    @workflow.query(name=VIEW_QUERY)
    def view(self) -> TicketView:
        return self._run.view()
