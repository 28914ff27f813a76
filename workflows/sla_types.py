"""SLA data that crosses boundaries: the policy and calendar an activity loads, the clocks a
ticket carries (through continue-as-new too), and what the view shows. Plain dataclasses;
times are timezone-aware UTC datetimes, durations are whole seconds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CLOCKS = ("first_response", "next_response", "resolution")
NOTIFY_ROLES = ("assignee", "team", "team_lead", "manager")


@dataclass
class Calendar:
    """Business hours as data, so the maths never reads the clock or a file in a workflow.

    `hours[weekday]` (0 = Monday) lists [start, end) minutes of the local day; `holidays`
    are local ISO dates; `offsets` are [utc_epoch_seconds, utc_offset_seconds] pairs, sorted,
    each in force from its instant on (computed from the time-zone database by the activity
    that loads the calendar, for a horizon of a few years)."""

    name: str = "24x7"
    timezone: str = "UTC"
    always_open: bool = True
    hours: list[list[list[int]]] = field(default_factory=lambda: [[] for _ in range(7)])
    holidays: list[str] = field(default_factory=list)
    offsets: list[list[int]] = field(default_factory=list)


@dataclass
class SlaWarning:
    percent: int  # of the target, 1..99
    notify: list[str] = field(default_factory=lambda: ["assignee"])


@dataclass
class EscalationLevel:
    """What happens `after_minutes` of business time past a breach."""

    level: int
    after_minutes: int = 0
    notify: list[str] = field(default_factory=list)  # roles (NOTIFY_ROLES) or e-mail addresses
    reassign_team: str | None = None
    reassign_agent: str | None = None
    raise_priority: bool = False


@dataclass
class SlaPolicyData:
    name: str
    first_response_seconds: int | None
    next_response_seconds: int | None
    resolution_seconds: int | None
    calendar: Calendar = field(default_factory=Calendar)
    pause_statuses: list[str] = field(default_factory=lambda: ["pending"])
    warnings: list[SlaWarning] = field(default_factory=list)
    escalations: list[EscalationLevel] = field(default_factory=list)
    version: int = 0  # the policy row's revision: a change re-plans the clocks
    # After resolving: how long to wait for the customer's confirmation before closing (calendar
    # time); after closing: how long the satisfaction survey stays open.
    confirm_within_seconds: int = 3 * 86400
    survey_within_seconds: int = 7 * 86400

    def target(self, clock: str) -> int | None:
        return {"first_response": self.first_response_seconds, "next_response": self.next_response_seconds,
                "resolution": self.resolution_seconds}[clock]


@dataclass
class Clock:
    """One SLA clock's current cycle. A cycle restarts the clock (next response after each
    customer reply, resolution after a reopen); milestones are per cycle."""

    name: str
    cycle: int
    started_at: datetime
    stopped_at: datetime | None = None
    # [start, end] pairs; end None while the pause lasts.
    pauses: list[list[datetime | None]] = field(default_factory=list)
    breached_at: datetime | None = None
    # The terms this clock runs under when they are not the ticket's current policy (rules 2):
    # the policy it breached under (its escalation chain runs to the end under it), or the
    # stricter policy it kept when an escalation's priority raise would have loosened it.
    policy: SlaPolicyData | None = None
    # The team that held the ticket when this clock breached: its escalation levels' team
    # roles (team_lead, manager, team) are resolved against it.
    breach_team: str | None = None


# The SLA rules a ticket runs under. 1: the clocks follow the ticket's current policy, breached
# or not (histories from before the patch `pinned-sla-terms`). 2: a breached clock keeps the
# policy it breached under; a switch never loosens a clock because an escalation raised the
# priority, and any switch that moves a due time later records it.
RULES_FOLLOW_POLICY = 1
RULES_PINNED_TERMS = 2


@dataclass
class SlaState:
    policy: SlaPolicyData | None = None
    clocks: list[Clock] = field(default_factory=list)
    # Milestone ids that fired (or were skipped because a new policy put them in the past).
    done: list[str] = field(default_factory=list)
    rules: int = RULES_FOLLOW_POLICY


@dataclass
class Milestone:
    id: str  # "<clock>#<cycle>:<kind>:<n>"
    clock: str
    cycle: int
    kind: str  # warning | breach | escalation
    n: int  # percent for warnings, level for escalations, 100 for the breach
    due_at: datetime


@dataclass
class ClockView:
    name: str
    cycle: int
    target_seconds: int
    started_at: datetime
    due_at: datetime | None  # None while paused
    remaining_seconds: int | None  # business seconds left; negative once breached
    paused: bool
    breached: bool
    stopped_at: datetime | None
