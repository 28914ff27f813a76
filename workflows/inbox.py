"""The signals TicketV2 takes (workflows/ticket.py declares them): agent actions sent
fire-and-forget, the customer's replies, monitoring alerts for its group, a request to route
again, its sub-tickets' status, a duplicate merged into it, and the customer's confirmation and
survey answer from their signed links. Each is applied at once through the ticket's reducer. A
signal cannot answer, so whatever the ticket cannot take is logged and ignored; the API checks
first to answer its callers clearly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import alerts
    from workflows.codec import ActionDecodeError, decode_action, decode_alert_notice, decode_customer_reply, decode_dataclass
    from workflows.followups import Reroute
    from workflows.lifecycle import ACTIVE, ActionRejected
    from workflows.messages import (
        TicketAction,
        ACT_SIGNAL,
        ALERT_SIGNAL,
        CHILD_SIGNAL,
        CONFIRMATION_SIGNAL,
        CUSTOMER_REPLY_SIGNAL,
        MERGED_SIGNAL,
        ROUTE_SIGNAL,
        SURVEY_SIGNAL,
        SYSTEM,
        Action,
        AlertsFired,
        AlertsResolved,
        ChildStatusChanged,
        CustomerConfirmation,
        MergedFrom,
        ResolutionConfirmed,
        ResolutionRejected,
        Resolve,
        SurveyAnswer,
    )
    from workflows.ticket_access import Ticket


class Inbox:
    def __init__(self, ticket: Ticket) -> None:
        self._ticket = ticket
        self._handlers: dict[str, Callable[[Any], None]] = {
            ACT_SIGNAL: self._action, CUSTOMER_REPLY_SIGNAL: self._customer_reply, ALERT_SIGNAL: self._alert,
            ROUTE_SIGNAL: self._route, CONFIRMATION_SIGNAL: self._confirmation,
            SURVEY_SIGNAL: lambda raw: self._event(SurveyAnswer, "survey_answer", raw),
            CHILD_SIGNAL: lambda raw: self._event(ChildStatusChanged, "child_status", raw),
            MERGED_SIGNAL: lambda raw: self._event(MergedFrom, "merged_from", raw),
        }

    def take(self, name: str, raw: Any) -> None:
        handler = self._handlers.get(name)
        if handler is None:  # pragma: no cover - only names the workflow declares arrive
            workflow.logger.warning("ticket %s: no handler for signal %s", self._ticket.state.number, name)
            return
        handler(raw)

    def _apply_or_log(self, action: Action) -> None:
        try:
            self._ticket.apply(action)
        except ActionRejected as err:
            # A signal cannot answer; it stays in the history, and the log says why it did nothing.
            workflow.logger.warning("ticket %s: signalled %s rejected: %s", self._ticket.state.number, action.kind,
                                    err.message)

    def _malformed(self, what: str, err: Exception) -> None:
        workflow.logger.warning("ticket %s: ignored malformed %s: %s", self._ticket.state.number, what, err)

    def _action(self, raw: Any) -> None:
        try:
            action = decode_action(raw)
        except ActionDecodeError as err:
            return self._malformed("action signal", err)
        self._apply_or_log(action)

    def _customer_reply(self, raw: Any) -> None:
        try:
            reply = decode_customer_reply(raw)
        except ActionDecodeError as err:
            return self._malformed("customer reply", err)
        self._apply_or_log(reply)

    def _alert(self, raw: Any) -> None:
        """An Alertmanager notification for this ticket's group: only what is new counts."""
        try:
            notice = decode_alert_notice(raw)
        except ActionDecodeError as err:
            return self._malformed("alert notice", err)
        t = self._ticket
        if t.state.status == "closed":
            return
        fired, resolved = alerts.changes(t.state, notice)
        try:
            if fired:
                t.apply(AlertsFired(actor=notice.actor, alerts=fired))
            if resolved:
                t.apply(AlertsResolved(actor=notice.actor, alerts=resolved))
            s = t.state
            if resolved and alerts.all_resolved(s) and s.alert is not None and s.alert.auto_resolve and s.status in ACTIVE:
                t.apply(Resolve(actor=SYSTEM, resolution="All alerts in the group resolved"))
        except ActionRejected as err:
            workflow.logger.warning("ticket %s: alert notice not applied: %s", t.state.number, err.message)

    def _route(self, raw: Any) -> None:
        """Route again (an agent came online or freed capacity): the ticket's loop routes it if
        it still waits in its team queue by then."""
        reason = str(raw.get("reason", "asked to route again"))[:500] if isinstance(raw, dict) else "asked to route again"
        s = self._ticket.state
        if s.status in ACTIVE and s.assignee is None:
            self._ticket.queue([], Reroute(reason, team=s.team, only_queued=True))

    def _confirmation(self, raw: Any) -> None:
        """The customer's answer to the resolution, from their signed link."""
        try:
            answer = decode_dataclass(CustomerConfirmation, {"kind": "confirmation", **raw}, path="")
        except (ActionDecodeError, TypeError) as err:
            return self._malformed("confirmation", err)
        if answer.decision == "confirm":
            self._apply_or_log(ResolutionConfirmed(actor=answer.actor, link_id=answer.link_id))
        else:
            self._apply_or_log(ResolutionRejected(actor=answer.actor, comment=answer.comment, link_id=answer.link_id))

    def _event(self, cls: type[TicketAction], kind: str, raw: Any) -> None:
        try:
            action = decode_dataclass(cls, {"kind": kind, **raw} if isinstance(raw, dict) else raw, path="")
        except ActionDecodeError as err:
            return self._malformed(f"{kind} signal", err)
        self._apply_or_log(action)
