"""Who may see the supervisors' pages: an agent signed in to the web pages (api/signin/: e-mail
and password, or an API token pasted once) whose role reads reports. /supervisor/login is the
one sign-in page's old address, kept so bookmarks still work."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import Principal, SessionsDep
from api.signin import session as web
from api.supervisor.pages import refusal
from workflows.vocabulary import MANAGER_ROLES

router = APIRouter(prefix="/supervisor", include_in_schema=False)
HOME = "/supervisor/reports"
ROLES_IN_WORDS = ", ".join(MANAGER_ROLES[:-1]) + f" or {MANAGER_ROLES[-1]}"


def forbidden(me: Principal) -> Response:
    """The page for someone signed in whose role reads no reports (with a way to sign out)."""
    return refusal("Reports are for supervisors", f"You are signed in with the role {me.role!r}. "
                   f"These pages are for the roles {ROLES_IN_WORDS}.", 403, me=me)


def signed_in_user(request: Request) -> web.WebUser | Response:
    """The supervisor signed in, with their session (its form token), or the page to show instead:
    the sign-in page (no session, or one that ended) or a refusal (a role that may not see).
    Reads the database: call it on a thread."""
    user = web.signed_in(request)
    if isinstance(user, Response):
        return user
    return user if user.me.role in MANAGER_ROLES else forbidden(user.me)


def signed_in(request: Request, sessions: SessionsDep) -> Principal | Response:
    """The supervisor signed in, or the page to show instead (as signed_in_user)."""
    user = signed_in_user(request)
    return user if isinstance(user, Response) else user.me


@router.get("", include_in_schema=False)
def home() -> Response:
    return RedirectResponse(HOME, status_code=303)


@router.get("/login")
def login_form() -> Response:
    return RedirectResponse(f"{web.LOGIN}?next={HOME}", status_code=303)
