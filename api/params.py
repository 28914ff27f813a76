"""The API's parameters that mean the same everywhere, with the bounds the read model can hold,
and the rule that a query parameter no operation declares is refused, not ignored."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.errors import ApiError

# Ticket numbers and ids are 32-bit in the read model's schema; offsets are bounded the same way
# (a larger one overflows SQLite's integers before it could find anything).
MAX_ID = 2**31 - 1
TicketNumber = Annotated[int, Path(ge=1, le=MAX_ID, description="The ticket number", examples=[42])]
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="How many results to skip (paging)")]


def known_query_parameters(request: Request) -> None:
    """A dependency of every JSON operation: a query parameter it does not declare (`?tag=` for
    `?tags=`, a typo) is a 422 naming it, instead of an answer that silently ignores it."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _declared.get(id(route))
    if known is None:
        known = _declared[id(route)] = frozenset(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        expected = ", ".join(sorted(known)) or "none"
        raise ApiError("ValidationError", f"unknown query parameter(s) {', '.join(unknown)}; this operation takes {expected}",
                       [{"field": f"query parameter {name}", "message": "unknown parameter"} for name in unknown])


_declared: dict[int, frozenset[str]] = {}  # per route, computed on its first call


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters an operation and its dependencies declare (a model of query
    parameters counts with its fields)."""
    names: set[str] = set()
    for field in dependant.query_params:
        model = getattr(field.field_info, "annotation", None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            names |= {f.alias or name for name, f in model.model_fields.items()}
        else:
            names.add(field.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
