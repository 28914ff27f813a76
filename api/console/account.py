"""The agent's own account page (GET /account): who they are, their password (POST
/account/password) and which of their own notices they are mailed (POST
/account/notifications; the service is models/notification_preferences.py, as for
/me/notification-preferences). Signing in and out is api/signin/routes.py.

The notifications form shows one checkbox per switchable kind (`on`) and names the kinds it
showed in hidden `shown` fields, since a browser sends no unchecked box: a kind shown and not
ticked is switched off, a kind not shown is left as it is. A kind that is not switchable is
refused (422, naming it) and nothing is saved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.console.pages import render, signed_in_form
from api.deps import SessionsDep
from api.signin import session as web
from models import passwords
from models.notification_preferences import preferences_of, refusal, set_preferences
from models.tables import Agent
from workflows.vocabulary import NotificationKind

router = APIRouter(include_in_schema=False)
ACCOUNT = "/account"


@dataclass(frozen=True)
class Choice:
    """One checkbox of the notifications form."""

    kind: str
    label: str
    hint: str
    on: bool


# What each switchable kind is called on the page, with a line on when it is sent.
WORDS: dict[str, tuple[str, str]] = {
    NotificationKind.ASSIGNED: ("A ticket is assigned to me",
                                "By a colleague or by routing; not when you take a ticket yourself."),
    NotificationKind.CUSTOMER_REPLIED: ("A customer replied on my ticket",
                                        "The requester wrote on a ticket assigned to you: by mail, on the portal, "
                                        "or passed on by a colleague."),
    NotificationKind.MENTION: ("I am mentioned in a note", "A colleague @mentioned you in an internal note."),
}
NOTICES = {"changed": "Your password is changed.", "saved": "Your notification preferences are saved."}


def choices(prefs: dict[str, bool]) -> list[Choice]:
    """The form's checkboxes, in the vocabulary's order (a kind without words shows its name)."""
    return [Choice(kind, *WORDS.get(kind, (kind.replace("_", " ").capitalize(), "")), on=on)
            for kind, on in prefs.items()]


def _account(user: web.WebUser, sessions: sessionmaker[Session], status: int = 200,
             posted: dict[str, bool] | None = None, **context: Any) -> Response:
    """The page; `posted` keeps what a refused notifications form had ticked."""
    with sessions() as s:
        agent = s.get(Agent, user.me.agent_id)
        has_password = agent is not None and agent.password_hash is not None
        prefs = preferences_of(s, user.me.agent_id)
    if posted:
        prefs |= {kind: on for kind, on in posted.items() if kind in prefs}
    context = {"error": None, "field": None, "notice": None, "notify_error": None} | context
    return render("account.html", status=status, user=user, has_password=has_password,
                  min_chars=passwords.MIN_CHARS, choices=choices(prefs), **context)


@router.get(ACCOUNT)
def account(request: Request, sessions: SessionsDep) -> Response:
    user = web.signed_in(request)
    if isinstance(user, Response):
        return user
    notice = next((words for key, words in NOTICES.items() if request.query_params.get(key)), None)
    return _account(user, sessions, notice=notice)


@router.post(f"{ACCOUNT}/password")
async def change_password(request: Request, sessions: SessionsDep) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    user, form = posted
    current, new, again = (str(form.get(k) or "") for k in ("current", "new", "again"))
    problem = await run_in_threadpool(_change, sessions, user, current, new, again)
    if problem is not None:
        return await run_in_threadpool(lambda: _account(user, sessions, status=422, field=problem[0], error=problem[1]))
    return RedirectResponse(f"{ACCOUNT}?changed=1", status_code=303)


def _change(sessions: sessionmaker[Session], user: web.WebUser, current: str, new: str,
            again: str) -> tuple[str, str] | None:
    """Change the signed-in agent's password: None, or the field at fault and what is wrong."""
    with sessions.begin() as s:
        agent = s.get(Agent, user.me.agent_id)
        assert agent is not None  # signed in: the agent exists and is active
        if agent.password_hash is not None and not passwords.matches(agent, current):
            return "current", "That is not your current password."
        if new != again:
            return "again", "The two new passwords differ."
        try:
            passwords.set_password(s, agent, new, keep_session=user.sid)
        except passwords.PasswordRefused as why:
            return "new", f"Not changed: {why}."
    return None


def changes_of(shown: Iterable[object], ticked: Iterable[object]) -> tuple[dict[str, bool], list[str]]:
    """The switches a notifications form asks for (each kind shown or ticked: on if ticked), and
    what is wrong with it: one sentence per kind that cannot be switched."""
    ticked_kinds = [str(k) for k in ticked]
    kinds = list(dict.fromkeys([str(k) for k in shown] + ticked_kinds))
    problems = [f"“{kind[:60]}” cannot be switched: {why}." for kind in kinds if (why := refusal(kind)) is not None]
    return {kind: kind in ticked_kinds for kind in kinds}, problems


@router.post(f"{ACCOUNT}/notifications")
async def save_notifications(request: Request, sessions: SessionsDep) -> Response:
    posted = await signed_in_form(request)
    if isinstance(posted, Response):
        return posted
    user, form = posted
    changes, problems = changes_of(form.getlist("shown"), form.getlist("on"))
    if problems:
        error = "Nothing was saved. " + " ".join(problems)
        return await run_in_threadpool(lambda: _account(user, sessions, status=422, posted=changes, notify_error=error))
    await run_in_threadpool(_save, sessions, user.me.agent_id, changes)
    return RedirectResponse(f"{ACCOUNT}?saved=1", status_code=303)


def _save(sessions: sessionmaker[Session], agent_id: int, changes: dict[str, bool]) -> None:
    with sessions.begin() as s:
        set_preferences(s, agent_id, changes)  # checked above: it raises nothing here
