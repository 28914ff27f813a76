"""The stale-view guard. An agent's action may say which of the ticket's events was the last
the agent saw (`if_last_seq` in the `act` update: the API's If-Match, the console's page). The
ticket refuses it (StaleView, nothing applied) when it has moved on since, so two agents who
answer at the same moment never both land: the second is told, sees what changed, and decides.
Pure, no Temporal import."""

from typing import Any

from workflows.codec import ActionDecodeError
from workflows.records import TicketState
from workflows.validation import ActionRejected

IF_LAST_SEQ = "if_last_seq"


def split(raw: Any) -> tuple[Any, int | None]:
    """The action's payload without the guard, and the seq it expects (None: no guard)."""
    if not isinstance(raw, dict) or IF_LAST_SEQ not in raw:
        return raw, None
    rest = dict(raw)
    expected = rest.pop(IF_LAST_SEQ)
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int) or expected < 1):
        raise ActionDecodeError(f"{IF_LAST_SEQ}: expected the number of an event (an integer from 1)")
    return rest, expected


def check(state: TicketState, expected: int | None) -> None:
    """Raise ActionRejected(StaleView) if the ticket's last event is not the one the agent saw."""
    if expected is not None and expected != state.last_seq:
        raise ActionRejected("StaleView", f"ticket {state.number} has changed since your view of it: you saw "
                             f"event {expected}, it is now at event {state.last_seq}")
