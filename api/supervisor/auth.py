"""Signing in to the supervisor's pages with an API token, for a session kept in a cookie.

A browser cannot send `Authorization: Bearer`, so the supervisor pastes their token once; it
opens a session (models/web_sessions.py) whose random id, never the token, is kept in an
HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it) cookie, Secure
when the desk is served over https, valid for /supervisor only. Signing out ends the session;
revoking the token ends every session it opened. The JSON API never reads this cookie: it
authenticates by bearer token alone (api/deps.py).

CSRF: besides SameSite=Strict, the two forms (sign in, sign out) are accepted only when the
browser says they come from this site (Origin, else Referer). We chose that over a signed form
token because it needs no state and also protects the sign-in form itself, which has no session
to bind a token to (a login-CSRF would sign the supervisor in as someone else).

Failed sign-ins are limited per client address (SERVICEDESK_RATE_LIMIT_FAILED_SIGN_INS)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import Principal, SessionsDep, SettingsDep, principal_for_token, principal_of
from api.supervisor.pages import refusal, render
from api.throttle import client_address, in_words, throttle_of
from models import web_sessions
from models.settings import Settings
from workflows.vocabulary import MANAGER_ROLES

router = APIRouter(prefix="/supervisor", include_in_schema=False)
COOKIE = "servicedesk_supervisor"
COOKIE_PATH = "/supervisor"
MAX_AGE = 12 * 3600  # a session lasts a working day: then the token is pasted again
HOME = "/supervisor/reports"
LOGIN = "/supervisor/login"
ROLES_IN_WORDS = ", ".join(MANAGER_ROLES[:-1]) + f" or {MANAGER_ROLES[-1]}"


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def same_site_form(request: Request, settings: Settings) -> bool:
    """Whether the browser says this POST comes from one of our own pages."""
    sent = request.headers.get("origin")
    if sent is None or sent == "null":
        sent = _origin(request.headers.get("referer"))
    # Our public address, or the address the browser used (the Host a cross-site page cannot change).
    ours = {_origin(settings.public_url), f"{request.url.scheme}://{request.headers.get('host', '')}"}
    return sent is not None and sent in ours


def _cross_site() -> Response:
    return refusal("This form came from another site", "For your safety nothing was done. Open the sign-in "
                   f"page of the service desk itself ({LOGIN}) and try again.", 403)


def forbidden(role: str) -> Response:
    return refusal("Reports are for supervisors", f"Your token belongs to an account with the role {role!r}. "
                   f"These pages are for the roles {ROLES_IN_WORDS}.", 403)


def signed_in(request: Request, sessions: SessionsDep) -> Principal | Response:
    """The supervisor whose session the cookie names, or the page to show instead: the sign-in
    form (no cookie; a session that ended, expired or whose token was revoked) or a refusal (a
    role that may not see)."""
    sid = request.cookies.get(COOKIE)
    if not sid:
        return RedirectResponse(LOGIN, status_code=303)
    me = _principal_for_session(sessions, sid)
    if me is None:
        response = RedirectResponse(f"{LOGIN}?expired=1", status_code=303)
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response
    return me if me.role in MANAGER_ROLES else forbidden(me.role)


def _form(message: str | None = None, status: int = 200, notice: str | None = None) -> Response:
    return render("login.html", status=status, error=message, notice=notice, roles=ROLES_IN_WORDS)


@router.get("", include_in_schema=False)
def home() -> Response:
    return RedirectResponse(HOME, status_code=303)


@router.get("/login")
def login_form(expired: str | None = None, signed_out: str | None = None) -> Response:
    notice = ("Your sign-in is no longer valid (the token was revoked). Please sign in again." if expired
              else "You are signed out." if signed_out else None)
    return _form(notice=notice)


@router.post("/login")
async def login(request: Request, sessions: SessionsDep, settings: SettingsDep) -> Response:
    if not same_site_form(request, settings):
        return _cross_site()
    token = str((await request.form()).get("token") or "").strip()
    if not token:
        return _form("Paste your API token to sign in.", 401)
    # Past the limit of failed sign-ins from this address, no token is checked until the window
    # lets one through: guessing stops there.
    throttle, client = throttle_of(request), client_address(request)
    if (wait := throttle.wait(throttle.failed_sign_ins, client)) is not None:
        response = _form(f"Too many failed sign-ins from this address. Please try again in {in_words(wait)}.", 429)
        response.headers["Retry-After"] = str(wait)
        return response
    me = await run_in_threadpool(principal_for_token, sessions, token)  # the lookup never blocks the loop
    if me is None:
        throttle.count(throttle.failed_sign_ins, client)
        return _form("That token is not valid: it may be mistyped, incomplete or revoked. "
                     "Ask an admin for a new one (servicedesk token create).", 401)
    if me.role not in MANAGER_ROLES:
        return forbidden(me.role)
    sid = await run_in_threadpool(_open, sessions, token)
    if sid is None:  # revoked in the moment between the two lookups
        return _form("That token is not valid any more. Ask an admin for a new one.", 401)
    response = RedirectResponse(HOME, status_code=303)
    response.set_cookie(COOKIE, sid, max_age=MAX_AGE, path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=settings.public_url.lower().startswith("https:"))
    return response


@router.post("/logout")
def logout(request: Request, sessions: SessionsDep, settings: SettingsDep) -> Response:
    if not same_site_form(request, settings):
        return _cross_site()
    if sid := request.cookies.get(COOKIE):
        with sessions.begin() as s:
            web_sessions.close_session(s, sid)
    response = RedirectResponse(f"{LOGIN}?signed_out=1", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response



def _open(sessions, token: str) -> str | None:
    with sessions.begin() as s:
        return web_sessions.open_session(s, token, timedelta(seconds=MAX_AGE))


def _principal_for_session(sessions, sid: str) -> Principal | None:
    with sessions() as s:
        return principal_of(web_sessions.agent_for_session(s, sid))
