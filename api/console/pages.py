"""Rendering the agents' console and the sign-in pages: the portal's Jinja2 environment
(autoescape on, StrictUndefined), templates under templates/console/, and the headers every
page carries."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from api.portal.pages import environment

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


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", None)
    html = environment().get_template(f"console/{template}").render(**context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def refusal(title: str, message: str, status: int, **context: Any) -> HTMLResponse:
    return render("refusal.html", status=status, title=title, message=message, **context)
