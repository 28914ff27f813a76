"""TicketV2: the ticket's main loop since the patch `hot-path` (workflows/ticket.py chooses).

Messages apply at once. An update or a signal runs the pure reducer (`lifecycle.apply`) in its
handler and, for an update, answers with the ticket as it is now: it awaits nothing, so it
answers in the workflow task that accepted it, and the history holds every decision. What the
change leaves to do joins the ticket's batch: its events, the notices it causes, and follow-ups
(routing again, a new SLA policy, other tickets to tell). One loop drains the batch: one
`commit_ticket` activity writes the events, the snapshot and the outbox rows in one
transaction and delivers the mails, then the follow-ups run in order; whatever they change
joins the next batch. The read model follows the workflow by about one activity round trip
(docs/benchmarks.md measures it); the update's answer and the `view` query are the truth.

Intake is one `intake_ticket` activity (triage, routing, SLA policy) and one commit. Until it
is done, and while the run is closing for a continue-as-new, updates are refused as
`TicketRunning` (the API retries them, and they reach this run or the next) and signals wait,
in the order received, for the loop or for the next run. A continued run applies the signals
carried over before anything else, so an update or a signal in its first workflow task comes
after them.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import followups, intake, lifecycle, links, notices, runs, search_attributes, sla, stale_view
    from workflows.activity_io import (
        DispatchInput,
        NotifyInput,
        RouteInput,
        RouteResult,
        SlaPolicyInput,
    )
    from workflows.activity_specs import DISPATCH, ROUTE, SLA_POLICY, commit, execute
    from workflows.codec import ActionDecodeError, decode_action
    from workflows.followups import Dispatch, FollowUp, ReloadPolicy, Reroute, StartChildren, TellParent, TellPrimary
    from workflows.inbox import Inbox
    from workflows.lifecycle import ActionRejected
    from workflows.messages import (
        SYSTEM,
        Action,
        DeferredSignal,
        Routed,
        SlaPolicyLoaded,
        TicketEvent,
        TicketInput,
        TicketSnapshot,
        TicketState,
        TicketView,
    )
    from workflows.sla_types import RULES_PINNED_TERMS
    from workflows.timers import ClosingTimers, SlaTimer
    from workflows.update_ids import AppliedUpdates


@dataclass
class Batch:
    """What the ticket's loop has yet to write and do, in the order it happened."""

    events: list[TicketEvent] = field(default_factory=list)
    notices: list[NotifyInput] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.events or self.notices or self.followups)


class TicketV2:
    def __init__(self, inp: TicketInput) -> None:
        self._updates = AppliedUpdates(inp.applied_update_ids)
        self._batch = Batch()
        if inp.carried is not None:
            self._state = inp.carried
        else:
            self._state, self._batch.events = lifecycle.new_ticket(inp, _arrived_at(inp))
        self._state.sla.rules = RULES_PINNED_TERMS
        self._published: TicketSnapshot = self._state.snapshot()  # the search attributes as last upserted
        self._sla_version = 0
        self._ready = False  # intake (or the signals carried over) applied: messages apply at once
        self._draining = False  # a continue-as-new is due: messages wait for the next run
        self._closed_loop = False  # nothing will join the batch any more: the loop ends once it is empty
        self._waiting: list[DeferredSignal] = []  # signals received while not ready or draining
        self._inbox = Inbox(self)
        self._sla_timer = SlaTimer(self)
        self._closing = ClosingTimers(self)
        if inp.carried is not None:
            # The previous run's signals, before any message of this one: the SDK runs the
            # handlers of a run's first workflow task before `run`, but after this.
            for signal in inp.deferred_signals:
                self._inbox.take(signal.name, signal.payload)
            self._ready = True

    # --- ticket_access.Ticket: what the timers and the inbox may use ---------------------

    @property
    def state(self) -> TicketState:
        return self._state

    @property
    def sla_version(self) -> int:
        return self._sla_version

    def apply(self, action: Action, *, effects: bool = True) -> int:
        """The one reducer. With `effects=False` (intake's own steps) no notices or follow-ups
        (`_intake` asks for the steps' own)."""
        before = self._state
        self._state, events = lifecycle.apply(before, action, workflow.now())
        self._state = lifecycle.keep_recent(self._state)
        self._batch.events.extend(events)
        if before.sla != self._state.sla:
            self._sla_version += 1
        seq = events[-1].seq
        if effects:
            self._batch.notices.extend(notices.for_action(before, self._state, action, seq))
            self._batch.followups.extend(followups.after(before, self._state, action))
        return seq

    def queue(self, notices: list[NotifyInput], followup: FollowUp | None = None) -> None:
        self._batch.notices.extend(notices)
        if followup is not None:
            self._batch.followups.append(followup)

    # --- the run ---------------------------------------------------------------------

    async def run(self, inp: TicketInput) -> TicketSnapshot:
        if inp.carried is None:
            await self._intake()
            self._ready = True
            for signal in self._waiting:  # those that came while it was opening, in order
                self._inbox.take(signal.name, signal.payload)
            self._waiting = []
        loop = asyncio.create_task(self._drain_batches())
        timers = [asyncio.create_task(self._sla_timer.run()), asyncio.create_task(self._closing.confirmation())]
        await workflow.wait_condition(lambda: self._state.status == "closed" or runs.continue_as_new_due(inp))
        if self._state.status == "closed":
            await asyncio.gather(*timers)  # both end on their own once the ticket is closed
            await self._closing.survey()
        else:
            self._draining = True
            for timer in timers:
                timer.cancel()
        self._closed_loop = True
        await loop
        if self._state.status == "closed" and not self._draining:
            return self._state.snapshot()
        # A ticket closed while draining continues too: the next run waits for its survey.
        workflow.continue_as_new(runs.next_run(inp, self._state, self._updates.carried(), self._waiting))

    async def _intake(self) -> None:
        """Triage, routing and the SLA policy, from one activity (workflows/intake.py). Their
        steps tell nobody of a status and leave nothing to follow up, but the agent routing
        gave the ticket to hears of it, after the requester's acknowledgement."""
        told: list[NotifyInput] = []
        for action in await intake.decide(self._state):
            before = self._state
            seq = self.apply(action, effects=False)
            told += action.notices(before, self._state, seq)
        self.queue(notices.received(self._state, 1) + told)

    # --- the loop: write each batch, then do what it left to do ------------------------------

    async def _drain_batches(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self._batch) or self._closed_loop)
            if not self._batch:
                return
            batch, self._batch = self._batch, Batch()
            self._publish_search_attributes()
            if batch.events or batch.notices:
                await commit(self._state, batch.events, batch.notices)
            for followup in followups.merged(batch.followups):
                await self._follow_up(followup)

    def _publish_search_attributes(self) -> None:
        """One upsert per batch, of what changed since the last one."""
        now = self._state.snapshot()
        if updates := search_attributes.changes(self._published, now):
            workflow.upsert_search_attributes(updates)
        self._published = now

    async def _follow_up(self, f: FollowUp) -> None:
        s = self._state
        if isinstance(f, Reroute):
            await self._reroute(f)
        elif isinstance(f, ReloadPolicy):
            await self._reload_policy(f)
        elif isinstance(f, Dispatch):
            reason = f"{f.agent} freed capacity (#{s.number} {f.why})"
            try:
                found = await execute(DISPATCH, DispatchInput(agent=f.agent, number=s.number, reason=reason),
                                      summary=f"dispatch queue for {f.agent}")
            except ActivityError as err:  # the queue's own sweep picks the tickets up later
                workflow.logger.warning("dispatch after ticket %s failed: %s", s.number, err.cause)
                return
            await links.ask_to_route(found.numbers, reason)
        elif isinstance(f, StartChildren):
            await links.start_children(s, f.split)
        elif isinstance(f, TellPrimary):
            await links.tell_primary(s, f.merge)
        elif isinstance(f, TellParent):
            await links.tell_parent(s, f.actor, f.status)

    async def _reroute(self, f: Reroute) -> None:
        s = self._state
        if f.only_queued and (s.status not in lifecycle.ACTIVE or s.assignee is not None):
            return
        try:
            route = await execute(ROUTE, RouteInput(number=s.number, category=s.category, tags=list(s.tags),
                                                    priority=s.priority, team=f.team,
                                                    decision_key=f"{s.number}:{s.last_seq + 1}"),
                                  summary=f"route ({f.why})")
        except ActivityError as err:
            workflow.logger.warning("routing failed for ticket %s: %s", s.number, err.cause)
            route = RouteResult(team=f.team or s.team, assignee=s.assignee, reason=f"routing failed: {err.cause}")
        self._apply_or_log(Routed(actor=SYSTEM, team=route.team, assignee=route.assignee, reason=f"{f.why}: {route.reason}"))
        self.queue([dataclasses.replace(n, assignee=self._state.assignee) for n in f.notices])

    async def _reload_policy(self, f: ReloadPolicy) -> None:
        s = self._state
        try:
            found = await execute(SLA_POLICY, SlaPolicyInput(number=s.number, priority=s.priority, category=s.category,
                                                             requester_email=s.requester_email),
                                  summary=f"SLA policy ({f.why})")
        except ActivityError as err:
            # Keep the clocks of the policy we have: an outage must not switch SLAs off.
            workflow.logger.warning("SLA policy lookup failed for ticket %s: %s", s.number, err.cause)
            return
        self._apply_or_log(SlaPolicyLoaded(actor=SYSTEM, policy=found.policy, tier=found.tier,
                                           reason=f"{f.why}: {found.reason}", never_later=f.never_later))

    def _apply_or_log(self, action: Action) -> None:
        try:
            self.apply(action)
        except ActionRejected as err:  # the ticket moved on meanwhile (closed, say)
            workflow.logger.info("ticket %s: %s not applied: %s", self._state.number, action.kind, err.message)

    # --- messages ----------------------------------------------------------------------

    async def act(self, raw: dict[str, Any]) -> TicketView:
        update_id = workflow.current_update_info().id  # type: ignore[union-attr]  # an update handler always has one
        if update_id in self._updates:  # a retry from before a continue-as-new
            return self.view()
        action = _decode_or_fail(raw, self._state)
        try:
            self.apply(action)
        except ActionRejected as err:  # an update accepted with this one, on the same state, came first
            raise ApplicationError(err.message, type=err.type, non_retryable=True) from None
        self._updates.add(update_id)
        return self.view()

    def validate_act(self, raw: dict[str, Any]) -> None:
        if not self._ready or self._draining:
            # Not applied, nothing in the history: the API retries (same update id), and the
            # retry reaches this run once it is open, or the next one.
            raise ApplicationError(f"ticket {self._state.number} is "
                                   f"{'moving to a new run of its workflow' if self._draining else 'being opened'}; retry",
                                   type="TicketRunning", non_retryable=True)
        if workflow.current_update_info().id in self._updates:  # type: ignore[union-attr]  # an update handler always has one
            return  # a retry of an update applied in an earlier run: answered, whatever the status now
        try:
            lifecycle.check(self._state, _decode_or_fail(raw, self._state))
        except ActionRejected as err:
            raise ApplicationError(err.message, type=err.type, non_retryable=True) from None

    async def signalled(self, name: str, raw: Any) -> None:
        if not self._ready or self._draining:
            self._waiting.append(DeferredSignal(name=name, payload=raw))
            return
        self._inbox.take(name, raw)

    def view(self) -> TicketView:
        return self._state.view(sla.clock_views(self._state.sla, workflow.now()))


def _arrived_at(inp: TicketInput) -> datetime:
    """When the request arrived (the API's ledger time): its SLA clocks start then, not when a
    backlog let this workflow first run. Never later than now (the API's clock may run ahead)."""
    now = workflow.now()
    return min(inp.received_at, now) if inp.received_at is not None else now


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
