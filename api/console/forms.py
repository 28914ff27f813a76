"""The console's action forms, read into the API's own action bodies (api/tickets/actions.py):
the same fields, the same limits, the same checks; what is wrong is named per field, for the
form to show again."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from api.tickets.actions import ACTION_BODIES, ActionBody

# Fields typed as lists are one comma-separated box on a form.
LIST_FIELDS = ("add", "remove", "attachments")


def _value(name: str, raw: str, annotation: Any) -> Any:
    if name in LIST_FIELDS:
        parts = [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]
        return [int(p) if p.isdigit() and name == "attachments" else p for p in parts]
    if name == "into" or name == "macro_id":
        return int(raw) if raw.strip().isdigit() else raw
    return raw


def action_body(kind: str, form: Mapping[str, Any], **fixed: Any) -> tuple[ActionBody | None, dict[str, str]]:
    """The action body `kind` from the form's fields of the same names (an empty box is left
    out: the action's default), or the problems by field."""
    body_type = ACTION_BODIES.get(kind)
    if body_type is None:
        return None, {"kind": f"unknown action {kind!r}"}
    values: dict[str, Any] = {"kind": kind}
    hints = typing.get_type_hints(body_type)
    for name in body_type.model_fields:
        if name == "kind" or name in fixed:
            continue
        raw = form.get(name)
        if isinstance(raw, str) and raw.strip():
            values[name] = _value(name, raw, hints.get(name))
    values.update(fixed)
    try:
        return body_type.model_validate(values), {}
    except ValidationError as err:
        problems: dict[str, str] = {}
        for e in err.errors():
            loc = [str(p) for p in e.get("loc", ()) if not isinstance(p, int)] or ["form"]
            message = "required" if e.get("type") == "missing" else e.get("msg", "invalid")
            problems.setdefault(loc[0], message)
        return None, problems
