"""Who is signed in to the web pages (the console, the reports), and the checks every page and
form makes. The JSON API never reads this cookie: it authenticates by bearer token alone
(api/deps.py).

The cookie holds a random session id (models/web_sessions.py): HttpOnly (no script reads it),
SameSite=Strict (no other site's page sends it), Secure when the desk is served over https,
for the whole site so the console and the reports share one sign-in.

Forms (CSRF): each carries the session's form token (a hidden `csrf` field, derived from the
session id), and is also accepted only when the browser says it comes from this site (Origin,
else Referer). The sign-in form, which has no session yet, has the Origin check alone; that
also stops a login-CSRF (another site signing the agent in as someone else)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from api.deps import Principal, principal_of
from models import web_sessions
from models.settings import Settings

COOKIE = "servicedesk_session"
LOGIN = "/login"


@dataclass(frozen=True)
class WebUser:
    """A signed-in agent, with their session's id (to sign out) and form token (for forms)."""

    me: Principal
    sid: str

    @property
    def csrf(self) -> str:
        return web_sessions.form_token(self.sid)


def lifetime(settings: Settings) -> web_sessions.Lifetime:
    return web_sessions.Lifetime(absolute=timedelta(hours=settings.web_session_hours),
                                 idle=timedelta(minutes=settings.web_session_idle_minutes))


def current(request: Request) -> WebUser | None:
    """The signed-in agent of this request, or None. Reads the database: call it on a thread."""
    sid = request.cookies.get(COOKIE)
    if not sid:
        return None
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions.begin() as s:
        me = principal_of(web_sessions.agent_for_session(s, sid, lifetime(request.app.state.settings).idle))
    return None if me is None else WebUser(me=me, sid=sid)


def local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site (never another site: an open redirect), else `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default


def to_sign_in(request: Request, ended: bool) -> Response:
    """Send the browser to the sign-in page, back here afterwards; an ended session's cookie goes."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(f"{LOGIN}?next={quote(here, safe='')}" + ("&expired=1" if ended else ""),
                                status_code=303)
    if ended:
        clear_cookie(response)
    return response


def signed_in(request: Request) -> WebUser | Response:
    """The signed-in agent, or the redirect to the sign-in page to answer instead."""
    user = current(request)
    if user is None:
        return to_sign_in(request, ended=COOKIE in request.cookies)
    return user


def set_cookie(response: Response, sid: str, settings: Settings) -> None:
    response.set_cookie(COOKIE, sid, max_age=int(settings.web_session_hours * 3600), path="/", httponly=True,
                        samesite="strict", secure=settings.public_url.lower().startswith("https:"))


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def same_site(request: Request) -> bool:
    """Whether the browser says this request comes from one of our own pages."""
    sent = request.headers.get("origin")
    if sent is None or sent == "null":
        sent = _origin(request.headers.get("referer"))
    # Our public address, or the address the browser used (the Host a cross-site page cannot change).
    settings: Settings = request.app.state.settings
    ours = {_origin(settings.public_url), f"{request.url.scheme}://{request.headers.get('host', '')}"}
    return sent is not None and sent in ours


def form_allowed(request: Request, user: WebUser, sent_token: object) -> bool:
    """A signed-in form's CSRF checks: from our own page, with this session's form token."""
    return same_site(request) and isinstance(sent_token, str) and web_sessions.form_token_matches(user.sid, sent_token)
