"""Agent action bodies, derived from the actions themselves (workflows/actions/).

Each action an agent takes (`by_agent`) gets a request body named `<Action>In`: its dataclass's
fields but `actor` and `kind`, each typed by its name in FIELD_TYPES (the API's limits and
formats), optional where the dataclass gives a default, described by the dataclass's
docstring, with the action's `example` in the docs. A new action needs nothing here unless it
brings a field name the table does not know, and then this module fails on import naming it.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field, StringConstraints, create_model

from api.schemas import Body, Category, Email, Reason, Slug, Strict, Tag
from workflows import messages as m

AttachmentIds = Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=20, description=
                          "Ids of files uploaded to the ticket first (POST /tickets/{number}/attachments)")]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=m.MAX_SUBJECT_CHARS)]
Tags = Annotated[list[Tag], Field(max_length=m.MAX_TAGS)]
TicketRef = Annotated[int, Field(ge=1, le=2**31 - 1)]
MacroName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=m.MAX_MACRO_NAME_CHARS)]


def _fields(cls: type, exclude: tuple[str, ...]) -> dict[str, Any]:
    """The pydantic fields for a dataclass's fields (but `exclude`), typed by FIELD_TYPES."""
    out: dict[str, Any] = {}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in exclude:
            continue
        if f.name not in FIELD_TYPES:
            raise TypeError(f"{cls.__name__}.{f.name}: the API has no type for this field; add one to "
                            "api/tickets/actions.FIELD_TYPES")
        api_type: Any = FIELD_TYPES[f.name]
        if type(None) in typing.get_args(hints[f.name]):
            api_type = api_type | None
        if f.default is not dataclasses.MISSING:
            out[f.name] = (api_type, f.default)
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = (api_type, Field(default_factory=f.default_factory))
        else:
            out[f.name] = (api_type, ...)
    return out


class SubTicketIn(Strict):
    """One sub-ticket of a split (its number is reserved when the split is taken)."""

    subject: Subject
    description: Body
    priority: m.Priority | None = None
    category: Category | None = None
    team: Slug | None = None


# The API's type of each action field, by name. `attachments` and `children` the route turns
# into the workflow's values (files uploaded to the ticket, sub-ticket numbers it reserves).
FIELD_TYPES: dict[str, Any] = {
    "assignee": Email, "team": Slug, "body": Body, "resolution": Body, "reason": Reason, "priority": m.Priority,
    "category": Category, "add": Tags, "remove": Tags, "into": TicketRef, "attachments": AttachmentIds,
    "children": Annotated[list[SubTicketIn], Field(min_length=1, max_length=m.MAX_SUB_TICKETS)],
    "macro": MacroName, "macro_id": Annotated[int, Field(ge=1, le=2**31 - 1)], "status": Literal[m.MACRO_STATUSES],
}
RESOLVED_BY_ROUTE = ("attachments", "children")


class ActionBody(Strict):
    """An agent action's body; `to_action(actor)` builds the workflow's action from it."""

    action: ClassVar[type[m.TicketAction]]

    def to_action(self, actor: m.Actor, **resolved: Any) -> m.TicketAction:
        """The action, with what the route resolved (`attachments`, `children`) passed in."""
        values = {name: getattr(self, name) for name in type(self).model_fields
                  if name != "kind" and name not in RESOLVED_BY_ROUTE}
        return self.action(actor=actor, **values, **resolved)  # type: ignore[call-arg]  # every action has an actor


def _body(kind: str, cls: type[m.TicketAction]) -> type[ActionBody]:
    body = create_model(f"{cls.__name__}In", __base__=ActionBody, __doc__=cls.__doc__,
                        kind=(Literal[kind], ...), **_fields(cls, exclude=("actor", "kind")))
    body.action = cls
    return body


def _summary(cls: type) -> str:
    """The docstring's first clause: the example's title in the API docs."""
    first = (cls.__doc__ or cls.__name__).strip().split("\n")[0]
    for stop in (":", " (", "."):
        first = first.split(stop)[0]
    return first.strip()


ACTION_BODIES: dict[str, type[ActionBody]] = {kind: _body(kind, cls) for kind, cls in m.AGENT_ACTIONS.items()}
ActionIn = Annotated[Union[tuple(ACTION_BODIES.values())], Field(discriminator="kind")]  # type: ignore[valid-type]  # built from the registry
ACTION_EXAMPLES = {kind: {"summary": _summary(cls), "value": {"kind": kind, **(cls.example or {})}}
                   for kind, cls in m.AGENT_ACTIONS.items()}
