"""The SLA clocks of one ticket: pure, no Temporal import.

`observe` moves the clocks as the ticket changes (start, stop, pause, resume, restart);
`milestones` lists what is due and when (warnings, breach, escalation levels), from the
policy's targets, its calendar and the pauses; the workflow waits for the nearest one not
yet `done`. Everything is a function of data, so a replay computes the same times.
"""

from __future__ import annotations

import copy
from datetime import datetime

from workflows.business_time import add_business_time, business_seconds_between
from workflows.sla_types import Clock, ClockView, Milestone, SlaPolicyData, SlaState

DEFAULT_PAUSE_STATUSES = ("pending",)


def new_sla(now: datetime) -> SlaState:
    """A new ticket: first response and resolution clocks run from its creation."""
    return SlaState(clocks=[Clock(name="first_response", cycle=0, started_at=now),
                            Clock(name="resolution", cycle=0, started_at=now)])


def current(sla: SlaState, name: str) -> Clock | None:
    found = [c for c in sla.clocks if c.name == name]
    return found[-1] if found else None


def running(sla: SlaState) -> list[Clock]:
    return [c for c in sla.clocks if c.stopped_at is None]


def _pause_statuses(sla: SlaState) -> tuple[str, ...]:
    return tuple(sla.policy.pause_statuses) if sla.policy is not None else DEFAULT_PAUSE_STATUSES


def observe(sla: SlaState, kind: str, status_from: str, status_to: str, now: datetime) -> SlaState:
    """The clocks after an action of `kind` moved the ticket from `status_from` to `status_to`."""
    sla = copy.deepcopy(sla)
    if kind == "reply":  # a public agent reply answers the customer
        for name in ("first_response", "next_response"):
            clock = current(sla, name)
            if clock is not None and clock.stopped_at is None:
                _stop(clock, now)
    if kind == "customer_reply":
        first = current(sla, "first_response")
        nxt = current(sla, "next_response")
        answered = first is not None and first.stopped_at is not None
        if answered and (nxt is None or nxt.stopped_at is not None) and status_to != "resolved":
            sla.clocks.append(Clock(name="next_response", cycle=(nxt.cycle + 1) if nxt else 0, started_at=now))
    if status_from == "resolved" and status_to not in ("resolved", "closed"):
        # Reopened: the resolution clock starts over.
        last = current(sla, "resolution")
        sla.clocks.append(Clock(name="resolution", cycle=(last.cycle + 1) if last else 0, started_at=now))
    if status_to in ("resolved", "closed"):
        for clock in running(sla):
            _stop(clock, now)
    paused = _pause_statuses(sla)
    for clock in running(sla):
        is_paused = bool(clock.pauses) and clock.pauses[-1][1] is None
        if status_to in paused and not is_paused:
            clock.pauses.append([now, None])
        elif status_to not in paused and is_paused:
            clock.pauses[-1][1] = now
    _drop_superseded(sla)
    return sla


def _stop(clock: Clock, now: datetime) -> None:
    clock.stopped_at = now
    if clock.pauses and clock.pauses[-1][1] is None:
        clock.pauses[-1][1] = now


def _drop_superseded(sla: SlaState) -> None:
    """Keep only each clock's latest cycle: the history has the old ones."""
    latest = {c.name: c for c in sla.clocks}
    sla.clocks = [c for c in sla.clocks if latest[c.name] is c]


def milestones(sla: SlaState) -> list[Milestone]:
    """Every milestone of the running clocks, due time ascending (paused clocks have none)."""
    policy = sla.policy
    if policy is None:
        return []
    out: list[Milestone] = []
    for clock in running(sla):
        target = policy.target(clock.name)
        if not target:
            continue
        prefix = f"{clock.name}#{clock.cycle}"

        def due(seconds: float) -> datetime | None:
            return add_business_time(policy.calendar, clock.started_at, seconds, clock.pauses)

        for w in policy.warnings if clock.breached_at is None else []:
            at = due(target * w.percent / 100)
            if at is not None:
                out.append(Milestone(f"{prefix}:warning:{w.percent}", clock.name, clock.cycle, "warning", w.percent, at))
        at = due(target)
        if at is not None:
            out.append(Milestone(f"{prefix}:breach:100", clock.name, clock.cycle, "breach", 100, at))
        for level in policy.escalations:
            if clock.breached_at is not None:
                # Once breached, the chain runs from the breach itself, so a policy change
                # (say, level 1 raised the priority) does not move or drop the later levels.
                at = add_business_time(policy.calendar, clock.breached_at, level.after_minutes * 60, clock.pauses)
            else:
                at = due(target + level.after_minutes * 60)
            if at is not None:
                out.append(Milestone(f"{prefix}:escalation:{level.level}", clock.name, clock.cycle, "escalation", level.level, at))
    # Breach before its level-1 escalation when both fall at the same instant.
    order = {"warning": 0, "breach": 1, "escalation": 2}
    return sorted(out, key=lambda m: (m.due_at, order[m.kind], m.n, m.id))


def next_milestone(sla: SlaState) -> Milestone | None:
    done = set(sla.done)
    return next((m for m in milestones(sla) if m.id not in done), None)


def mark_done(sla: SlaState, milestone: Milestone, now: datetime) -> SlaState:
    sla = copy.deepcopy(sla)
    sla.done.append(milestone.id)
    if milestone.kind == "breach":
        clock = current(sla, milestone.clock)
        if clock is not None and clock.cycle == milestone.cycle and clock.breached_at is None:
            # The clock breached when it was due, however late we noticed: escalation levels
            # count from there, so a late breach does not push the whole chain back.
            clock.breached_at = milestone.due_at
    return sla


def adopt_policy(sla: SlaState, policy: SlaPolicyData, now: datetime) -> SlaState:
    """Switch to `policy` (new ticket, or its priority or category changed). Warnings and
    escalations the new targets put in the past are skipped, not fired late; a breach the
    new targets put in the past still fires, at once: the ticket is late by its new terms."""
    sla = copy.deepcopy(sla)
    sla.policy = policy
    done = set(sla.done)
    for m in milestones(sla):
        if m.due_at <= now and m.kind != "breach" and m.id not in done:
            sla.done.append(m.id)
    return sla


def prune_done(sla: SlaState) -> SlaState:
    """Forget milestone ids of cycles that are over, so the list stays short on long tickets."""
    live = {f"{c.name}#{c.cycle}:" for c in sla.clocks}
    sla = copy.deepcopy(sla)
    sla.done = [d for d in sla.done if any(d.startswith(p) for p in live)]
    return sla


def _due(sla: SlaState, clock: Clock) -> datetime | None:
    target = sla.policy.target(clock.name) if sla.policy else None
    if not target or sla.policy is None:
        return None
    return add_business_time(sla.policy.calendar, clock.started_at, target, clock.pauses)


def clock_views(sla: SlaState, now: datetime) -> list[ClockView]:
    views = []
    if sla.policy is None:
        return views
    for clock in sla.clocks:
        target = sla.policy.target(clock.name)
        if not target:
            continue
        end = clock.stopped_at or now
        elapsed = business_seconds_between(sla.policy.calendar, clock.started_at, end, clock.pauses)
        paused = bool(clock.pauses) and clock.pauses[-1][1] is None
        due = _due(sla, clock)
        breached = clock.breached_at is not None or elapsed > target
        views.append(ClockView(name=clock.name, cycle=clock.cycle, target_seconds=target, started_at=clock.started_at,
                               due_at=due, remaining_seconds=int(target - elapsed), paused=paused, breached=breached,
                               stopped_at=clock.stopped_at))
    return views


def status(sla: SlaState, now: datetime) -> str | None:
    """ok | at_risk | breached for the ticket's current clock cycles; None without a policy."""
    if sla.policy is None:
        return None
    views = clock_views(sla, now)
    if any(v.breached for v in views):
        return "breached"
    done = set(sla.done)
    for clock in running(sla):
        if any(d.startswith(f"{clock.name}#{clock.cycle}:warning:") for d in done):
            return "at_risk"
    return "ok"


def next_breach_at(sla: SlaState) -> datetime | None:
    """The earliest breach due among the running, unpaused, not yet breached clocks."""
    dues = [m.due_at for m in milestones(sla) if m.kind == "breach" and m.id not in set(sla.done)]
    return min(dues) if dues else None
