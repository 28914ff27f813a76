"""The ticket workflow's main loop (TicketV1; workflows/ticket.py declares the messages and
hands them here). Every change to what it does is a change to tickets already running: make it
behind `workflow.patched` (docs/workflow-changes.md).

Every change goes through `_reduce`, under one lock, whether it came from intake, an
update, or a signal: so actions apply one at a time, in the order they are accepted, and
each one's events are projected before the next starts.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import alerts, intake, lifecycle, links, notices, runs, search_attributes, sla, stale_view
    from workflows.codec import (
        ActionDecodeError,
        decode_action,
        decode_customer_reply,
    )
    from workflows.lifecycle import ActionRejected
    from workflows.messages import (
        ACT_SIGNAL,
        CUSTOMER_REPLY_SIGNAL,
        DISPATCH_ACTIVITY,
        NOTIFY_ACTIVITY,
        PROJECT_ACTIVITY,
        ROUTE_ACTIVITY,
        SLA_POLICY_ACTIVITY,
        SYSTEM,
        TRIAGE_ACTIVITY,
        Action,
        DeferredSignal,
        Merge,
        Routed,
        SetCategory,
        Split,
        SlaPolicyLoaded,
        TicketEvent,
        TicketInput,
        TicketSnapshot,
        TicketState,
        TicketView,
        Triaged,
    )
    from workflows.activity_specs import commit
    from workflows.activity_io import (
        DispatchInput,
        DispatchResult,
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
    from workflows.sla_types import RULES_PINNED_TERMS
    from workflows.update_ids import UPDATE_IDS_KEPT, update_key
    from workflows.vocabulary import NotificationKind
    from workflows.local import INTAKE_RETRY, PROJECTION_RETRY, ticket_activity
    from workflows.ticket_closing import ClosingTimers
    from workflows.ticket_signals import OutsideEvents
    from workflows.ticket_sla import SlaTimers

# Patches (workflow.patched), so that histories recorded before them replay as they ran:
# keep only the newest conversation entries in the state (lifecycle.keep_recent) ...
BOUNDED_CONVERSATION = "bounded-conversation"
# ... and once a continue-as-new is due, refuse new updates (the client retries them, and they
# reach the next run) and carry new signals over, so that the run can finish what it has.
DRAIN_BEFORE_CONTINUE_AS_NEW = "drain-before-continue-as-new"
# ... and a continued run applies the signals carried over before any update or signal that
# reaches it, even one in its first workflow task (whose handlers the SDK starts before `run`).
CARRIED_SIGNALS_FIRST = "carried-signals-first"
# ... and the SLA rules 2 (workflows/sla_types.py): a breached clock keeps the terms it breached
# under, an escalation never loosens a clock, and its team roles mean the team at the breach ...
PINNED_SLA_TERMS = "pinned-sla-terms"
# ... and a new ticket's clocks start when its request arrived (TicketInput.received_at) ...
ARRIVAL_TIME = "arrival-time"
# ... and intake is one activity (triage, routing, SLA policy), and each step's events and
# notices are written by one activity (the transactional outbox, delivered at once): see
# `_commit`. Two round trips through the server for a new ticket instead of five, one per
# action instead of two or three, and no delivery workflow for a mail that goes out at once.
BATCHED_ACTIVITIES = "batched-activities"
# ... and, in a run from before BATCHED_ACTIVITIES (one `notify` activity per notice), the
# assignee is told of a ticket given to them and of the requester's replies: one more `notify`
# each, which such a run's history does not have. (In every later run these notices are only
# more rows in the commit the action makes anyway: the same commands.)
AGENT_NOTICES = "agent-notices"
AGENT_NOTICE_KINDS = (NotificationKind.ASSIGNED.value, NotificationKind.CUSTOMER_REPLIED.value)


class _ShowingLock(asyncio.Lock):
    """The ticket's lock, which calls `on_release` whenever an action's work is done."""

    def __init__(self, on_release: Any) -> None:
        super().__init__()
        self._on_release = on_release

    def release(self) -> None:
        self._on_release()
        super().release()


class TicketV1(SlaTimers, ClosingTimers, OutsideEvents):
    def __init__(self, inp: TicketInput) -> None:
        # The view query shows the ticket as of the last finished action (the lock released):
        # never a state whose events the read model does not have yet, or whose notifications
        # are still being recorded. Activities resolve in later workflow tasks, and a query is
        # answered between any two.
        self._lock = _ShowingLock(self._show)
        # Newest last; the set is for lookups. Entries are update_key()s, or raw ids carried by
        # runs from before UPDATE_IDS_KEPT was raised (a lookup tries both).
        self._applied_update_ids: list[str] = list(inp.applied_update_ids)
        self._applied_lookup: set[str] = set(self._applied_update_ids)
        self._unprojected: list[TicketEvent] = []
        self._draining = False  # a continue-as-new is due: see DRAIN_BEFORE_CONTINUE_AS_NEW
        self._deferred: list[DeferredSignal] = []
        self._carrying = bool(inp.deferred_signals)  # the previous run's signals not yet applied
        self._bounded: bool | None = None
        self._batched_activities: bool | None = None
        self._sla_version = 0  # bumped whenever the clocks change, to re-plan the SLA timer
        if inp.carried is not None:
            self._state = inp.carried
        else:
            self._state, self._unprojected = lifecycle.new_ticket(inp, self._arrived_at(inp))
        if self._state.sla.rules < RULES_PINNED_TERMS and workflow.patched(PINNED_SLA_TERMS):
            self._state.sla.rules = RULES_PINNED_TERMS
        self._shown = self._state

    @staticmethod
    def _arrived_at(inp: TicketInput) -> datetime:
        """When the request arrived (the API's ledger time): its SLA clocks start then, not when
        a backlog let this workflow first run. Never later than now (the API's clock may run
        ahead of the server's)."""
        now = workflow.now()
        if inp.received_at is None or not workflow.patched(ARRIVAL_TIME):
            return now
        return min(inp.received_at, now)

    def _show(self) -> None:
        self._shown = self._state

    # --- main loop ---------------------------------------------------------------

    async def run(self, inp: TicketInput) -> TicketSnapshot:
        async with self._lock:
            if inp.carried is None:
                await self._intake()
            # Signals that reached the previous run while it was closing, before anything new.
            for deferred in inp.deferred_signals:
                await self._on_signal(deferred.name, deferred.payload)
            self._carrying = False
        timers = [asyncio.create_task(self._sla_timers()), asyncio.create_task(self._confirmation_timer())]
        await workflow.wait_condition(
            lambda: self._state.status == "closed" or runs.continue_as_new_due(inp)
        )
        if self._state.status == "closed":
            await asyncio.gather(*timers)  # both end on their own once the ticket is closed
            await self._await_survey()
        else:
            # From now on, no new work: updates are refused (retried, they reach the next run),
            # signals are carried over. Otherwise a busy ticket's handlers never all finish and
            # the run grows without end.
            self._draining = workflow.patched(DRAIN_BEFORE_CONTINUE_AS_NEW)
            async with self._lock:  # not in the middle of firing a milestone
                for timer in timers:
                    timer.cancel()
        # Let running handlers (and their projections) finish before closing this run.
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._state.status == "closed" and not self._draining:
            return self._state.snapshot()
        # Draining, a ticket closed meanwhile continues too: the next run waits for its survey.
        workflow.continue_as_new(runs.next_run(inp, self._state, self._applied_update_ids[-UPDATE_IDS_KEPT:], self._deferred))

    async def _intake(self) -> None:
        """Triage, route, find the SLA policy; `created` and all this reach the read model in
        one projection."""
        if self._batched():
            return await self._intake_at_once()
        s = self._state
        try:
            triage = await ticket_activity(
                TRIAGE_ACTIVITY,
                TriageInput(number=s.number, subject=s.subject, description=s.description,
                            requester_email=s.requester_email, channel=s.channel,
                            priority=s.priority, category=s.category, tags=list(s.tags),
                            labels=alerts.group_labels(s.alerts)),
                result_type=TriageResult,
                retry=INTAKE_RETRY,
                summary="triage",
            )
            triaged = Triaged(actor=SYSTEM, category=triage.category, priority=triage.priority,
                              tags=triage.tags, rules=triage.rules, reasons=triage.reasons,
                              auto_resolve=triage.auto_resolve)
        except ActivityError as err:
            workflow.logger.warning("triage failed for ticket %s: %s", s.number, err.cause)
            triaged = Triaged(actor=SYSTEM, category=s.category, priority=s.priority,
                              rules=[f"triage failed: {err.cause}"])
        await self._reduce(triaged, project=False)
        await self._route("intake", project=False)
        await self._load_policy("intake")
        await self._send(notices.received(self._state, 1))

    async def _intake_at_once(self) -> None:
        """Intake in one activity (BATCHED_ACTIVITIES)."""
        for action in await intake.decide(self._state):
            await self._reduce(action, project=False)
        await self._commit(notices.received(self._state, 1))

    async def _route(self, why: str, team: str | None = None, project: bool = True) -> None:
        s = self._state
        try:
            route = await ticket_activity(
                ROUTE_ACTIVITY,
                RouteInput(number=s.number, category=s.category, tags=list(s.tags), priority=s.priority, team=team,
                           decision_key=f"{s.number}:{s.last_seq + 1}"),
                result_type=RouteResult,
                retry=INTAKE_RETRY,
                summary=f"route ({why})",
            )
        except ActivityError as err:
            workflow.logger.warning("routing failed for ticket %s: %s", s.number, err.cause)
            route = RouteResult(team=team or s.team, assignee=s.assignee, reason=f"routing failed: {err.cause}")
        await self._reduce(Routed(actor=SYSTEM, team=route.team, assignee=route.assignee, reason=f"{why}: {route.reason}"),
                           project=project)

    async def _load_policy(self, why: str, never_later: bool = False) -> None:
        s = self._state
        try:
            found = await ticket_activity(
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
        await self._reduce(SlaPolicyLoaded(actor=SYSTEM, policy=found.policy, tier=found.tier, reason=f"{why}: {found.reason}",
                                           never_later=never_later))

    # --- the one reducer -----------------------------------------------------------

    async def _reduce(self, action: Action, project: bool = True) -> int:
        """Apply one action and carry out its effects; returns its event's seq. Callers hold
        the lock. With `project=False` the events wait for the next projection and nothing
        follows up."""
        before = self._state
        self._state, events = lifecycle.apply(before, action, workflow.now())
        if self._keep_recent_only():
            self._state = lifecycle.keep_recent(self._state)
        self._unprojected.extend(events)
        if before.sla != self._state.sla:
            self._sla_version += 1
        self._upsert_search_attributes(before)
        seq = events[-1].seq
        if not project:
            return seq
        after = self._state
        if self._batched():
            await self._commit(notices.for_action(before, after, action, seq))
            await self._tell_others(before, action)
        else:
            await self._project()
            await self._tell_others(before, action)
            await self._send(notices.for_action(before, after, action, seq))
        # A ticket nobody owns follows its category: re-route when the category changes.
        if isinstance(action, SetCategory) and after.assignee is None and before.category != after.category:
            await self._route("category changed")
        # The SLA policy depends on priority and category: look it up again when they change.
        if not isinstance(action, SlaPolicyLoaded) and (before.priority, before.category) != (after.priority, after.category):
            await self._load_policy("priority changed" if before.priority != after.priority else "category changed")
        return seq

    def _batched(self) -> bool:
        if self._batched_activities is None:
            self._batched_activities = workflow.patched(BATCHED_ACTIVITIES)
        return self._batched_activities

    async def _commit(self, messages: list[NotifyInput]) -> None:
        """Write the events not yet projected, the snapshot after them and the outbox rows of
        `messages` in one transaction, then deliver the rows (activities/commit.py)."""
        events, self._unprojected = self._unprojected, []
        if not events and not messages:
            return
        await commit(self._state, events, messages)

    def _keep_recent_only(self) -> bool:
        if self._bounded is None:
            self._bounded = workflow.patched(BOUNDED_CONVERSATION)
        return self._bounded

    async def _tell_others(self, before: TicketState, action: Action) -> None:
        """The effects of an action on other tickets: sub-tickets started, the parent told of
        a status change, a primary given its duplicate, queued tickets offered freed capacity."""
        after = self._state
        if isinstance(action, Split):
            await links.start_children(after, action)
        if isinstance(action, Merge):
            await links.tell_primary(after, action)
        if after.status != before.status:
            await links.tell_parent(after, action.actor)
        done = ("resolved", "closed")
        if before.assignee is not None and before.status not in done and (
                after.assignee != before.assignee or after.status in done):
            await self._dispatch(before.assignee, "handed over" if after.assignee != before.assignee else after.status)

    async def _send(self, messages: list[NotifyInput]) -> None:
        """Have people told (the outbox records each once; delivery runs on its own)."""
        if self._batched():
            return await self._commit(messages)
        for message in messages:
            if message.kind in AGENT_NOTICE_KINDS and not workflow.patched(AGENT_NOTICES):
                continue
            try:
                await ticket_activity(NOTIFY_ACTIVITY, message, result_type=NotifyResult, retry=INTAKE_RETRY,
                                     summary=f"notify {message.kind}")
            except ActivityError as err:  # a ticket must not stall on its mail; the log and the history say so
                workflow.logger.warning("ticket %s: %s notification failed: %s", self._state.number, message.kind, err.cause)

    async def _dispatch(self, agent: str, why: str) -> None:
        """`agent` just lost this ticket: tickets waiting in their teams' queues may go to them."""
        reason = f"{agent} freed capacity (#{self._state.number} {why})"
        try:
            found = await ticket_activity(DISPATCH_ACTIVITY, DispatchInput(agent=agent, number=self._state.number, reason=reason),
                                 result_type=DispatchResult, retry=INTAKE_RETRY, summary=f"dispatch queue for {agent}")
        except ActivityError as err:  # the queue's own sweep picks the tickets up later
            workflow.logger.warning("dispatch after ticket %s failed: %s", self._state.number, err.cause)
            return
        await links.ask_to_route(found.numbers, reason)

    async def _project(self) -> None:
        """Write the events not yet projected, with the current snapshot, to the read model."""
        if self._batched():
            return await self._commit([])
        events, self._unprojected = self._unprojected, []
        if not events:
            return
        await ticket_activity(
            PROJECT_ACTIVITY,
            ProjectionInput(snapshot=self._state.snapshot(), events=events,
                            description=self._state.description if any(e.kind == "created" for e in events) else None),
            retry=PROJECTION_RETRY,
            summary=f"project events {events[0].seq}..{events[-1].seq}",
        )

    def _upsert_search_attributes(self, before: TicketState) -> None:
        if updates := search_attributes.changes(before, self._state):
            workflow.upsert_search_attributes(updates)

    # --- messages ------------------------------------------------------------------

    async def act(self, raw: dict[str, Any]) -> TicketView:
        """An agent action, acknowledged: returns the ticket as it is after the action."""
        update_id = workflow.current_update_info().id  # type: ignore[union-attr]  # an update handler always has one
        if self._applied(update_id):  # a retry from before a continue-as-new
            return self._view()
        action = _decode_or_fail(raw, self._state)
        await self._after_carried_signals()
        async with self._lock:
            try:
                await self._reduce(action)
            except ActionRejected as err:  # the state changed between validation and now
                raise ApplicationError(err.message, type=err.type, non_retryable=True) from None
            key = update_key(update_id)
            self._applied_update_ids.append(key)
            self._applied_lookup.add(key)
            if len(self._applied_update_ids) > 2 * UPDATE_IDS_KEPT:  # keep the lookup small too
                self._applied_update_ids = self._applied_update_ids[-UPDATE_IDS_KEPT:]
                self._applied_lookup = set(self._applied_update_ids)
        return self._view()

    def _applied(self, update_id: str) -> bool:
        return update_id in self._applied_lookup or update_key(update_id) in self._applied_lookup

    def validate_act(self, raw: dict[str, Any]) -> None:
        if self._draining:
            # Not applied, nothing in the history: the API answers 503, and the client's retry
            # (same Idempotency-Key) reaches the next run.
            raise ApplicationError(f"ticket {self._state.number} is moving to a new run of its workflow; retry",
                                   type="TicketRunning", non_retryable=True)
        if self._applied(workflow.current_update_info().id):  # type: ignore[union-attr]  # an update handler always has one
            return  # a retry of an update applied in an earlier run: answered, whatever the status now
        action = _decode_or_fail(raw, self._state)
        try:
            lifecycle.check(self._state, action)
        except ActionRejected as err:
            raise ApplicationError(err.message, type=err.type, non_retryable=True) from None

    async def _on_action_signal(self, raw: Any) -> None:
        try:
            action = decode_action(raw)
        except ActionDecodeError as err:
            workflow.logger.warning("ticket %s: ignored malformed action signal: %s", self._state.number, err)
            return
        await self._reduce_or_log(action)

    async def _on_customer_reply(self, raw: Any) -> None:
        try:
            reply = decode_customer_reply(raw)
        except ActionDecodeError as err:
            workflow.logger.warning("ticket %s: ignored malformed customer reply: %s", self._state.number, err)
            return
        await self._reduce_or_log(reply)

    async def signalled(self, name: str, raw: Any) -> None:
        """Every signal comes here: applied under the lock, in the order received, or, once
        the run is draining, carried over to the next run (which applies it first)."""
        if self._draining:
            self._deferred.append(DeferredSignal(name=name, payload=raw))
            return
        await self._after_carried_signals()
        async with self._lock:
            await self._on_signal(name, raw)

    async def _after_carried_signals(self) -> None:
        """Wait, in a continued run, until `run` has applied the signals carried over. Handlers
        of the run's first workflow task start before `run` does and would take the lock first.
        Waiters wake in the order they began to wait, so they keep the order received."""
        if self._carrying and workflow.patched(CARRIED_SIGNALS_FIRST):
            await workflow.wait_condition(lambda: not self._carrying)

    async def _on_signal(self, name: str, raw: Any) -> None:
        """Apply one signal; the caller holds the lock."""
        handlers = {ACT_SIGNAL: self._on_action_signal, CUSTOMER_REPLY_SIGNAL: self._on_customer_reply,
                    **self._outside_signals()}
        handler = handlers.get(name)
        if handler is None:  # pragma: no cover - only names this workflow defines are deferred
            workflow.logger.warning("ticket %s: no handler for carried signal %s", self._state.number, name)
            return
        await handler(raw)

    async def _reduce_or_log(self, action: Action) -> None:
        """A signalled action; the caller holds the lock."""
        try:
            await self._reduce(action)
        except ActionRejected as err:
            # A signal cannot answer; it stays in the history, and the log says why it did nothing.
            workflow.logger.warning("ticket %s: signalled %s rejected: %s", self._state.number, action.kind, err.message)

    def view(self) -> TicketView:
        return self._shown.view(sla.clock_views(self._shown.sla, workflow.now()))

    def _view(self) -> TicketView:
        return self._state.view(sla.clock_views(self._state.sla, workflow.now()))


def _decode_or_fail(raw: Any, state: TicketState) -> Action:
    """The action of an `act` update, if the view it was sent from is current (workflows/stale_view.py)."""
    try:
        raw, expected = stale_view.split(raw)
        stale_view.check(state, expected)
        return decode_action(raw)
    except ActionDecodeError as err:
        raise ApplicationError(str(err), type="InvalidAction", non_retryable=True) from None
    except ActionRejected as err:
        raise ApplicationError(err.message, type=err.type, non_retryable=True) from None
