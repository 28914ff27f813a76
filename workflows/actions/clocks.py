"""The SLA clocks' own events: a policy adopted (or none), a milestone come due. The clocks'
arithmetic is workflows/sla.py's; the timers that fire the milestones are workflows/timers.py's."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from workflows import sla
from workflows.actions.base import NOT_CLOSED, TicketAction, stays
from workflows.records import Actor, TicketState
from workflows.sla_types import RULES_PINNED_TERMS, EscalationLevel, Milestone, SlaPolicyData, SlaState
from workflows.vocabulary import PRIORITIES


@dataclass(frozen=True)
class SlaPolicyLoaded(TicketAction):
    actor: Actor
    policy: SlaPolicyData | None  # None: no policy matches; the clocks run without targets
    tier: str | None = None  # the requester's customer tier, as the policy lookup saw it
    reason: str = ""
    # An escalation raised the priority: a clock the new policy would give a later due time
    # keeps its terms (an escalation never loosens a clock).
    never_later: bool = False
    kind: Literal["sla_policy"] = "sla_policy"

    moves = stays(*NOT_CLOSED)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        before = new.sla
        if self.policy is None:
            new.sla = dataclasses.replace(new.sla, policy=None)
            new.sla_policy = None
            return {"policy": None, "tier": self.tier, "reason": self.reason} | _dues(before, new.sla, now)
        new.sla = sla.adopt_policy(new.sla, self.policy, now, never_later=self.never_later)
        new.sla_policy = self.policy.name
        p = self.policy
        return {"policy": p.name, "version": p.version, "tier": self.tier, "reason": self.reason,
                "calendar": p.calendar.name, "targets": {"first_response": p.first_response_seconds,
                                                         "next_response": p.next_response_seconds,
                                                         "resolution": p.resolution_seconds}} | _dues(before, new.sla, now)


def _dues(before: SlaState, after: SlaState, now: datetime) -> dict[str, Any]:
    """What a policy switch did to the running clocks' due times (rules 2): each moved due
    time, the ones moved later named apart, and the clocks that kept their own terms."""
    if after.rules < RULES_PINNED_TERMS:
        return {}
    out: dict[str, Any] = {}
    if changes := sla.due_changes(before, after, now):
        out["dues"] = changes
        if later := [c["clock"] for c in changes if c["later"]]:
            out["due_later"] = later
    # The clocks that still run under terms of their own: breached under them, or kept because
    # the new ones were looser and an escalation caused the switch.
    if kept := {c.name: {"policy": c.policy.name, "why": "breached" if c.breached_at else "stricter"}
                for c in sla.running(after) if c.policy is not None}:
        out["kept_terms"] = kept
    return out


@dataclass(frozen=True)
class SlaMilestoneReached(TicketAction):
    """A warning, breach or escalation came due: `fired_at - milestone.due_at` is its lateness."""

    actor: Actor
    milestone: Milestone
    fired_at: datetime
    kind: Literal["sla_milestone"] = "sla_milestone"

    moves = stays(*NOT_CLOSED)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        m = self.milestone
        new.sla = sla.mark_done(new.sla, m, self.fired_at, team=new.team)
        data: dict[str, Any] = {
            "milestone": m.id, "clock": m.clock, "cycle": m.cycle, "kind": m.kind, "n": m.n,
            "due_at": m.due_at.isoformat(), "fired_at": self.fired_at.isoformat(),
            "lateness_ms": round((self.fired_at - m.due_at).total_seconds() * 1000),
        }
        if (policy := milestone_terms(new, m)) is not None and new.sla.rules >= RULES_PINNED_TERMS:
            data["policy"] = policy.name
        level = escalation_level(new, m)
        if level is not None:
            if level.raise_priority and new.priority != PRIORITIES[-1]:
                data["priority"] = {"from": new.priority, "to": PRIORITIES[PRIORITIES.index(new.priority) + 1]}
                new.priority = data["priority"]["to"]
            if level.reassign_team or level.reassign_agent:
                data["reassigned"] = {"from": {"team": new.team, "assignee": new.assignee},
                                      "team": level.reassign_team or new.team, "assignee": level.reassign_agent}
                new.team = level.reassign_team or new.team
                new.assignee = level.reassign_agent
        return data


def milestone_terms(state: TicketState, m: Any) -> SlaPolicyData | None:
    """The policy a milestone of `state` comes from: its clock's terms."""
    clock = sla.current(state.sla, m.clock)
    if clock is None or clock.cycle != m.cycle:
        return state.sla.policy
    return sla.terms(state.sla, clock)


def escalation_level(state: TicketState, m: Any) -> EscalationLevel | None:
    """The escalation level an escalation milestone stands for, under its clock's terms
    (None for other kinds)."""
    policy = milestone_terms(state, m)
    if m.kind != "escalation" or policy is None:
        return None
    return next((lv for lv in policy.escalations if lv.level == m.n), None)


def milestone_team(state: TicketState, m: Any) -> str | None:
    """The team whose roles (team_lead, manager, team) a milestone's notice reaches: for an
    escalation, the team that held the ticket when its clock breached (rules 2); otherwise
    the ticket's team now."""
    clock = sla.current(state.sla, m.clock)
    if m.kind == "escalation" and clock is not None and clock.cycle == m.cycle and clock.breach_team is not None:
        return clock.breach_team
    return state.team
