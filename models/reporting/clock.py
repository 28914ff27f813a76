"""How long a ticket took, for the reports: business time on its calendar, minus the time its
SLA clocks were paused. Pure: no database, no clock, no time-zone database.

The rule is the SLA clocks' own (workflows/sla.py, `observe`): while the ticket's status is one
of its policy's pause statuses (`pending`, waiting on the customer, by default) every running
clock is paused, the first-response clock as well as the resolution clock. The report's spans
run from the ticket's creation to its first response and to its resolution; the pauses come
from the status changes the read model keeps (ticket_events), and the subtraction is done by
the same function the SLA clocks use (`business_seconds_between` with pauses), so a pause
partly outside business hours takes away only its business part.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from workflows.business_time import business_seconds_between
from workflows.sla import DEFAULT_PAUSE_STATUSES
from workflows.sla_types import Calendar

# [start, end): end None while the pause lasts (the ticket is still waiting).
Pause = tuple[datetime, datetime | None]


def pause_statuses(policy_statuses: Collection[str] | None) -> tuple[str, ...]:
    """The statuses that pause a ticket's clocks: its policy's, or `pending` for a ticket
    without a policy (the clocks run without one too) or with an empty list, as the SLA
    activity loads it (activities/sla_policy.py)."""
    return tuple(policy_statuses) if policy_statuses else DEFAULT_PAUSE_STATUSES


def pauses_from_events(events: Iterable[tuple[datetime, str | None]], paused_in: Collection[str],
                       initial: str = "new") -> list[Pause]:
    """The pause intervals of one ticket from its events after creation, in seq order, each
    (at, status after it or None if unchanged). As in `observe`: after each event, a clock
    that is not paused pauses if the status is a pause status, and a paused one resumes if it
    is not; moving between two pause statuses (on_hold -> pending, when both pause) keeps one
    pause. The result is sorted and disjoint; only the last pause may be open (end None)."""
    status = initial
    since: datetime | None = None
    out: list[Pause] = []
    for at, status_to in events:
        if status_to is not None:
            status = status_to
        if status in paused_in and since is None:
            since = at
        elif status not in paused_in and since is not None:
            out.append((since, at))
            since = None
    if since is not None:
        out.append((since, None))
    return out


def merged(pauses: Iterable[Pause]) -> list[Pause]:
    """The union of pauses as sorted, disjoint intervals (an open one last), so nested,
    overlapping or repeated pauses are subtracted once. Empty or reversed intervals are
    dropped. Needed: `business_seconds_between` takes the SLA clocks' own pauses, which are
    disjoint by construction; it cannot sort an open pause against a closed one that starts at
    the same instant, and would count a reversed interval twice."""
    pauses = list(pauses)
    open_from = min((a for a, b in pauses if b is None), default=None)
    out: list[list[datetime | None]] = []
    for a, b in sorted((a, b) for a, b in pauses if b is not None and b > a):
        if open_from is not None and a >= open_from:
            break  # inside the open pause, which takes everything after its start
        if out and a <= out[-1][1]:  # type: ignore[operator]  # closed pauses only in `out` until the open one is added below
            out[-1][1] = max(out[-1][1], b)  # type: ignore[type-var]  # closed pauses only in `out` until the open one is added below
        else:
            out.append([a, b])
    if open_from is not None:
        if out and out[-1][1] >= open_from:  # type: ignore[operator]  # the last one is still a closed pause here
            out[-1][1] = None  # the last closed pause runs into the open one
        else:
            out.append([open_from, None])
    return [(a, b) for a, b in out]  # type: ignore[misc]  # lists of two, as tuples


def active_seconds(cal: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> float:
    """Business seconds from start to end on `cal` outside every pause (0 if end is not after
    start). Pauses may begin before start or end after end: only their part inside the span,
    and of that only the business part, is taken away."""
    return business_seconds_between(cal, start, end, [[a, b] for a, b in merged(pauses)])
