"""Where the work stands: waiting on the customer or a third party, back to work, resolved,
reopened, closed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal

from workflows.actions.base import ACTIVE, AgentAction, leads
from workflows.actions.relations import refuse_with_open_children
from workflows.records import MAX_BODY_CHARS, Actor, TicketState
from workflows.validation import check_length, require_text


class _WithReason(AgentAction):
    """An action with an optional reason: checked for length, recorded when given."""

    reason: str

    def check(self, state: TicketState) -> None:
        check_length("reason", self.reason)

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        return {"reason": self.reason} if self.reason else {}


@dataclass(frozen=True)
class Pend(_WithReason):
    """Wait on the customer: the SLA clocks pause (unless the policy says otherwise)."""

    actor: Actor
    reason: str = ""
    kind: Literal["pend"] = "pend"

    moves = leads("pending", "new", "open", "on_hold")
    example = {"reason": "Asked for logs"}


@dataclass(frozen=True)
class Hold(_WithReason):
    """Put on hold: waiting on a third party or an internal dependency."""

    actor: Actor
    reason: str = ""
    kind: Literal["hold"] = "hold"

    moves = leads("on_hold", "new", "open", "pending")
    example = {"reason": "Waiting on the ISP"}


@dataclass(frozen=True)
class Resume(AgentAction):
    """Back to open from pending or on hold."""

    actor: Actor
    kind: Literal["resume"] = "resume"

    moves = leads("open", "pending", "on_hold")
    example: ClassVar[dict[str, Any]] = {}


@dataclass(frozen=True)
class Resolve(AgentAction):
    """Resolve: the customer is asked to confirm (not while a sub-ticket is open)."""

    actor: Actor
    resolution: str
    kind: Literal["resolve"] = "resolve"

    moves = leads("resolved", *ACTIVE)
    example = {"resolution": "Firewall rule reverted."}

    def check(self, state: TicketState) -> None:
        require_text("resolution", self.resolution, MAX_BODY_CHARS)
        refuse_with_open_children(state, "resolve them first")

    def effect(self, new: TicketState, now: datetime) -> dict[str, Any]:
        new.resolution = self.resolution
        return {"resolution": self.resolution}


@dataclass(frozen=True)
class Reopen(_WithReason):
    """Reopen a resolved ticket."""

    actor: Actor
    reason: str = ""
    kind: Literal["reopen"] = "reopen"

    moves = leads("open", "resolved")
    example = {"reason": "It happened again"}


@dataclass(frozen=True)
class Close(AgentAction):
    """Close a resolved ticket without waiting for the customer's confirmation."""

    actor: Actor
    kind: Literal["close"] = "close"

    moves = leads("closed", "resolved")
    closes_as = "closed"
    example: ClassVar[dict[str, Any]] = {}
