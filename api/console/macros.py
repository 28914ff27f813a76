"""The console's macros (docs/console.md, "Macros"; docs/macros.md).

- Managing them: GET /console/macros (the macros the agent may use, what each sets, and a form
  for a new one), GET and POST /console/macros/{id} (change one), POST
  /console/macros/{id}/delete.
- On the ticket page (its "Use a macro" form, templates/console/_macros.html):
  GET or POST /console/tickets/{n}/macros/preview (the page again, with the macro rendered for
  this ticket in an editable form) and POST /console/tickets/{n}/macros/apply (the reply and
  what the macro sets, as one update, with the page's `seen` as the stale-view guard).

Thin: api/macros/service.py decides who may use and manage which macro, checks the text and
applies it, as for the JSON API; a refusal comes back as the page with the field named."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.console.pages import cross_site, refusal, render
from api.console.ticket import Attempt, page, signed_in_and_visible, stopped_writing
from api.deps import Principal, SessionsDep
from api.errors import ApiError
from api.macros import service
from api.macros.rendering import PLACEHOLDER_NAMES
from api.macros.schemas import MacroIn, MacroOut, MacroPreview, MacroUpdate
from api.signin import session as web
from models.tables import Team
from workflows import messages as m
from workflows.vocabulary import ACTING_ROLES

router = APIRouter(prefix="/console", include_in_schema=False)
FIELDS = ("name", "body", "scope", "team", "status", "priority", "add_tags", "remove_tags")
DONE = {"created": "the macro is saved", "saved": "the macro is changed", "deleted": "the macro is deleted"}


# --- reading the forms -----------------------------------------------------------------------


def _values(form: Mapping[str, Any]) -> dict[str, str]:
    """The macro form's fields as typed (to show again)."""
    return {name: str(form.get(name) or "") for name in FIELDS}


def _tags(raw: str) -> list[str]:
    return [t.strip() for t in raw.replace("\n", ",").split(",") if t.strip()]


def _fields(values: Mapping[str, str], *names: str) -> dict[str, Any]:
    """The schema's input from the form: an empty box is no value (none, no tags)."""
    out: dict[str, Any] = {}
    for name in names:
        raw = values.get(name, "")
        out[name] = _tags(raw) if name.endswith("_tags") else (raw if raw.strip() else None)
    return out


def _problems(err: ValidationError) -> dict[str, str]:
    """A schema's refusal, in words, by field."""
    out: dict[str, str] = {}
    for e in err.errors():
        field = next((str(p) for p in e.get("loc", ()) if not isinstance(p, int)), "form")
        kind = e.get("type", "")
        if kind in ("missing", "string_too_short", "string_type") and field in ("name", "body"):
            message = "must not be blank"
        elif kind == "string_pattern_mismatch":
            message = "one word per tag, no spaces" if field.endswith("_tags") else "must not contain a NUL character"
        else:
            message = str(e.get("msg", "invalid"))
        out.setdefault(field, message)
    return out


def _api_problems(err: ApiError, on_ticket: bool = False) -> dict[str, str]:
    """The service's refusal by field, named as the forms name them (on the ticket page the
    reply's text is `text`: the page's own forms show a `body` problem under theirs)."""
    renamed = {"path parameter macro_id": "macro"} | ({"body": "text"} if on_ticket else {})
    out: dict[str, list[str]] = {}
    for f in err.fields:
        field = renamed.get(f["field"], f["field"])
        out.setdefault(field, []).append(f["message"])
    return {field: "; ".join(messages) for field, messages in out.items()}


def _no_macros(user: web.WebUser) -> Response | None:
    """Auditors read tickets and have no macros."""
    if user.me.role in ACTING_ROLES:
        return None
    return refusal("Not allowed", f"The role {user.me.role!r} reads tickets but has no macros.", 403, user=user,
                   back="/console")


async def _agent(request: Request) -> web.WebUser | Response:
    """The signed-in agent, supervisor or admin."""
    user = await run_in_threadpool(web.signed_in, request)
    if isinstance(user, Response):
        return user
    return _no_macros(user) or user


async def _form(request: Request, user: web.WebUser) -> dict[str, str] | Response:
    """The form's fields, if it came from this session's page."""
    form = await request.form()
    if not web.form_allowed(request, user, form.get("csrf")):
        return cross_site()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _agent_form(request: Request) -> tuple[web.WebUser, dict[str, str]] | Response:
    user = await _agent(request)
    if isinstance(user, Response):
        return user
    form = await _form(request, user)
    return form if isinstance(form, Response) else (user, form)


# --- managing ---------------------------------------------------------------------------------


def _choices(s: Session, me: Principal) -> dict[str, Any]:
    """What the form offers this agent: the scopes they may create in, and the teams whose
    macros they manage."""
    reach = service.reach_of(s, me)
    teams = [(t.slug, t.name) for t in s.scalars(select(Team).order_by(Team.name)) if reach.may_manage_team(t.id)]
    scopes = ["personal"] + (["team"] if teams else []) + (["global"] if me.role in service.MANAGE_GLOBAL else [])
    return {"teams": teams, "scopes": scopes, "statuses": m.MACRO_STATUSES, "priorities": m.PRIORITIES,
            "placeholders": PLACEHOLDER_NAMES}


def _list_page(sessions: sessionmaker[Session], user: web.WebUser, status: int = 200, values: dict[str, str] | None = None,
               errors: dict[str, str] | None = None, message: str | None = None, done: str | None = None) -> Response:
    with sessions() as s:
        macros = service.usable_macros(s, user.me)
        choices = _choices(s, user.me)
    return render("macros.html", status=status, user=user, macros=macros, values=values or {"scope": "personal"},
                  errors=errors or {}, message=message, done=DONE.get(done or ""), editing=None, **choices)


def _edit_page(sessions: sessionmaker[Session], user: web.WebUser, macro: MacroOut, status: int = 200,
               values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
               message: str | None = None) -> Response:
    if values is None:
        values = {"name": macro.name, "body": macro.body, "status": macro.status or "", "priority": macro.priority or "",
                  "add_tags": ", ".join(macro.add_tags), "remove_tags": ", ".join(macro.remove_tags)}
    with sessions() as s:
        choices = _choices(s, user.me)
    return render("macro.html", status=status, user=user, editing=macro, values=values, errors=errors or {},
                  message=message, **choices)


@router.get("/macros")
async def macros_page(request: Request, sessions: SessionsDep) -> Response:
    user = await _agent(request)
    if isinstance(user, Response):
        return user
    return await run_in_threadpool(_list_page, sessions, user, done=request.query_params.get("done"))


@router.post("/macros")
async def create_macro(request: Request, sessions: SessionsDep) -> Response:
    got = await _agent_form(request)
    if isinstance(got, Response):
        return got
    user, form = got
    return await run_in_threadpool(_create, sessions, user, _values(form))


def _create(sessions: sessionmaker[Session], user: web.WebUser, values: dict[str, str]) -> Response:
    try:
        body = MacroIn.model_validate(_fields(values, *FIELDS) | {"name": values["name"], "body": values["body"],
                                                                  "scope": values["scope"] or "personal"})
    except ValidationError as err:
        return _list_page(sessions, user, 422, values, _problems(err), "Some fields are not right; nothing was saved.")
    try:
        with sessions.begin() as s:  # a refusal rolls it back: nothing saved
            made = service.create_macro(s, user.me, body)
    except ApiError as err:
        return _list_page(sessions, user, err.status, values, _api_problems(err), err.message)
    return RedirectResponse(f"/console/macros?done=created#macro-{made.id}", status_code=303)


def _get(sessions: sessionmaker[Session], user: web.WebUser, macro_id: int) -> MacroOut | Response:
    try:
        with sessions() as s:
            return service.get_macro(s, user.me, macro_id)
    except ApiError as err:
        return refusal("No such macro", f"There is no macro {macro_id} you may use.", err.status, user=user,
                       back="/console/macros")


@router.get("/macros/{macro_id}")
async def macro_page(macro_id: int, request: Request, sessions: SessionsDep) -> Response:
    user = await _agent(request)
    if isinstance(user, Response):
        return user

    def show() -> Response:
        macro = _get(sessions, user, macro_id)
        return macro if isinstance(macro, Response) else _edit_page(sessions, user, macro)

    return await run_in_threadpool(show)


@router.post("/macros/{macro_id}")
async def change_macro(macro_id: int, request: Request, sessions: SessionsDep) -> Response:
    got = await _agent_form(request)
    if isinstance(got, Response):
        return got
    user, form = got
    return await run_in_threadpool(_change, sessions, user, macro_id, _values(form))


def _change(sessions: sessionmaker[Session], user: web.WebUser, macro_id: int, values: dict[str, str]) -> Response:
    macro = _get(sessions, user, macro_id)
    if isinstance(macro, Response):
        return macro
    try:  # every field of the form is given: an empty status or priority clears it
        body = MacroUpdate.model_validate(_fields(values, "name", "body", "status", "priority", "add_tags",
                                                  "remove_tags") | {"name": values["name"], "body": values["body"]})
    except ValidationError as err:
        return _edit_page(sessions, user, macro, 422, values, _problems(err), "Some fields are not right; nothing was saved.")
    try:
        with sessions.begin() as s:
            service.update_macro(s, user.me, macro_id, body)
    except ApiError as err:
        return _edit_page(sessions, user, macro, err.status, values, _api_problems(err), err.message)
    return RedirectResponse(f"/console/macros?done=saved#macro-{macro_id}", status_code=303)


@router.post("/macros/{macro_id}/delete")
async def delete_macro(macro_id: int, request: Request, sessions: SessionsDep) -> Response:
    got = await _agent_form(request)
    if isinstance(got, Response):
        return got
    user, _ = got

    def delete() -> Response:
        try:
            with sessions.begin() as s:
                service.delete_macro(s, user.me, macro_id)
        except ApiError as err:
            return refusal("Not deleted", err.message, err.status, user=user, back="/console/macros")
        return RedirectResponse("/console/macros?done=deleted", status_code=303)

    return await run_in_threadpool(delete)


# --- on the ticket page --------------------------------------------------------------------------


def _macro_id(raw: str) -> int:
    if not raw.strip().isdigit():
        raise ApiError("ValidationError", "macro: choose a macro", [{"field": "macro", "message": "choose a macro"}])
    return int(raw)


@router.api_route("/tickets/{number}/macros/preview", methods=["GET", "POST"])
async def preview(number: int, request: Request, sessions: SessionsDep) -> Response:
    """The ticket page with the macro rendered for this ticket, in a form to edit and apply."""
    user = await signed_in_and_visible(request, sessions, number)
    if isinstance(user, Response):
        return user
    if refused := _no_macros(user):
        return refused
    if request.method == "POST":
        form = await _form(request, user)
        if isinstance(form, Response):
            return form
        raw = form.get("macro", "")
    else:  # reading only: a link may show a preview
        raw = request.query_params.get("macro", "")
    try:
        shown = await service.preview(sessions, request.app.state.gateway, user.me, _macro_id(raw), number)
    except ApiError as err:
        attempt = Attempt(kind="macro", values={"macro": raw}, message=err.message, fields=_api_problems(err, on_ticket=True),
                          to="macros/apply")
        return await page(request, sessions, user, number, status=err.status, attempt=attempt)
    return await page(request, sessions, user, number, macro_preview=shown)


@router.post("/tickets/{number}/macros/apply")
async def apply(number: int, request: Request, sessions: SessionsDep) -> Response:
    """The macro's reply (the previewed text as edited, else its rendering) and what it sets, as
    one update; refused, the page again with why, and nothing applied."""
    user = await signed_in_and_visible(request, sessions, number)
    if isinstance(user, Response):
        return user
    if refused := _no_macros(user):
        return refused
    form = await _form(request, user)
    if isinstance(form, Response):
        return form
    raw, text, seen, key = form.get("macro", ""), form.get("body"), form.get("seen", ""), form.get("key")
    # "Send it anyway" after a stale-view refusal: the agent has seen what changed.
    if_last_seq = int(seen) if seen.isdigit() and not form.get("confirm") else None
    gateway = request.app.state.gateway
    try:
        await service.apply(sessions, gateway, user.me, _macro_id(raw), number,
                            idempotency_key=f"console-{key}" if key else None, if_last_seq=if_last_seq, text=text)
    except ApiError as err:
        kept = {"macro": raw} | ({"body": text} if text is not None else {})
        attempt = Attempt(kind="macro", values=kept, message=err.message, fields=_api_problems(err, on_ticket=True),
                          stale=err.type == "StaleView", to="macros/apply")
        shown = await _shown_again(sessions, gateway, user.me, raw, number, text)
        return await page(request, sessions, user, number, status=err.status, attempt=attempt, macro_preview=shown)
    await run_in_threadpool(stopped_writing, sessions, number, user.me.agent_id)
    return RedirectResponse(f"/console/tickets/{number}?done=macro#top", status_code=303)


async def _shown_again(sessions: sessionmaker[Session], gateway: Any, me: Principal, raw: str, number: int,
                       text: str | None) -> MacroPreview | None:
    """A refused apply of a previewed (perhaps edited) text shows that text again to apply."""
    if text is None or not raw.strip().isdigit():
        return None
    try:
        shown = await service.preview(sessions, gateway, me, int(raw), number)
    except ApiError:
        return None
    return shown.model_copy(update={"body": text})
