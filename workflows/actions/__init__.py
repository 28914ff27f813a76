"""Every action a ticket takes, one module per family; each action's data, transition row,
checks, effect and notices are declared together on its class (workflows/actions/base.py).

Importing this package registers them all. To add an action: add its class to the family it
belongs to (or a new module imported here), with its tests; the state machine
(workflows/lifecycle.py), the `act` update's decoder (workflows/codec.py) and, for an
agent's action, the API's request body (api/tickets/actions.py) pick it up from the registry.
"""

from workflows.actions import alerts, clocks, conversation, decisions, ending, fields, macros, relations, status
from workflows.actions.alerts import AlertNotice, AlertsFired, AlertsResolved
from workflows.actions.base import REGISTRY, AgentAction, TicketAction
from workflows.actions.clocks import SlaMilestoneReached, SlaPolicyLoaded
from workflows.actions.conversation import CustomerReply, Note, Reply
from workflows.actions.decisions import Routed, Triaged
from workflows.actions.ending import (
    AutoClosed,
    CustomerConfirmation,
    ResolutionConfirmed,
    ResolutionRejected,
    SurveyAnswer,
    SurveyExpired,
)
from workflows.actions.fields import Assign, SetCategory, SetPriority, SetTags
from workflows.actions.macros import MACRO_STATUSES, MAX_MACRO_NAME_CHARS, MacroReply
from workflows.actions.relations import ChildStatusChanged, Merge, MergedFrom, Split, SubTicket
from workflows.actions.status import Close, Hold, Pend, Reopen, Resolve, Resume

FAMILIES = (conversation, fields, status, relations, macros, decisions, clocks, alerts, ending)

# Every action by its kind, family by family, and those agents take (the `act` update decodes
# only these; the API offers them in this order).
ACTIONS: dict[str, type[TicketAction]] = {
    kind: cls for family in FAMILIES for kind, cls in REGISTRY.items() if cls.__module__ == family.__name__}
assert ACTIONS.keys() == REGISTRY.keys(), "an action module is missing from FAMILIES"
AGENT_ACTIONS: dict[str, type[TicketAction]] = {k: cls for k, cls in ACTIONS.items() if cls.by_agent}

# Annotations take the base classes: an action's rules are its methods, so no code needs the
# union of all of them.
Action = TicketAction

__all__ = [
    "ACTIONS", "AGENT_ACTIONS", "FAMILIES", "MACRO_STATUSES", "MAX_MACRO_NAME_CHARS", "MacroReply", "Action", "AgentAction", "AlertNotice", "AlertsFired", "AlertsResolved",
    "Assign", "AutoClosed", "ChildStatusChanged", "Close", "CustomerConfirmation", "CustomerReply", "Hold", "Merge", "MergedFrom", "Note",
    "Pend", "Reopen", "Reply", "ResolutionConfirmed", "ResolutionRejected", "Resolve", "Resume", "Routed",
    "SetCategory", "SetPriority", "SetTags", "SlaMilestoneReached", "SlaPolicyLoaded", "Split", "SubTicket",
    "SurveyAnswer", "SurveyExpired", "TicketAction", "Triaged",
]
