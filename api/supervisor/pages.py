"""Rendering the supervisor's pages: the portal's Jinja2 environment (autoescape on,
StrictUndefined) with templates under templates/supervisor/, and the headers every page carries."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from api.deps import Principal
from api.portal.pages import environment

# No script at all, nothing from elsewhere (the charts are inline SVG, styled by our own sheet).
# Referrer-Policy is same-origin, not the portal's no-referrer: with no-referrer a browser sends
# `Origin: null` on a form POST, and the sign-in and sign-out forms are checked by their Origin.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("me", None)
    html = environment().get_template(f"supervisor/{template}").render(**context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def refusal(title: str, message: str, status: int, **context: Any) -> HTMLResponse:
    return render("refusal.html", status=status, title=title, message=message, **context)


def cross_site(me: Principal) -> HTMLResponse:
    """The answer to a form another site sent (or one without this session's form token)."""
    return refusal("This form came from another site", "For your safety nothing was done. Open the reports page "
                   "from the service desk itself and try again.", 403, me=me, back="/supervisor/reports")
