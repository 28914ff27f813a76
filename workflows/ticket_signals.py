"""Signals from outside a ticket: monitoring alerts for its group, a request to route again,
its sub-tickets' status, a duplicate merged into it, and the customer's confirmation and
survey answer from their signed links. A signal cannot answer, so whatever the ticket cannot
take is logged and ignored; the API checks first to answer its callers clearly.

A mixin of TicketV1 (workflows/ticket_v1.py), which owns the
state, the lock, the reducer (`_reduce`, `signalled`, `_reduce_or_log`) and routing (`_route`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.ticket_v1_steps import TicketV1Steps
    from workflows import alerts
    from workflows.codec import ActionDecodeError, decode_alert_notice, decode_dataclass
    from workflows.lifecycle import ACTIVE, ActionRejected
    from workflows.messages import (
        TicketAction,
        ALERT_SIGNAL,
        CHILD_SIGNAL,
        CONFIRMATION_SIGNAL,
        MERGED_SIGNAL,
        ROUTE_SIGNAL,
        SURVEY_SIGNAL,
        SYSTEM,
        AlertsFired,
        AlertsResolved,
        ChildStatusChanged,
        CustomerConfirmation,
        MergedFrom,
        ResolutionConfirmed,
        ResolutionRejected,
        Resolve,
        SurveyAnswer,
        TicketState,
    )


class OutsideEvents(TicketV1Steps):
    """The workflow's signal handlers (workflows/ticket.py) hand each payload to
    TicketV1.signalled, which applies it under the lock with the `_on_...` method named in
    `_outside_signals`, or carries it over to the next run when this one is closing."""

    _state: TicketState
    _lock: asyncio.Lock

    def _outside_signals(self) -> dict[str, Callable[[Any], Awaitable[None]]]:
        return {ALERT_SIGNAL: self._on_alert, ROUTE_SIGNAL: self._on_route, CONFIRMATION_SIGNAL: self._on_confirmation,
                SURVEY_SIGNAL: self._on_survey, CHILD_SIGNAL: self._on_child, MERGED_SIGNAL: self._on_merged}

    async def _on_alert(self, raw: Any) -> None:
        try:
            notice = decode_alert_notice(raw)
        except ActionDecodeError as err:
            workflow.logger.warning("ticket %s: ignored malformed alert notice: %s", self._state.number, err)
            return
        if self._state.status == "closed":
            return
        fired, resolved = alerts.changes(self._state, notice)
        try:
            if fired:
                await self._reduce(AlertsFired(actor=notice.actor, alerts=fired))
            if resolved:
                await self._reduce(AlertsResolved(actor=notice.actor, alerts=resolved))
            s = self._state
            if resolved and alerts.all_resolved(s) and s.alert is not None and s.alert.auto_resolve \
                    and s.status in ACTIVE:
                await self._reduce(Resolve(actor=SYSTEM, resolution="All alerts in the group resolved"))
        except ActionRejected as err:
            workflow.logger.warning("ticket %s: alert notice not applied: %s", self._state.number, err.message)


    async def _on_route(self, raw: Any) -> None:
        reason = str(raw.get("reason", "asked to route again"))[:500] if isinstance(raw, dict) else "asked to route again"
        if self._state.status in ACTIVE and self._state.assignee is None:
            await self._route(reason, team=self._state.team)


    async def _on_confirmation(self, raw: Any) -> None:
        try:
            answer = decode_dataclass(CustomerConfirmation, {"kind": "confirmation", **raw}, path="")
        except (ActionDecodeError, TypeError) as err:
            workflow.logger.warning("ticket %s: ignored malformed confirmation: %s", self._state.number, err)
            return
        if answer.decision == "confirm":
            await self._reduce_or_log(ResolutionConfirmed(actor=answer.actor, link_id=answer.link_id))
        else:
            await self._reduce_or_log(ResolutionRejected(actor=answer.actor, comment=answer.comment,
                                                         link_id=answer.link_id))




    async def _on_survey(self, raw: Any) -> None:
        await self._signalled_event(SurveyAnswer, "survey_answer", raw)

    async def _on_child(self, raw: Any) -> None:
        await self._signalled_event(ChildStatusChanged, "child_status", raw)

    async def _on_merged(self, raw: Any) -> None:
        await self._signalled_event(MergedFrom, "merged_from", raw)

    async def _signalled_event(self, cls: type[TicketAction], kind: str, raw: Any) -> None:
        try:
            action = decode_dataclass(cls, {"kind": kind, **raw} if isinstance(raw, dict) else raw, path="")
        except ActionDecodeError as err:
            workflow.logger.warning("ticket %s: ignored malformed %s signal: %s", self._state.number, kind, err)
            return
        await self._reduce_or_log(action)
