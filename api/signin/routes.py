"""The web pages' sign-in: GET/POST /login (e-mail and password, or an API token for an account
without one) and POST /logout. The session and its checks are api/signin/session.py; the
agent's account page (their password, their notifications) is api/console/account.py.

Failed sign-ins are limited per client address (SERVICEDESK_RATE_LIMIT_FAILED_SIGN_INS) and per
account (`..._PER_ACCOUNT`, counted by the e-mail typed, so the refusal does not tell whether
the account exists). Past either limit nothing is checked until the window lets one through."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.console.pages import cross_site, render
from api.deps import SessionsDep, SettingsDep
from api.signin import session as web
from api.throttle import client_address, in_words, throttle_of
from models import passwords, web_sessions
from models.settings import Settings
from workflows.vocabulary import ACTING_ROLES

router = APIRouter(include_in_schema=False)
CONSOLE = "/console"
REPORTS = "/supervisor/reports"


def home_of(role: str) -> str:
    """Where an agent lands after signing in: the console, or the reports for a role that reads only."""
    return CONSOLE if role in ACTING_ROLES else REPORTS


def _form(settings: Settings, *, status: int = 200, error: str | None = None, notice: str | None = None,
          email: str = "", next: str = "", with_token: bool = False) -> Response:
    return render("login.html", status=status, error=error, notice=notice, email=email, next=next,
                  with_token=with_token, hours=f"{settings.web_session_hours:g}",
                  idle=_duration(settings.web_session_idle_minutes))


def _duration(minutes: float) -> str:
    return f"{minutes / 60:g} hours" if minutes >= 120 else f"{minutes:g} minutes"


@router.get("/login")
def login_form(request: Request, settings: SettingsDep, next: str = "", expired: str | None = None,
               signed_out: str | None = None) -> Response:
    notice = ("Your session has ended (signed out elsewhere, unused for too long, or the password or token "
              "changed). Please sign in again." if expired else "You are signed out." if signed_out else None)
    return _form(settings, notice=notice, next=web.local_path(next, ""))


@router.post("/login")
async def login(request: Request, sessions: SessionsDep, settings: SettingsDep) -> Response:
    if not web.same_site(request):
        return cross_site()
    form = await request.form()
    target = web.local_path(str(form.get("next") or ""), "")
    token = str(form.get("token") or "").strip()
    email = str(form.get("email") or "").strip().lower()[:320]
    password = str(form.get("password") or "")
    if not token and not (email and password):
        return _form(settings, status=422, error="Type your e-mail address and your password.", email=email, next=target)
    throttle, client = throttle_of(request), client_address(request)
    checks = [(throttle.failed_sign_ins, client)] + ([] if token else [(throttle.failed_sign_ins_per_account, email)])
    waits = [w for limit, key in checks if (w := throttle.wait(limit, key)) is not None]
    if waits:
        whose = "from this address or for this account"
        response = _form(settings, status=429, email=email, next=target, with_token=bool(token),
                         error=f"Too many failed sign-ins {whose}. Please try again in {in_words(max(waits))}.")
        response.headers["Retry-After"] = str(max(waits))
        return response
    # The hash check takes tens of milliseconds: never on the event loop.
    sid, role = await run_in_threadpool(_open, sessions, settings, email, password, token)
    if sid is None:
        for limit, key in checks:
            throttle.count(limit, key)
        error = ("That token is not valid: it may be mistyped, incomplete or revoked. Ask an admin for a new one "
                 "(servicedesk token create)." if token else
                 "That e-mail address and password do not match an active account. Check both, or ask an admin "
                 "to set your password (servicedesk agent password).")
        return _form(settings, status=401, error=error, email=email, next=target, with_token=bool(token))
    response = RedirectResponse(target or home_of(role), status_code=303)
    web.set_cookie(response, sid, settings)
    return response


def _open(sessions: sessionmaker[Session], settings: Settings, email: str, password: str,
          token: str) -> tuple[str | None, str]:
    with sessions.begin() as s:
        found = web_sessions.token_row(s, token) if token else None
        agent = found[0] if found else None if token else passwords.check(s, email, password)
        if agent is None:
            return None, ""
        return web_sessions.open_session(s, agent, web.lifetime(settings), token=found[1] if found else None), agent.role


@router.post("/logout")
async def logout(request: Request, sessions: SessionsDep) -> Response:
    # Signing out needs no form token: it can only end a session, and a stale page must still
    # be able to sign out. It still must come from our own page.
    if not web.same_site(request):
        return cross_site()
    if sid := request.cookies.get(web.COOKIE):
        await run_in_threadpool(_close, sessions, sid)
    response = RedirectResponse(f"{web.LOGIN}?signed_out=1", status_code=303)
    web.clear_cookie(response)
    return response


def _close(sessions: sessionmaker[Session], sid: str) -> None:
    with sessions.begin() as s:
        web_sessions.close_session(s, sid)

