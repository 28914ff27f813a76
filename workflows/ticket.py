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
    from workflows import lifecycle, sla
    from workflows.codec import ActionDecodeError, decode_action, decode_customer_reply
    from workflows.lifecycle import ActionRejected
    from workflows.messages import (
        ACT_SIGNAL,
        ACT_UPDATE,
        CUSTOMER_REPLY_SIGNAL,
        NOTIFY_ACTIVITY,
        PROJECT_ACTIVITY,
        ROUTE_ACTIVITY,
        SLA_POLICY_ACTIVITY,
        SYSTEM,
        TRIAGE_ACTIVITY,
        VIEW_QUERY,
        Action,
        Routed,
        SetCategory,
        SlaMilestoneReached,
        SlaPolicyLoaded,
        TicketEvent,
        TicketInput,
        TicketSnapshot,
        TicketState,
        TicketView,
        Triaged,
    )
    from workflows.activity_io import (
        NotifyInput,
        NotifyResult,
        ProjectionInput,
        RouteInput,
        RouteResult,
        SlaPolicyInput,
        SlaPolicyResult,
        TriageInput,
        TriageResult,
    )
    from workflows.sla_types import EscalationLevel, Milestone

STATUS = SearchAttributeKey.for_keyword("TicketStatus")
PRIORITY = SearchAttributeKey.for_keyword("TicketPriority")
CATEGORY = SearchAttributeKey.for_keyword("TicketCategory")
TEAM = SearchAttributeKey.for_keyword("TicketTeam")
SLA = SearchAttributeKey.for_keyword("TicketSla")

# Every activity here is a short database read or write, so they run as local activities:
# one marker event each instead of a round trip through the server's task queue. That is
# what lets thousands of SLA timers fire within the same minute on a small machine
# (docs/benchmarks.md). Each still has its own retry policy and summary.
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
        self._sla_version = 0  # bumped whenever the clocks change, to re-plan the SLA timer
        if inp.carried is not None:
            self._state = inp.carried
        else:
            self._state, self._unprojected = lifecycle.new_ticket(inp, workflow.now())

    # --- main loop ---------------------------------------------------------------

    @workflow.run
    async def run(self, inp: TicketInput) -> TicketSnapshot:
        async with self._lock:
            if inp.carried is None:
                await self._intake()
        timers = asyncio.create_task(self._sla_timers())
        await workflow.wait_condition(
            lambda: self._state.status == "closed" or self._should_continue_as_new(inp)
        )
        # Let running handlers (and their projections) finish before closing this run.
        await workflow.wait_condition(workflow.all_handlers_finished)
        timers.cancel()
        if self._state.status == "closed":
            return self._state.snapshot()
        carried = dataclasses.replace(self._state, sla=sla.prune_done(self._state.sla))
        workflow.continue_as_new(
            dataclasses.replace(inp, carried=carried, applied_update_ids=self._applied_update_ids[-UPDATE_IDS_KEPT:])
        )

    def _should_continue_as_new(self, inp: TicketInput) -> bool:
        limit = inp.continue_as_new_after_events
        if limit and workflow.info().get_current_history_length() >= limit:
            return True
        return workflow.info().is_continue_as_new_suggested()

    async def _intake(self) -> None:
        """Triage, route, find the SLA policy; `created` and all this reach the read model in
        one projection."""
        s = self._state
        try:
            triage = await _local(
                TRIAGE_ACTIVITY,
                TriageInput(number=s.number, subject=s.subject, description=s.description,
                            requester_email=s.requester_email, channel=s.channel,
                            priority=s.priority, category=s.category, tags=list(s.tags)),
                result_type=TriageResult,
                retry=INTAKE_RETRY,
                summary="triage",
            )
            triaged = Triaged(actor=SYSTEM, category=triage.category, priority=triage.priority,  # type: ignore[arg-type]
                              tags=triage.tags, rules=triage.rules)
        except ActivityError as err:
            workflow.logger.warning("triage failed for ticket %s: %s", s.number, err.cause)
            triaged = Triaged(actor=SYSTEM, category=s.category, priority=s.priority,  # type: ignore[arg-type]
                              rules=[f"triage failed: {err.cause}"])
        await self._reduce(triaged, project=False)
        await self._route("intake", project=False)
        await self._load_policy("intake")

    async def _route(self, why: str, team: str | None = None, project: bool = True) -> None:
        s = self._state
        try:
            route = await _local(
                ROUTE_ACTIVITY,
                RouteInput(number=s.number, category=s.category, tags=list(s.tags), priority=s.priority, team=team),
                result_type=RouteResult,
                retry=INTAKE_RETRY,
                summary=f"route ({why})",
            )
        except ActivityError as err:
            workflow.logger.warning("routing failed for ticket %s: %s", s.number, err.cause)
            route = RouteResult(team=team or s.team, assignee=s.assignee, reason=f"routing failed: {err.cause}")
        await self._reduce(Routed(actor=SYSTEM, team=route.team, assignee=route.assignee, reason=f"{why}: {route.reason}"),
                           project=project)

    async def _load_policy(self, why: str) -> None:
        s = self._state
        try:
            found = await _local(
                SLA_POLICY_ACTIVITY,
                SlaPolicyInput(number=s.number, priority=s.priority, category=s.category, requester_email=s.requester_email),
                result_type=SlaPolicyResult,
                retry=INTAKE_RETRY,
                summary=f"SLA policy ({why})",
            )
        except ActivityError as err:
            # Keep the clocks of the policy we have: an outage must not switch SLAs off.
            workflow.logger.warning("SLA policy lookup failed for ticket %s: %s", s.number, err.cause)
            await self._project()
            return
        await self._reduce(SlaPolicyLoaded(actor=SYSTEM, policy=found.policy, tier=found.tier, reason=f"{why}: {found.reason}"))

    # --- the one reducer -----------------------------------------------------------

    async def _reduce(self, action: Action, project: bool = True) -> int:
        """Apply one action and carry out its effects; returns its event's seq. Callers hold
        the lock. With `project=False` the events wait for the next projection and nothing
        follows up."""
        before = self._state
        self._state, events = lifecycle.apply(before, action, workflow.now())
        self._unprojected.extend(events)
        if before.sla != self._state.sla:
            self._sla_version += 1
        self._upsert_search_attributes(before)
        seq = events[-1].seq
        if not project:
            return seq
        await self._project()
        after = self._state
        # A ticket nobody owns follows its category: re-route when the category changes.
        if isinstance(action, SetCategory) and after.assignee is None and before.category != after.category:
            await self._route("category changed")
        # The SLA policy depends on priority and category: look it up again when they change.
        if not isinstance(action, SlaPolicyLoaded) and (before.priority, before.category) != (after.priority, after.category):
            await self._load_policy("priority changed" if before.priority != after.priority else "category changed")
        return seq

    async def _project(self) -> None:
        """Write the events not yet projected, with the current snapshot, to the read model."""
        events, self._unprojected = self._unprojected, []
        if not events:
            return
        await _local(
            PROJECT_ACTIVITY,
            ProjectionInput(snapshot=self._state.snapshot(), events=events,
                            description=self._state.description if any(e.kind == "created" for e in events) else None),
            retry=PROJECTION_RETRY,
            summary=f"project events {events[0].seq}..{events[-1].seq}",
        )

    def _upsert_search_attributes(self, before: TicketState) -> None:
        s = self._state
        updates = []
        for key, old, new in ((STATUS, before.status, s.status), (PRIORITY, before.priority, s.priority),
                              (CATEGORY, before.category, s.category), (TEAM, before.team, s.team),
                              (SLA, before.sla_status, s.sla_status)):
            if old != new:
                updates.append(key.value_set(new) if new else key.value_unset())
        if updates:
            workflow.upsert_search_attributes(updates)

    # --- SLA timers ------------------------------------------------------------------

    async def _sla_timers(self) -> None:
        """Wait for the nearest SLA milestone with one durable timer; re-plan whenever the
        clocks change (status, priority, policy) instead of polling."""
        while self._state.status != "closed":
            version = self._sla_version
            milestone = sla.next_milestone(self._state.sla)
            changed = lambda: self._sla_version != version or self._state.status == "closed"  # noqa: E731
            if milestone is None:
                await workflow.wait_condition(changed)
                continue
            delay = (milestone.due_at - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(
                        changed, timeout=delay,
                        timeout_summary=f"SLA {milestone.clock.replace('_', ' ')} {milestone.kind} "
                                        f"{_label(milestone)} due {milestone.due_at:%Y-%m-%d %H:%M:%S} UTC")
                    continue  # the clocks changed first: re-plan
                except asyncio.TimeoutError:
                    pass
            async with self._lock:
                if self._sla_version == version:
                    await self._fire_due()

    async def _fire_due(self) -> None:
        """Fire every milestone due by now, in order, as one step (a breach and its level 1
        come due together): one projection, then the reassignments, then the notifications."""
        now = workflow.now()
        before = self._state
        notices: list[tuple[Milestone, int, list[str]]] = []
        reroutes: list[EscalationLevel] = []
        while (m := sla.next_milestone(self._state.sla)) is not None and m.due_at <= now:
            level = lifecycle.escalation_level(self._state, m)  # the policy in force when it came due
            recipients = _recipients(self._state, m, level)
            seq = await self._reduce(SlaMilestoneReached(actor=SYSTEM, milestone=m, fired_at=now), project=False)
            if level is not None and level.reassign_team and not level.reassign_agent:
                reroutes.append(level)
            if recipients:
                notices.append((m, seq, recipients))
        await self._project()
        for level in reroutes:
            await self._route(f"escalation level {level.level}", team=level.reassign_team)
        if (before.priority, before.category) != (self._state.priority, self._state.category):
            await self._load_policy("escalation raised the priority")
        for m, seq, recipients in notices:  # in order, so the outbox reads in the order things happened
            await self._notify(m, seq, recipients)

    async def _notify(self, m: Milestone, seq: int, recipients: list[str]) -> None:
        s = self._state
        await _local(
            NOTIFY_ACTIVITY,
            NotifyInput(number=s.number, seq=seq, kind=f"sla_{m.kind}", recipients=recipients, assignee=s.assignee,
                        team=s.team, subject=f"[#{s.number}] SLA {m.clock.replace('_', ' ')} {m.kind} {_label(m)}: {s.subject}",
                        data={"milestone": m.id, "due_at": m.due_at.isoformat(), "priority": s.priority}),
            result_type=NotifyResult,
            retry=PROJECTION_RETRY,
            summary=f"notify sla {m.kind} {_label(m)}",
        )

    # --- messages ------------------------------------------------------------------

    @workflow.update(name=ACT_UPDATE)
    async def act(self, raw: dict[str, Any]) -> TicketView:
        """An agent action, acknowledged: returns the ticket as it is after the action."""
        update_id = workflow.current_update_info().id  # type: ignore[union-attr]
        if update_id in self._applied_update_ids:  # a retry from before a continue-as-new
            return self._view()
        action = _decode_or_fail(raw)
        async with self._lock:
            try:
                await self._reduce(action)
            except ActionRejected as err:  # the state changed between validation and now
                raise ApplicationError(err.message, type=err.type, non_retryable=True) from None
            self._applied_update_ids.append(update_id)
        return self._view()

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
        return self._view()

    def _view(self) -> TicketView:
        return self._state.view(sla.clock_views(self._state.sla, workflow.now()))


def _decode_or_fail(raw: Any) -> Action:
    try:
        return decode_action(raw)
    except ActionDecodeError as err:
        raise ApplicationError(str(err), type="InvalidAction", non_retryable=True) from None


async def _local(name: str, arg: Any, *, result_type: type | None = None, retry: RetryPolicy, summary: str) -> Any:
    """Run one of the ticket's activities (all short database work) as a local activity."""
    return await workflow.execute_local_activity(name, arg, result_type=result_type,
                                                 start_to_close_timeout=timedelta(seconds=30),
                                                 retry_policy=retry, summary=summary)


def _label(m: Milestone) -> str:
    return {"warning": f"{m.n}%", "breach": "", "escalation": f"level {m.n}"}[m.kind]


def _recipients(state: TicketState, m: Milestone, level: EscalationLevel | None) -> list[str]:
    policy = state.sla.policy
    if m.kind == "warning" and policy is not None:
        return next((list(w.notify) for w in policy.warnings if w.percent == m.n), [])
    if m.kind == "breach":
        return ["assignee"]
    return list(level.notify) if level is not None else []
