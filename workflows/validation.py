"""Field checks for ticket actions: what makes an action invalid whatever the status.
Pure; `lifecycle.check` calls `check_fields` after the status check."""

from __future__ import annotations

from workflows import closing, relations
from workflows.messages import (
    MAX_BODY_CHARS,
    MAX_SUB_TICKETS,
    MAX_TAG_CHARS,
    MAX_TAGS,
    PRIORITIES,
    Action,
    Assign,
    CustomerReply,
    Hold,
    Merge,
    Note,
    Pend,
    Reopen,
    Reply,
    ResolutionRejected,
    Resolve,
    SetCategory,
    SetPriority,
    SetTags,
    Split,
    SurveyAnswer,
    SurveyExpired,
    TicketState,
)


class ActionRejected(Exception):
    """An action the ticket cannot take now. `type` becomes the ApplicationError type."""

    def __init__(self, type: str, message: str) -> None:
        super().__init__(message)
        self.type = type
        self.message = message


def check_fields(state: TicketState, action: Action) -> None:
    if isinstance(action, CustomerReply) and action.message_id and action.message_id in state.inbound_message_ids:
        raise ActionRejected("DuplicateMessage", f"message {action.message_id} is already on ticket {state.number}")
    if isinstance(action, (Reply, Note, CustomerReply)):
        _require_text("body", action.body, MAX_BODY_CHARS)
    elif isinstance(action, Resolve):
        _require_text("resolution", action.resolution, MAX_BODY_CHARS)
        if children := relations.open_children(state):
            raise ActionRejected("ChildrenOpen", f"ticket {state.number} has open sub-tickets "
                                 f"{', '.join(f'#{n}' for n in children)}: resolve them first")
    elif isinstance(action, (Pend, Hold, Reopen)):
        if len(action.reason) > MAX_BODY_CHARS:
            raise ActionRejected("InvalidAction", f"reason: longer than {MAX_BODY_CHARS} characters")
    elif isinstance(action, Assign):
        if action.assignee is None and action.team is None:
            raise ActionRejected("InvalidAction", "assignee or team: give at least one")
        if action.assignee == state.assignee and (action.team is None or action.team == state.team):
            raise ActionRejected("InvalidAction", f"assignee: ticket {state.number} is already assigned to {action.assignee}")
    elif isinstance(action, SetPriority):
        if action.priority not in PRIORITIES:
            raise ActionRejected("InvalidAction", f"priority: {action.priority!r} is not one of {list(PRIORITIES)}")
    elif isinstance(action, SetTags):
        if not action.add and not action.remove:
            raise ActionRejected("InvalidAction", "add or remove: give at least one tag")
        for tag in [*action.add, *action.remove]:
            _check_tag(tag)
        removed = set(normalise_tags(action.remove))
        if len([t for t in normalise_tags([*state.tags, *action.add]) if t not in removed]) > MAX_TAGS:
            raise ActionRejected("InvalidAction", f"add: a ticket has at most {MAX_TAGS} tags")
    elif isinstance(action, SetCategory):
        if action.category is not None and not action.category.strip():
            raise ActionRejected("InvalidAction", "category: must not be blank (use null to clear it)")
    elif isinstance(action, Split):
        _check_split(state, action)
    elif isinstance(action, SurveyAnswer):
        if problem := closing.survey_problem(state, action):
            raise ActionRejected(*problem)
    elif isinstance(action, SurveyExpired):
        if not closing.survey_open(state):
            raise ActionRejected("SurveyClosed", f"the survey of ticket {state.number} is not open")
    elif isinstance(action, ResolutionRejected) and len(action.comment) > MAX_BODY_CHARS:
        raise ActionRejected("InvalidAction", f"comment: longer than {MAX_BODY_CHARS} characters")
    elif isinstance(action, Merge):
        if action.into == state.number:
            raise ActionRejected("InvalidAction", "into: a ticket cannot be merged into itself")
        if action.into in state.merged_from or action.into in [c.number for c in state.children]:
            raise ActionRejected("InvalidAction", f"into: #{action.into} is linked to this ticket already")
        if children := relations.open_children(state):
            raise ActionRejected("ChildrenOpen", f"ticket {state.number} has open sub-tickets "
                                 f"{', '.join(f'#{n}' for n in children)}: it cannot be merged")


def _check_split(state: TicketState, action: Split) -> None:
    if not action.children:
        raise ActionRejected("InvalidAction", "children: give at least one sub-ticket")
    if len(state.children) + len(action.children) > MAX_SUB_TICKETS:
        raise ActionRejected("InvalidAction", f"children: a ticket has at most {MAX_SUB_TICKETS} sub-tickets")
    for i, child in enumerate(action.children):
        _require_text(f"children[{i}].subject", child.subject, MAX_BODY_CHARS)
        if child.priority is not None and child.priority not in PRIORITIES:
            raise ActionRejected("InvalidAction", f"children[{i}].priority: {child.priority!r} is not one of {list(PRIORITIES)}")
        if child.number == state.number or child.number in [c.number for c in state.children]:
            raise ActionRejected("InvalidAction", f"children[{i}].number: #{child.number} is taken")


def _require_text(name: str, value: str, limit: int) -> None:
    if not value.strip():
        raise ActionRejected("InvalidAction", f"{name}: must not be empty")
    if len(value) > limit:
        raise ActionRejected("InvalidAction", f"{name}: longer than {limit} characters")


def _check_tag(tag: str) -> None:
    t = tag.strip().lower()
    if not t or len(t) > MAX_TAG_CHARS or any(c.isspace() for c in t):
        raise ActionRejected("InvalidAction", f"tags: {tag!r} must be one word of 1 to {MAX_TAG_CHARS} characters")


def normalise_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        t = tag.strip().lower()
        if t and t not in out:
            out.append(t)
    return out


def capped_tags(tags: list[str]) -> list[str]:
    """Tags that arrive with a ticket or from triage: the first MAX_TAGS, silently (an agent's
    own SetTags is checked and refused instead)."""
    return normalise_tags(tags)[:MAX_TAGS]
