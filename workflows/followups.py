"""What an action leaves to do once its events are written: pure, no Temporal import.

TicketV2 applies an action at once (the reducer) and answers; the work that needs the world —
routing again, a new SLA policy, the queues an agent's freed capacity may serve, other tickets
to tell — waits in the ticket's batch as one of these, and its loop carries them out, in order,
after the batch's events and notices are written (workflows/ticket_v2.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.activity_io import NotifyInput
from workflows.messages import Action, Actor, Merge, SetCategory, SlaMilestoneReached, SlaPolicyLoaded, Split, TicketState

DONE = ("resolved", "closed")


@dataclass(frozen=True)
class Reroute:
    """Route again (inside `team` when set). `notices` wait for the new assignee: they are
    recorded once the ticket is routed (an escalation level's notices)."""

    why: str
    team: str | None = None
    notices: list[NotifyInput] = field(default_factory=list)
    only_queued: bool = False  # only if the ticket still waits unassigned in its queue by then


@dataclass(frozen=True)
class ReloadPolicy:
    why: str
    never_later: bool = False  # an escalation raised the priority: no clock may loosen


@dataclass(frozen=True)
class Dispatch:
    """`agent` lost this ticket: tickets queued in their teams may go to them."""

    agent: str
    why: str


@dataclass(frozen=True)
class StartChildren:
    split: Split


@dataclass(frozen=True)
class TellPrimary:
    merge: Merge


@dataclass(frozen=True)
class TellParent:
    """The parent hears the status this ticket had right after the action."""

    actor: Actor
    status: str


FollowUp = Reroute | ReloadPolicy | Dispatch | StartChildren | TellPrimary | TellParent


def after(before: TicketState, after: TicketState, action: Action) -> list[FollowUp]:
    """The follow-ups of one applied action, in the order they are carried out."""
    out: list[FollowUp] = []
    if isinstance(action, Split):
        out.append(StartChildren(action))
    if isinstance(action, Merge):
        out.append(TellPrimary(action))
    if after.status != before.status and after.parent is not None:
        out.append(TellParent(action.actor, after.status))
    if before.assignee is not None and before.status not in DONE and (
            after.assignee != before.assignee or after.status in DONE):
        out.append(Dispatch(before.assignee, "handed over" if after.assignee != before.assignee else after.status))
    # A ticket nobody owns follows its category: route again when the category changes.
    if isinstance(action, SetCategory) and after.assignee is None and before.category != after.category:
        out.append(Reroute("category changed"))
    # The SLA policy depends on priority and category: look it up again when they change.
    if not isinstance(action, SlaPolicyLoaded) and (before.priority, before.category) != (after.priority, after.category):
        if isinstance(action, SlaMilestoneReached):
            out.append(ReloadPolicy("escalation raised the priority", never_later=True))
        else:
            out.append(ReloadPolicy("priority changed" if before.priority != after.priority else "category changed"))
    return out


def merged(queue: list[FollowUp]) -> list[FollowUp]:
    """`queue` with repeated policy lookups folded into the last one (it sees the ticket as it
    is by then), keeping `never_later` if any of them had it."""
    reloads = [f for f in queue if isinstance(f, ReloadPolicy)]
    if len(reloads) < 2:
        return list(queue)
    last = ReloadPolicy(reloads[-1].why, never_later=any(f.never_later for f in reloads))
    out: list[FollowUp] = [f for f in queue if not isinstance(f, ReloadPolicy)]
    return out + [last]
