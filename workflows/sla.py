"""The SLA clocks of one ticket: pure, no Temporal import.

`observe` moves the clocks as the ticket changes (start, stop, pause, resume, restart);
`milestones` lists what is due and when (warnings, breach, escalation levels), from the
policy's targets, its calendar and the pauses; the workflow waits for the nearest one not
yet `done`. Everything is a function of data, so a replay computes the same times.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import cast

from workflows.business_time import add_business_time, business_seconds_between
from workflows.sla_types import RULES_PINNED_TERMS, Clock, ClockView, Milestone, SlaPolicyData, SlaState

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


def terms(sla: SlaState, clock: Clock) -> SlaPolicyData | None:
    """The policy `clock` runs under: the terms pinned to it, else the ticket's policy."""
    return clock.policy or sla.policy


def _pause_statuses(sla: SlaState) -> tuple[str, ...]:
    return tuple(sla.policy.pause_statuses) if sla.policy is not None else DEFAULT_PAUSE_STATUSES


def observe(sla: SlaState, status_from: str, status_to: str, now: datetime, *, answered: bool = False,
            customer_wrote: bool = False) -> SlaState:
    """The clocks after an action moved the ticket from `status_from` to `status_to`; it
    `answered` the customer (an agent's public reply), or the customer wrote
    (TicketAction.answers_customer, .customer_wrote)."""
    sla = copy.deepcopy(sla)
    if answered:
        for name in ("first_response", "next_response"):
            clock = current(sla, name)
            if clock is not None and clock.stopped_at is None:
                _stop(sla, clock, now)
    if customer_wrote:
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
            _stop(sla, clock, now)
    paused = _pause_statuses(sla)
    for clock in running(sla):
        is_paused = bool(clock.pauses) and clock.pauses[-1][1] is None
        if status_to in paused and not is_paused:
            clock.pauses.append([now, None])
        elif status_to not in paused and is_paused:
            clock.pauses[-1][1] = now
    _drop_superseded(sla)
    return sla


def _stop(sla: SlaState, clock: Clock, now: datetime) -> None:
    """Stop `clock`. Under rules 2 it keeps the terms it ran under: a later policy switch
    cannot make a met target look breached, nor a breached one look met."""
    clock.stopped_at = now
    if sla.rules >= RULES_PINNED_TERMS:
        clock.policy = terms(sla, clock)
    if clock.pauses and clock.pauses[-1][1] is None:
        clock.pauses[-1][1] = now


def _drop_superseded(sla: SlaState) -> None:
    """Keep only each clock's latest cycle: the history has the old ones."""
    latest = {c.name: c for c in sla.clocks}
    sla.clocks = [c for c in sla.clocks if latest[c.name] is c]


def milestones(sla: SlaState) -> list[Milestone]:
    """Every milestone of the running clocks, due time ascending (paused clocks have none)."""
    out: list[Milestone] = []
    for clock in running(sla):
        policy = terms(sla, clock)
        target = policy.target(clock.name) if policy is not None else None
        if policy is None or not target:
            continue
        prefix = f"{clock.name}#{clock.cycle}"

        def due(seconds: float, policy: SlaPolicyData = policy, clock: Clock = clock) -> datetime | None:
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
                # Once breached, the chain runs from the breach itself, so a late breach or a
                # new policy's targets do not move the later levels.
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


def mark_done(sla: SlaState, milestone: Milestone, now: datetime, team: str | None = None) -> SlaState:
    """`milestone` fired. A breach pins, under rules 2, the clock's terms and the team that held
    the ticket (`team`): the escalation chain then runs to its last level under the policy that
    was breached, and its team roles mean that team, whatever the levels change."""
    sla = copy.deepcopy(sla)
    sla.done.append(milestone.id)
    if milestone.kind == "breach":
        clock = current(sla, milestone.clock)
        if clock is not None and clock.cycle == milestone.cycle and clock.breached_at is None:
            # The clock breached when it was due, however late we noticed: escalation levels
            # count from there, so a late breach does not push the whole chain back.
            clock.breached_at = milestone.due_at
            if sla.rules >= RULES_PINNED_TERMS:
                clock.policy = terms(sla, clock)
                clock.breach_team = team
    return sla


def adopt_policy(sla: SlaState, policy: SlaPolicyData, now: datetime, *, never_later: bool = False) -> SlaState:
    """Switch to `policy` (new ticket, or its priority or category changed). Warnings and
    escalations the new targets put in the past are skipped, not fired late; a breach the
    new targets put in the past still fires, at once: the ticket is late by its new terms.

    Under rules 2 a breached clock keeps the terms it breached under, and with `never_later`
    (an escalation raised the priority) a clock the new policy would give a later due time
    keeps its stricter terms."""
    sla = copy.deepcopy(sla)
    if sla.rules >= RULES_PINNED_TERMS:
        for clock in running(sla):
            if clock.breached_at is not None:
                continue
            kept = terms(sla, clock)
            later = kept is not None and _compare_due(policy, kept, clock, now) > 0
            clock.policy = kept if never_later and later else None
    sla.policy = policy
    done = set(sla.done)
    for m in milestones(sla):
        if m.due_at <= now and m.kind != "breach" and m.id not in done:
            sla.done.append(m.id)
    return sla


def _due_if_resumed(policy: SlaPolicyData | None, clock: Clock, now: datetime) -> datetime | None:
    """`clock`'s due time under `policy`, a pause in progress taken as ending now (so paused
    clocks compare too); None without a target."""
    target = policy.target(clock.name) if policy is not None else None
    if policy is None or not target:
        return None
    pauses = [[start, end if end is not None else max(now, cast(datetime, start))] for start, end in clock.pauses]
    return add_business_time(policy.calendar, clock.started_at, target, pauses)


def _compare_due(new: SlaPolicyData | None, old: SlaPolicyData | None, clock: Clock, now: datetime) -> int:
    """1 if `new` gives `clock` a later due time than `old` (or takes its target away), -1 if
    earlier (or gives it one), 0 if the same."""
    a, b = _due_if_resumed(new, clock, now), _due_if_resumed(old, clock, now)
    if a == b:
        return 0
    if a is None or b is None:
        return 1 if a is None else -1
    return 1 if a > b else -1


def due_changes(before: SlaState, after: SlaState, now: datetime) -> list[dict[str, str | bool | None]]:
    """How a policy switch moved each running clock's due time: what the history records, so
    that a due time moved later is never silent."""
    out: list[dict[str, str | bool | None]] = []
    old = {c.name: c for c in running(before)}
    for clock in running(after):
        prev = old.get(clock.name)
        if prev is None or prev.cycle != clock.cycle:
            continue
        a = _due_if_resumed(terms(before, prev), prev, now)
        b = _due_if_resumed(terms(after, clock), clock, now)
        if a != b:
            out.append({"clock": clock.name, "from": a.isoformat() if a else None, "to": b.isoformat() if b else None,
                        "later": _compare_due(terms(after, clock), terms(before, prev), clock, now) > 0})
    return out


def prune_done(sla: SlaState) -> SlaState:
    """Forget milestone ids of cycles that are over, so the list stays short on long tickets."""
    live = {f"{c.name}#{c.cycle}:" for c in sla.clocks}
    sla = copy.deepcopy(sla)
    sla.done = [d for d in sla.done if any(d.startswith(p) for p in live)]
    return sla


def _due(policy: SlaPolicyData | None, clock: Clock) -> datetime | None:
    target = policy.target(clock.name) if policy else None
    if not target or policy is None:
        return None
    return add_business_time(policy.calendar, clock.started_at, target, clock.pauses)


def clock_views(sla: SlaState, now: datetime) -> list[ClockView]:
    views = []
    for clock in sla.clocks:
        policy = terms(sla, clock)
        target = policy.target(clock.name) if policy is not None else None
        if policy is None or not target:
            continue
        end = clock.stopped_at or now
        elapsed = business_seconds_between(policy.calendar, clock.started_at, end, clock.pauses)
        paused = bool(clock.pauses) and clock.pauses[-1][1] is None
        # A breached clock keeps the due time it breached at, whatever changed since.
        due = clock.breached_at or _due(policy, clock)
        breached = clock.breached_at is not None or elapsed > target
        views.append(ClockView(name=clock.name, cycle=clock.cycle, target_seconds=target, started_at=clock.started_at,
                               due_at=due, remaining_seconds=int(target - elapsed), paused=paused, breached=breached,
                               stopped_at=clock.stopped_at))
    return views


def status(sla: SlaState, now: datetime) -> str | None:
    """ok | at_risk | breached for the ticket's current clock cycles; None without a policy."""
    if sla.policy is None and not any(c.policy for c in sla.clocks):
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
