"""The ticket's custom search attributes (messages.SEARCH_ATTRIBUTES registers them): what the
Temporal UI and visibility queries filter on. No personal data: they are stored unencrypted."""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

with workflow.unsafe.imports_passed_through():
    from workflows.messages import TicketSnapshot

STATUS = SearchAttributeKey.for_keyword("TicketStatus")
PRIORITY = SearchAttributeKey.for_keyword("TicketPriority")
CATEGORY = SearchAttributeKey.for_keyword("TicketCategory")
TEAM = SearchAttributeKey.for_keyword("TicketTeam")
SLA = SearchAttributeKey.for_keyword("TicketSla")
KEYS = (STATUS, PRIORITY, CATEGORY, TEAM, SLA)  # messages.SEARCH_ATTRIBUTES registers these names


def at_start(priority: str | None) -> TypedSearchAttributes:
    """A new ticket's attributes, given when its workflow is started (by the API, or by a parent
    for a sub-ticket): findable by status and priority before its first task runs."""
    return TypedSearchAttributes([SearchAttributePair(STATUS, "new"), SearchAttributePair(PRIORITY, priority or "normal")])


def changes(before: TicketSnapshot, after: TicketSnapshot) -> list[SearchAttributeUpdate[str]]:
    """The upserts that bring the attributes from `before`'s values to `after`'s."""
    updates: list[SearchAttributeUpdate[str]] = []
    for key, old, new in ((STATUS, before.status, after.status), (PRIORITY, before.priority, after.priority),
                          (CATEGORY, before.category, after.category), (TEAM, before.team, after.team),
                          (SLA, before.sla_status, after.sla_status)):
        if old != new:
            updates.append(key.value_set(new) if new else key.value_unset())
    return updates
