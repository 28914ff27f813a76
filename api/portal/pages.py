"""Rendering the portal's pages: one Jinja2 environment (autoescape on, StrictUndefined), the
headers every page carries, and the refusal page every error of the portal becomes."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api.errors import ApiError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"

# The token is in the address: no referrer may carry it off the page, no cache may keep it,
# and the pages load nothing but their own stylesheet and the request form's one small script
# (api/static/portal-kb.js: suggested articles from /portal/kb/suggest; every page works without it).
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "script-src 'self'; connect-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

# What each refusal is called on its page (the message says the rest).
TITLES = {
    "LinkForged": "This link is not valid",
    "LinkMalformed": "This link is incomplete",
    "LinkWrongPurpose": "This link is for something else",
    "LinkExpired": "This link has expired",
    "LinkUsed": "This link was already used",
    "NotWaitingForConfirmation": "Nothing to confirm",
    "SurveyNotOpen": "The survey is closed",
    "TicketClosed": "This request is closed",
    "TicketNotFound": "Request not found",
    "NotFound": "Not found",
    "TemporalUnavailable": "Please try again in a moment",
    "TicketRunning": "Please try again in a moment",
    "Forbidden": "This form came from another site",
    "DatabaseUnavailable": "Please try again in a moment",
}


def when(value: datetime | None, zone: str = "UTC") -> str:
    """A time in words, in `zone` (a signed-in customer's choice, models/customer_sessions.py), named."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(ZoneInfo(zone))
    return f"{value.day} {value:%B %Y, %H:%M} {zone}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = when
    return env


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(f"portal/{template}").render(**context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def refusal(err: ApiError) -> HTMLResponse:
    """The page for anything the portal refuses: what happened, in words, and no change made."""
    title = TITLES.get(err.type, "This could not be done")
    return render("refusal.html", status=err.status, title=title, message=err.message, kind=err.type)
