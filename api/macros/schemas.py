"""The macros' request and answer bodies (docs/macros.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.macros.rendering import PLACEHOLDER_NAMES
from api.schemas import Slug, Strict, Tag
from models.macros import Macro
from workflows import messages as m

# No NUL characters: PostgreSQL's text refuses them.
MacroName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=m.MAX_MACRO_NAME_CHARS,
                                             pattern=r"^[^\x00]*$")]
Template = Annotated[str, StringConstraints(min_length=1, max_length=m.MAX_BODY_CHARS, pattern=r"^[^\x00]*$"), Field(
    description="The reply, a Jinja2 template with the placeholders " + ", ".join(f"{{{{ {p} }}}}" for p in PLACEHOLDER_NAMES)
    + "; filters, {% if %} and ~ are allowed, nothing else (docs/macros.md)",
    examples=["Hi {{ requester.name }},\n\ncould you send us the logs for #{{ ticket.number }}?\n\n{{ agent.name }}"])]
Tags = Annotated[list[Tag], Field(max_length=m.MAX_TAGS)]
Scope = Literal["personal", "team", "global"]
MacroStatus = Literal[m.MACRO_STATUSES]  # type: ignore[valid-type]  # a Literal built from the workflow's words


class MacroIn(Strict):
    """A new macro: personal (yours), a team's (`team` names it) or global."""

    name: MacroName
    body: Template
    scope: Scope = "personal"
    team: Slug | None = Field(None, description="The team's slug: required for a team macro, refused otherwise")
    status: MacroStatus | None = Field(None, description="The status it leaves the ticket in (none: unchanged)")
    priority: m.Priority | None = None
    add_tags: Tags = Field(default_factory=list)
    remove_tags: Tags = Field(default_factory=list)


class MacroUpdate(Strict):
    """What changes (a field left out stays; `null` clears status or priority). A macro's scope
    and team stay what they were created with."""

    name: MacroName | None = None
    body: Template | None = None
    status: MacroStatus | None = None
    priority: m.Priority | None = None
    add_tags: Tags | None = None
    remove_tags: Tags | None = None


class MacroOut(BaseModel):
    id: int
    name: str
    body: str
    scope: Scope
    team: str | None = Field(description="The team's slug (team macros)")
    owner: str | None = Field(description="The owner's e-mail (personal macros)")
    status: MacroStatus | None
    priority: m.Priority | None
    add_tags: list[str]
    remove_tags: list[str]
    created_by: str
    created_at: datetime
    updated_at: datetime
    can_manage: bool = Field(description="Whether the caller may change or delete it")

    @classmethod
    def of(cls, macro: Macro, team: str | None, owner: str | None, can_manage: bool) -> MacroOut:
        return cls(id=macro.id, name=macro.name, body=macro.body, scope=macro.scope, team=team, owner=owner,
                   status=macro.status, priority=macro.priority, add_tags=list(macro.add_tags),
                   remove_tags=list(macro.remove_tags), created_by=macro.created_by, created_at=macro.created_at,
                   updated_at=macro.updated_at, can_manage=can_manage)


class MacroPreview(BaseModel):
    """What applying the macro to the ticket would do now; nothing is changed."""

    macro: int
    number: int
    body: str = Field(description="The reply with its placeholders filled in for this ticket and the caller")
    status: MacroStatus | None
    priority: m.Priority | None
    add_tags: list[str]
    remove_tags: list[str]
