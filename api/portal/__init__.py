"""The customer portal (docs/portal.md): plain HTML pages under /portal, no accounts. The
signed link in the customer's e-mail is the credential, or a session opened by a sign-in link
mailed to their address."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.portal import confirmation, kb_answers, kb_pages, requests, survey, ticket_page
from api.portal.pages import STATIC
from api.portal import my_requests, sign_in  # customers signed in by a mailed link


def install_portal(app: FastAPI) -> None:
    # kb_answers before kb_pages: /portal/kb/suggest is not an article called "suggest"
    for module in (requests, ticket_page, confirmation, survey, kb_answers, kb_pages):
        app.include_router(module.router)
    app.mount("/portal/static", StaticFiles(directory=STATIC), name="portal-static")
    for module in (sign_in, my_requests):
        app.include_router(module.router)
