"""The end of a ticket's life, as durable timers: a resolved ticket waits for its customer's
confirmation and closes itself when the policy's period passes without one; a closed ticket
keeps its workflow open until the satisfaction survey is answered or expires.

A mixin of TicketV1 (workflows/ticket_v1.py), which owns the state, the lock and the
reducer; `closing` (pure) says when and what.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.ticket_v1_steps import TicketV1Steps
    from workflows import closing
    from workflows.messages import SYSTEM, AutoClosed, SurveyExpired, TicketState


class ClosingTimers(TicketV1Steps):
    # Provided by TicketWorkflow, with _reduce.
    _state: TicketState
    _lock: asyncio.Lock

    async def _confirmation_timer(self) -> None:
        """While the ticket is resolved, wait for the customer until the deadline; then close it."""
        while self._state.status != "closed":
            await workflow.wait_condition(
                lambda: self._state.confirmation_due_at is not None or self._state.status == "closed")
            due = self._state.confirmation_due_at
            if due is None:
                return
            delay = (due - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(
                        lambda: self._state.confirmation_due_at != due, timeout=delay,
                        timeout_summary=f"confirmation of #{self._state.number} awaited until {due:%Y-%m-%d %H:%M:%S} UTC")
                    continue  # confirmed, rejected, reopened or closed meanwhile
                except asyncio.TimeoutError:
                    pass
            async with self._lock:
                s = self._state
                if s.confirmation_due_at == due and s.status == "resolved" and s.resolved_at is not None:
                    waited = round((workflow.now() - s.resolved_at).total_seconds())
                    await self._reduce(AutoClosed(actor=SYSTEM, waited_seconds=waited))

    async def _await_survey(self) -> None:
        """A closed ticket's last phase: its survey is answered (a signal) or expires."""
        while closing.survey_open(self._state):
            survey = self._state.survey
            assert survey is not None
            delay = (survey.expires_at - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(
                        lambda: not closing.survey_open(self._state), timeout=delay,
                        timeout_summary=f"survey of #{self._state.number} open until "
                                        f"{survey.expires_at:%Y-%m-%d %H:%M:%S} UTC")
                    continue
                except asyncio.TimeoutError:
                    pass
            async with self._lock:
                if closing.survey_open(self._state):
                    await self._reduce(SurveyExpired(actor=SYSTEM))
