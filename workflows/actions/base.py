"""What every ticket action declares, next to its data: where it may be taken from, what it
checks, what it changes, and who hears of it. Pure, no Temporal import.

An action is a frozen dataclass deriving from `TicketAction` (or `AgentAction`, for those the
agents take through the `act` update and the API's `POST /tickets/{n}/actions`). Defining the
class registers it under its `kind`, the discriminator on the wire; `workflows/lifecycle.py`
runs the registered rules and knows no action by name.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from workflows.activity_io import NotifyInput
from workflows.records import Actor, TicketState
from workflows.vocabulary import ACTIVE_STATUSES, Status

# (No `from __future__ import annotations` in these modules: see workflows/records.py.)

# Status sets the transition rows are written with.
ACTIVE: tuple[str, ...] = ACTIVE_STATUSES
NOT_CLOSED: tuple[str, ...] = (*ACTIVE_STATUSES, Status.RESOLVED.value)


def stays(*statuses: str) -> dict[str, str | None]:
    """A transition row for an action that leaves the status as it is."""
    return {s: None for s in statuses}


def leads(to: str, *statuses: str) -> dict[str, str | None]:
    """A transition row for an action that moves each of `statuses` to `to`."""
    return {s: to for s in statuses}


# Every action class by its kind, as defined (workflows/actions/__init__.py orders them).
REGISTRY: dict[str, type["TicketAction"]] = {}


class TicketAction:
    """Something that happens to a ticket and becomes one event of its history.

    Subclasses are frozen dataclasses with an `actor` and a `kind: Literal[...] = "..."` field;
    the class attributes and methods below are their rules (not fields: nothing of them is on
    the wire)."""

    actor: Actor
    kind: str

    # The statuses the action may be taken from, each with the status it leads to (None: the
    # status stays). This row is the state machine's; property tests check that `apply`
    # never makes a transition that is not in it.
    moves: ClassVar[Mapping[str, str | None]]
    # Agents take it through the `act` update; the API derives its request body from the
    # dataclass (api/tickets/actions.py), with `example` as the body its docs show.
    by_agent: ClassVar[bool] = False
    example: ClassVar[Mapping[str, Any] | None] = None
    # How the ticket closed, when this action closes it (TicketState.closed_reason).
    closes_as: ClassVar[str] = "closed"
    # What the action does to the SLA clocks beyond its status change (workflows/sla.observe).
    answers_customer: ClassVar[bool] = False  # stops the response clocks (an agent's public reply)
    customer_wrote: ClassVar[bool] = False  # starts a next-response clock when the last was answered
    # Whether the customer is told of the status it leads to (workflows/notices.status_notices).
    tells_status: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is None:  # an intermediate base, such as AgentAction
            return
        if kind in REGISTRY and REGISTRY[kind].__qualname__ != cls.__qualname__:
            raise TypeError(f"action kind {kind!r} is declared twice: {REGISTRY[kind]} and {cls}")
        if not hasattr(cls, "moves"):
            raise TypeError(f"action {cls.__qualname__} declares no transition row (moves)")
        REGISTRY[kind] = cls

    def check(self, state: TicketState) -> None:
        """Raise ActionRejected if the action's own fields make it invalid for `state`
        (the status was checked against `moves` already)."""

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        """Change the fields the action sets on `new` (a copy, before the status moves and the
        sequence number is taken; the event's seq is `new.last_seq + 1`). Returns what the
        event records."""
        return {}

    def notices(self, before: TicketState, after: TicketState, seq: int) -> list[NotifyInput]:
        """Who hears about it besides the status notice (workflows/notices.py filters out the
        requester's on a ticket without a customer)."""
        return []

    def steps(self, state: TicketState) -> list["TicketAction"] | None:
        """A composite action (a macro's reply with what it sets) returns the actions it is
        made of, for `state`. `lifecycle.check` checks each on the ticket as the ones before it
        leave it, and `lifecycle.apply` applies them in turn as one action, one event each: all
        land or none. Its `notices` are its steps'; its follow-ups follow from the fields the
        steps changed. None (every other action): the action applies itself."""
        return None


def is_composite(cls: type[TicketAction]) -> bool:
    """Whether an action class is made of steps (TicketAction.steps): it has no transition row
    of its own in the status table, its steps have theirs."""
    return cls.steps is not TicketAction.steps


class AgentAction(TicketAction):
    """An action an agent takes (the `act` update, the API's actions endpoint)."""

    by_agent = True
