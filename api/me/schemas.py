"""Bodies of /me: the caller's notification preferences, one field per kind an agent may
switch (workflows/vocabulary.SWITCHABLE_KINDS)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body
from pydantic import BaseModel, StrictBool, create_model

from workflows.vocabulary import SWITCHABLE_KINDS

WHAT = {"assigned": "a ticket is given to you, by a colleague or by routing (not when you take it yourself)",
        "customer_replied": "the requester writes on a ticket assigned to you",
        "mention": "a colleague @mentions you in an internal note"}
EXAMPLE = {"customer_replied": False}

# The answer: every switchable kind, true (mailed) or false (kept back, the outbox says why).
_fields: dict[str, Any] = {kind: (bool, ...) for kind in SWITCHABLE_KINDS}
NotificationPreferencesOut: type[BaseModel] = create_model("NotificationPreferencesOut", **_fields)
NotificationPreferencesOut.__doc__ = "Which of your notices you are mailed: " + "; ".join(
    f"{kind}: {WHAT.get(kind, kind)}" for kind in SWITCHABLE_KINDS) + ". SLA notices cannot be switched off."

# The change: only the kinds to switch, each true (on) or false (off); the others stay as they are.
PreferencesChange = Annotated[dict[str, StrictBool], Body(
    description=("Kinds to switch on (true) or off (false), some of: " + ", ".join(SWITCHABLE_KINDS)
                 + ". An unknown kind, or an SLA kind (never switchable), is a 422 naming it."),
    openapi_examples={"quiet": {"summary": "no mail when the requester writes", "value": EXAMPLE}})]
