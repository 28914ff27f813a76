"""The supervisor's pages (docs/reports.md, "The reports page"): sign in with an API token, then
the reports as charts, and the reports mailed on a schedule. Plain HTML and inline SVG, no script."""

from __future__ import annotations

from fastapi import APIRouter

from api.supervisor import auth, page, subscriptions

router = APIRouter()
router.include_router(auth.router)
router.include_router(page.router)
router.include_router(subscriptions.router)  # the page's "Mail me this report" forms
