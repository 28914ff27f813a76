"""Who is signed in to the portal (docs/portal.md, "Signing in"): the customer's session cookie
and the checks a signed-in form makes. The session itself is models/customer_sessions.py; the
agents' web sign-in (api/signin/session.py) lends its same-site check and form tokens.

The cookie holds a random session id, only for `/portal`: HttpOnly (no script reads it),
Secure when the desk is served over https, and SameSite=Lax, not Strict like the agents':
a customer comes to the portal by following a link in their mail, from a webmail site or a
mail program, and a Strict cookie is not sent on such a navigation (nor on the redirects that
follow it), so they would look signed out. Lax still keeps it off every request another site
makes but a top-level GET, and a GET changes nothing here; every POST also needs this
session's form token and to come from our own pages (`from_our_pages`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api.errors import ApiError
from api.portal.pages import refusal
from api.signin.session import same_site
from models import customer_sessions, web_sessions
from models.settings import Settings

COOKIE = "servicedesk_customer"
PATH = "/portal"
SIGN_IN = "/portal/sign-in"


@dataclass(frozen=True)
class SignedIn:
    """A signed-in customer, with the session's id (to sign out) and form token (for forms)."""

    email: str
    timezone: str
    sid: str

    @property
    def csrf(self) -> str:
        return web_sessions.form_token(self.sid)


def lifetime(settings: Settings) -> web_sessions.Lifetime:
    return web_sessions.Lifetime(absolute=timedelta(hours=settings.portal_session_hours),
                                 idle=timedelta(minutes=settings.portal_session_idle_minutes))


def _current(request: Request) -> SignedIn | None:
    sid = request.cookies.get(COOKIE)
    if not sid:
        return None
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions.begin() as s:
        found = customer_sessions.customer_for_session(s, sid, lifetime(request.app.state.settings).idle)
    return None if found is None else SignedIn(email=found.email, timezone=found.timezone, sid=sid)


async def current(request: Request) -> SignedIn | None:
    """The signed-in customer of this request, or None."""
    return await run_in_threadpool(_current, request)


async def signed_in(request: Request) -> SignedIn | Response:
    """The signed-in customer, or the sign-in page to answer instead (saying the session ended, if it did)."""
    who = await current(request)
    if who is not None:
        return who
    ended = COOKIE in request.cookies
    response = RedirectResponse(SIGN_IN + ("?ended=1" if ended else ""), status_code=303)
    if ended:
        clear_cookie(response)
    return response


async def signed_in_form(request: Request) -> tuple[SignedIn, FormData] | Response:
    """A signed-in page's POSTed form and its customer, or the answer instead: the sign-in page
    (no session), or the cross-site refusal (another site, or not this session's form token)."""
    who = await signed_in(request)
    if isinstance(who, Response):
        return who
    form = await request.form()
    sent = form.get("csrf")
    if not from_our_pages(request) or not isinstance(sent, str) or not web_sessions.form_token_matches(who.sid, sent):
        return cross_site()
    return who, form


def from_our_pages(request: Request) -> bool:
    """Whether the browser says this form comes from one of our own pages. The portal's pages
    send no referrer (their addresses hold tokens), so a browser sends `Origin: null` on their
    forms; it still sends `Sec-Fetch-Site`, which no page can set or forge, and which says
    `same-origin` for them and `cross-site` for another site's."""
    return same_site(request) or request.headers.get("sec-fetch-site") == "same-origin"


def cross_site() -> Response:
    return refusal(ApiError("Forbidden", "This form did not come from the help centre's own page, so for your "
                                         "safety nothing was done. Open the page again and send it from there."))


@lru_cache(maxsize=1)
def zones() -> list[str]:
    """The zone names the time zone field suggests (a datalist: no script needed)."""
    return customer_sessions.zone_names()


def set_cookie(response: Response, sid: str, settings: Settings) -> None:
    response.set_cookie(COOKIE, sid, max_age=int(settings.portal_session_hours * 3600), path=PATH, httponly=True,
                        samesite="lax", secure=settings.public_url.lower().startswith("https:"))


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax")
