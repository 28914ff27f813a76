"""What the parts of TicketV2 (its timers, its inbox of signals) may do to the ticket: read its
state, apply an action through the one reducer, and queue work for the ticket's loop. A typed
view, so no part reaches into attributes it does not declare."""

from __future__ import annotations

from typing import Protocol

from workflows.activity_io import NotifyInput
from workflows.followups import FollowUp
from workflows.messages import Action, TicketState


class Ticket(Protocol):
    @property
    def state(self) -> TicketState: ...

    @property
    def sla_version(self) -> int:
        """Bumped whenever the SLA clocks change: a timer re-plans when it moves."""
        ...

    def apply(self, action: Action) -> int:
        """Apply `action` now (raises ActionRejected); its events, notices and follow-ups join
        the ticket's batch. Returns its event's seq."""
        ...

    def queue(self, notices: list[NotifyInput], followup: FollowUp | None = None) -> None:
        """Notices to record with the batch; a follow-up to run after it."""
        ...
