"""Rendering the agents' console and the sign-in pages: the portal's Jinja2 environment
(autoescape on, StrictUndefined), templates under templates/console/, and the headers every
page carries."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from jinja2 import Environment

from api.portal import pages as portal
from api.signin import session as web

# Scripts and styles from this site only (the console's own script and htmx, both committed
# under api/static/ with their licences); live updates come over the same origin (connect-src).
# Referrer-Policy is same-origin: with no-referrer a browser sends `Origin: null` on a form POST,
# and forms are checked by their Origin (api/signin/session.py).
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def in_words(seconds: float) -> str:
    """A duration as people say it: 45 s, 25 min, 3 h 10 min, 2 d 4 h."""
    seconds = abs(int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def due(value: datetime, now: datetime) -> str:
    """A deadline from now: "in 25 min", or "overdue by 3 h"."""
    left = (_aware(value) - now).total_seconds()
    return f"in {in_words(left)}" if left >= 0 else f"overdue by {in_words(left)}"


def ago(value: datetime, now: datetime) -> str:
    return f"{in_words((now - _aware(value)).total_seconds())} ago"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The portal's environment (its loader, autoescape, StrictUndefined) with the console's filters."""
    env = portal.environment().overlay()
    env.filters.update(due=due, ago=ago, business=in_words)
    return env


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", None)
    html = environment().get_template(f"console/{template}").render(**context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def refusal(title: str, message: str, status: int, **context: Any) -> HTMLResponse:
    return render("refusal.html", status=status, title=title, message=message, **context)


def cross_site() -> HTMLResponse:
    """The answer to a form another site sent (or one without this session's form token)."""
    return refusal("This form came from another site", "For your safety nothing was done. Open the page "
                   "from the service desk itself and try again.", 403, back="/console")


async def signed_in_form(request: Request) -> tuple[web.WebUser, FormData] | Response:
    """A signed-in page's POSTed form and its agent, or the answer instead: the sign-in page
    (no session), or the cross-site refusal (another site, or without this session's form token)."""
    user = await run_in_threadpool(web.signed_in, request)
    if isinstance(user, Response):
        return user
    form = await request.form()
    if not web.form_allowed(request, user, form.get("csrf")):
        return cross_site()
    return user, form
