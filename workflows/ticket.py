"""TicketWorkflow: one per ticket. It only wires; `lifecycle` decides.

Every change goes through `_reduce`, under one lock, whether it came from intake, an
update, or a signal: so actions apply one at a time, in the order they are accepted, and
each one's events are projected before the next starts.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import lifecycle
    from workflows.codec import ActionDecodeError, decode_action, decode_customer_reply
    from workflows.lifecycle import ActionRejected
    from workflows.messages import (
        ACT_SIGNAL,
        ACT_UPDATE,
        CUSTOMER_REPLY_SIGNAL,
        PROJECT_ACTIVITY,
        ROUTE_ACTIVITY,
        SYSTEM,
        TRIAGE_ACTIVITY,
        VIEW_QUERY,
        Action,
        ProjectionInput,
        RouteInput,
        RouteResult,
        Routed,
        SetCategory,
        TicketEvent,
        TicketInput,
        TicketSnapshot,
        TicketView,
        Triaged,
        TriageInput,
        TriageResult,
    )

STATUS = SearchAttributeKey.for_keyword("TicketStatus")
PRIORITY = SearchAttributeKey.for_keyword("TicketPriority")
CATEGORY = SearchAttributeKey.for_keyword("TicketCategory")
TEAM = SearchAttributeKey.for_keyword("TicketTeam")

# Intake must not hold a ticket hostage: after a few tries it goes on without triage.
INTAKE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=20), maximum_attempts=5)
# The read model must converge: retried until the database is back.
PROJECTION_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
UPDATE_IDS_KEPT = 1_000


@workflow.defn(name="Ticket")
class TicketWorkflow:
    @workflow.init
    def __init__(self, inp: TicketInput) -> None:
        self._lock = asyncio.Lock()
        self._applied_update_ids: list[str] = list(inp.applied_update_ids)
        self._unprojected: list[TicketEvent] = []
        if inp.carried is not None:
            self._state = inp.carried
        else:
            self._state, self._unprojected = lifecycle.new_ticket(inp, workflow.now())

    # --- main loop ---------------------------------------------------------------

    @workflow.run
    async def run(self, inp: TicketInput) -> TicketSnapshot:
        async with self._lock:
            if inp.carried is None:
                # `created`, `triaged` and `routed` reach the read model in one projection.
                await self._intake()
        await workflow.wait_condition(
            lambda: self._state.status == "closed" or self._should_continue_as_new(inp)
        )
        # Let running handlers (and their projections) finish before closing this run.
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._state.status == "closed":
            return self._state.snapshot()
        workflow.continue_as_new(
            dataclasses.replace(inp, carried=self._state,
                                applied_update_ids=self._applied_update_ids[-UPDATE_IDS_KEPT:])
        )

    def _should_continue_as_new(self, inp: TicketInput) -> bool:
        limit = inp.continue_as_new_after_events
        if limit and workflow.info().get_current_history_length() >= limit:
            return True
        return workflow.info().is_continue_as_new_suggested()

    async def _intake(self) -> None:
        s = self._state
        try:
            triage = await workflow.execute_activity(
                TRIAGE_ACTIVITY,
                TriageInput(number=s.number, subject=s.subject, description=s.description,
                            requester_email=s.requester_email, channel=s.channel,
                            priority=s.priority, category=s.category, tags=list(s.tags)),
                result_type=TriageResult,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=INTAKE_RETRY,
                summary="triage",
            )
            await self._reduce(Triaged(actor=SYSTEM, category=triage.category, priority=triage.priority,  # type: ignore[arg-type]
                                       tags=triage.tags, rules=triage.rules, sla_policy=triage.sla_policy), project=False)
        except ActivityError as err:
            workflow.logger.warning("triage failed for ticket %s: %s", s.number, err.cause)
            await self._reduce(Triaged(actor=SYSTEM, category=s.category, priority=s.priority,  # type: ignore[arg-type]
                                       rules=[f"triage failed: {err.cause}"]), project=False)
        await self._route("intake")

    async def _route(self, why: str) -> None:
        s = self._state
        try:
            route = await workflow.execute_activity(
                ROUTE_ACTIVITY,
                RouteInput(number=s.number, category=s.category, tags=list(s.tags), priority=s.priority),
                result_type=RouteResult,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=INTAKE_RETRY,
                summary=f"route ({why})",
            )
        except ActivityError as err:
            workflow.logger.warning("routing failed for ticket %s: %s", s.number, err.cause)
            route = RouteResult(team=s.team, assignee=s.assignee, reason=f"routing failed: {err.cause}")
        await self._reduce(Routed(actor=SYSTEM, team=route.team, assignee=route.assignee, reason=f"{why}: {route.reason}"))

    # --- the one reducer -----------------------------------------------------------

    async def _reduce(self, action: Action, project: bool = True) -> None:
        """Apply one action and carry out its effects. Callers hold the lock."""
        before = self._state
        self._state, events = lifecycle.apply(before, action, workflow.now())
        self._unprojected.extend(events)
        if project:
            await self._project()
        self._upsert_search_attributes(before)
        # A ticket nobody owns follows its category: re-route when the category changes.
        if isinstance(action, SetCategory) and self._state.assignee is None and before.category != self._state.category:
            await self._route("category changed")

    async def _project(self) -> None:
        """Write the events not yet projected, with the current snapshot, to the read model."""
        events, self._unprojected = self._unprojected, []
        if not events:
            return
        await workflow.execute_activity(
            PROJECT_ACTIVITY,
            ProjectionInput(snapshot=self._state.snapshot(), events=events,
                            description=self._state.description if any(e.kind == "created" for e in events) else None),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=PROJECTION_RETRY,
            summary=f"project events {events[0].seq}..{events[-1].seq}",
        )

    def _upsert_search_attributes(self, before: Any) -> None:
        s = self._state
        updates = []
        if before.status != s.status:
            updates.append(STATUS.value_set(s.status))
        if before.priority != s.priority:
            updates.append(PRIORITY.value_set(s.priority))
        if before.category != s.category:
            updates.append(CATEGORY.value_set(s.category) if s.category else CATEGORY.value_unset())
        if before.team != s.team:
            updates.append(TEAM.value_set(s.team) if s.team else TEAM.value_unset())
        if updates:
            workflow.upsert_search_attributes(updates)

    # --- messages ------------------------------------------------------------------

    @workflow.update(name=ACT_UPDATE)
    async def act(self, raw: dict[str, Any]) -> TicketView:
        """An agent action, acknowledged: returns the ticket as it is after the action."""
        update_id = workflow.current_update_info().id  # type: ignore[union-attr]
        if update_id in self._applied_update_ids:  # a retry from before a continue-as-new
            return self._state.view()
        action = _decode_or_fail(raw)
        async with self._lock:
            try:
                await self._reduce(action)
            except ActionRejected as err:  # the state changed between validation and now
                raise ApplicationError(err.message, type=err.type, non_retryable=True) from None
            self._applied_update_ids.append(update_id)
        return self._state.view()

    @act.validator
    def _validate_act(self, raw: dict[str, Any]) -> None:
        action = _decode_or_fail(raw)
        try:
            lifecycle.check(self._state, action)
        except ActionRejected as err:
            raise ApplicationError(err.message, type=err.type, non_retryable=True) from None

    @workflow.signal(name=ACT_SIGNAL)
    async def action_signal(self, raw: dict[str, Any]) -> None:
        """The same agent actions, fire-and-forget (e.g. `temporal workflow signal`)."""
        try:
            action = decode_action(raw)
        except ActionDecodeError as err:
            workflow.logger.warning("ticket %s: ignored malformed action signal: %s", self._state.number, err)
            return
        await self._reduce_signalled(action)

    @workflow.signal(name=CUSTOMER_REPLY_SIGNAL)
    async def customer_reply(self, raw: dict[str, Any]) -> None:
        try:
            reply = decode_customer_reply(raw)
        except ActionDecodeError as err:
            workflow.logger.warning("ticket %s: ignored malformed customer reply: %s", self._state.number, err)
            return
        await self._reduce_signalled(reply)

    async def _reduce_signalled(self, action: Action) -> None:
        async with self._lock:
            try:
                await self._reduce(action)
            except ActionRejected as err:
                # A signal cannot answer; it stays in the history, and the log says why it did nothing.
                workflow.logger.warning("ticket %s: signalled %s rejected: %s", self._state.number, action.kind, err.message)

    @workflow.query(name=VIEW_QUERY)
    def view(self) -> TicketView:
        return self._state.view()


def _decode_or_fail(raw: Any) -> Action:
    try:
        return decode_action(raw)
    except ActionDecodeError as err:
        raise ApplicationError(str(err), type="InvalidAction", non_retryable=True) from None
