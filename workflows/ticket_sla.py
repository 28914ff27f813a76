"""The ticket's SLA timers: one durable timer for the nearest milestone, re-planned when
the clocks change; due milestones fire together, then their reassignments and notices.

A mixin of TicketV1 (workflows/ticket_v1.py), which owns the state, the lock and the
reducer; this part only decides when to call them.
"""

from __future__ import annotations

import asyncio
import dataclasses

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.ticket_v1_steps import TicketV1Steps
    from workflows import sla, timers
    from workflows.actions import clocks
    from workflows.activity_io import NotifyInput, NotifyResult
    from workflows.local import PROJECTION_RETRY, ticket_activity
    from workflows.messages import NOTIFY_ACTIVITY, SYSTEM, SlaMilestoneReached, TicketState
    from workflows.sla_types import EscalationLevel


class SlaTimers(TicketV1Steps):
    # Provided by TicketWorkflow, with _reduce, _project, _route and _load_policy.
    _state: TicketState
    _lock: asyncio.Lock
    _sla_version: int

    # --- SLA timers ------------------------------------------------------------------

    async def _sla_timers(self) -> None:
        """Wait for the nearest SLA milestone with one durable timer; re-plan whenever the
        clocks change (status, priority, policy) instead of polling."""
        while self._state.status != "closed":
            version = self._sla_version
            milestone = sla.next_milestone(self._state.sla)
            changed = lambda: self._sla_version != version or self._state.status == "closed"  # noqa: E731  # a named condition for wait_condition, read where it is used
            if milestone is None:
                await workflow.wait_condition(changed)
                continue
            delay = (milestone.due_at - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(
                        changed, timeout=delay,
                        timeout_summary=f"SLA {milestone.clock.replace('_', ' ')} {milestone.kind} "
                                        f"{timers.label(milestone)} due {milestone.due_at:%Y-%m-%d %H:%M:%S} UTC")
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
        told: list[NotifyInput] = []
        reroutes: list[EscalationLevel] = []
        while (m := sla.next_milestone(self._state.sla)) is not None and m.due_at <= now:
            level = clocks.escalation_level(self._state, m)  # under the terms of the clock that breached
            recipients = timers.recipients(self._state, m, level)
            seq = await self._reduce(SlaMilestoneReached(actor=SYSTEM, milestone=m, fired_at=now), project=False)
            if level is not None and level.reassign_team and not level.reassign_agent:
                reroutes.append(level)
            if recipients:
                # Who the team roles mean is settled now, before any reassignment (the team
                # that held the ticket when its clock breached, for an escalation).
                told.append(timers.notice(self._state, m, seq, recipients, clocks.milestone_team(self._state, m)))
        await self._project()
        for level in reroutes:
            await self._route(f"escalation level {level.level}", team=level.reassign_team)
        if (before.priority, before.category) != (self._state.priority, self._state.category):
            await self._load_policy("escalation raised the priority", never_later=True)
        if self._batched():
            # One commit, after the reassignments: the assignee told is the one who has it now.
            return await self._commit([dataclasses.replace(n, assignee=self._state.assignee) for n in told])
        for notice in told:  # in order, so the outbox reads in the order things happened
            await ticket_activity(NOTIFY_ACTIVITY, dataclasses.replace(notice, assignee=self._state.assignee),
                                 result_type=NotifyResult, retry=PROJECTION_RETRY,
                                 summary=f"notify sla {notice.data['kind']} {notice.data['label']}")

