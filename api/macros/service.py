"""Macros: who may use and manage which, saving them (their text checked), and rendering and
applying one to a ticket. The JSON API (routes.py) and the console's pages call these.

Who may (docs/macros.md):

| scope | use it (list, get, preview, apply) | manage it (create, change, delete) |
|---|---|---|
| personal | its owner | its owner |
| team | the team's members, and whoever may manage it | admins; the team's supervisors (supervisors who are members) and its lead and manager (`Team.lead_email`, `manager_email`) |
| global | every agent, supervisor and admin | supervisors and admins |

Auditors never act on tickets, so they have no macros (the routes refuse them). Someone who may
not use a macro is told there is no such macro (404): personal macros stay private.

The sync functions take an open session (the caller commits); `preview` and `apply` take the
app's session factory and the ticket gateway. Neither checks that the ticket is one the caller
may see (team scope): the caller does, as every `/tickets/{n}` operation does
(api/tickets/scope.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.deps import Principal
from api.errors import ApiError
from api.macros import rendering
from api.macros.schemas import MacroIn, MacroOut, MacroPreview, MacroUpdate
from api.tickets import acting
from api.tickets.gateway import TicketGateway
from models import queries
from models import macros as store
from models.macros import Macro
from models.tables import Agent, Team, utcnow
from workflows import messages as m
from workflows.vocabulary import Role, Status

MANAGE_GLOBAL = (Role.SUPERVISOR.value, Role.ADMIN.value)


@dataclass(frozen=True)
class Reach:
    """What decides an agent's macros: who they are, the teams they are a member of, and the
    teams they lead or manage."""

    agent_id: int
    email: str
    role: str
    member_of: frozenset[int]
    leads: frozenset[int]

    def may_use(self, macro: Macro) -> bool:
        if macro.scope == "personal":
            return macro.owner_id == self.agent_id
        if macro.scope == "team":
            return macro.team_id in self.member_of or self.may_manage(macro)
        return True

    def may_manage(self, macro: Macro) -> bool:
        if macro.scope == "personal":
            return macro.owner_id == self.agent_id
        if macro.scope == "team":
            return macro.team_id is not None and self.may_manage_team(macro.team_id)
        return self.role in MANAGE_GLOBAL

    def may_manage_team(self, team_id: int) -> bool:
        return (self.role == Role.ADMIN or team_id in self.leads
                or (self.role == Role.SUPERVISOR and team_id in self.member_of))


def reach_of(s: Session, me: Principal) -> Reach:
    led = s.scalars(select(Team.id).where((Team.lead_email == me.email) | (Team.manager_email == me.email)))
    return Reach(agent_id=me.agent_id, email=me.email, role=me.role,
                 member_of=frozenset(store.team_ids_of(s, me.agent_id)), leads=frozenset(led))


# --- reading -----------------------------------------------------------------------------


def usable_macros(s: Session, me: Principal, *, scope: str | None = None, team: str | None = None,
                  manageable: bool = False) -> list[MacroOut]:
    """The macros `me` may use (only those they may also manage, with `manageable`), by name;
    narrowed to one scope, or to one team's (by slug)."""
    reach = reach_of(s, me)
    q = store.visible(me.agent_id, set(reach.member_of | reach.leads), all_teams=me.role == Role.ADMIN)
    if scope is not None:
        q = q.where(Macro.scope == scope)
    if team is not None:
        row = queries.team_by_slug(s, team)
        if row is None:
            raise ApiError("UnknownTeam", f"team: no team {team!r}", [{"field": "query parameter team", "message": "no such team"}])
        q = q.where(Macro.team_id == row.id)
    found = [mac for mac in s.scalars(q) if reach.may_use(mac) and (not manageable or reach.may_manage(mac))]
    return _out(s, reach, found)


def get_macro(s: Session, me: Principal, macro_id: int) -> MacroOut:
    reach = reach_of(s, me)
    return _out(s, reach, [_usable(s, reach, macro_id)])[0]


def _usable(s: Session, reach: Reach, macro_id: int) -> Macro:
    macro = store.get(s, macro_id)
    if macro is None or not reach.may_use(macro):
        raise ApiError("NotFound", f"no macro {macro_id}", [{"field": "path parameter macro_id", "message": "no such macro"}])
    return macro


def _out(s: Session, reach: Reach, found: list[Macro]) -> list[MacroOut]:
    teams = {t.id: t.slug for t in s.scalars(select(Team).where(Team.id.in_({mac.team_id for mac in found if mac.team_id})))}
    owners = {a.id: a.email for a in s.scalars(select(Agent).where(Agent.id.in_({mac.owner_id for mac in found if mac.owner_id})))}
    return [MacroOut.of(mac, teams.get(mac.team_id) if mac.team_id else None,
                        owners.get(mac.owner_id) if mac.owner_id else None, reach.may_manage(mac)) for mac in found]


# --- managing ----------------------------------------------------------------------------


def create_macro(s: Session, me: Principal, body: MacroIn) -> MacroOut:
    reach = reach_of(s, me)
    owner_id, team_id = None, None
    if body.scope == "team":
        if body.team is None:
            raise _invalid("team", "required for a team macro")
        row = queries.team_by_slug(s, body.team)
        if row is None:
            raise ApiError("UnknownTeam", f"team: no team {body.team!r}", [{"field": "team", "message": "no such team"}])
        if not reach.may_manage_team(row.id):
            raise ApiError("Forbidden", f"team {body.team!r}'s macros are managed by admins and by its supervisors, "
                                        "lead and manager")
        team_id = row.id
    elif body.team is not None:
        raise _invalid("team", f"only a team macro names a team (this one is {body.scope})")
    if body.scope == "global" and me.role not in MANAGE_GLOBAL:
        raise ApiError("Forbidden", f"role {me.role!r} may not manage global macros; supervisors and admins do")
    if body.scope == "personal":
        owner_id = me.agent_id
    _check_template(body.body)
    key = store.scope_key(body.scope, owner_id, team_id)
    _check_name(s, key, body.name)
    now = utcnow()
    macro = Macro(name=body.name, body=body.body, scope=body.scope, owner_id=owner_id, team_id=team_id, scope_key=key,
                  status=body.status, priority=body.priority, add_tags=list(body.add_tags),
                  remove_tags=list(body.remove_tags), created_by=me.email, created_at=now, updated_at=now)
    s.add(macro)
    _flush(s, body.name)
    return _out(s, reach, [macro])[0]


def update_macro(s: Session, me: Principal, macro_id: int, body: MacroUpdate) -> MacroOut:
    reach = reach_of(s, me)
    macro = _manageable(s, reach, macro_id)
    given = body.model_fields_set
    for name in ("name", "body", "add_tags", "remove_tags"):
        if name in given and getattr(body, name) is None:
            raise _invalid(name, "may not be null")
    if body.body is not None:
        _check_template(body.body)
    if body.name is not None and body.name != macro.name:
        _check_name(s, macro.scope_key, body.name, but=macro.id)
    for name in ("name", "body", "status", "priority"):
        if name in given:
            setattr(macro, name, getattr(body, name))
    if "add_tags" in given:
        macro.add_tags = list(body.add_tags or [])
    if "remove_tags" in given:
        macro.remove_tags = list(body.remove_tags or [])
    macro.updated_at = utcnow()
    _flush(s, macro.name)
    return _out(s, reach, [macro])[0]


def delete_macro(s: Session, me: Principal, macro_id: int) -> None:
    s.delete(_manageable(s, reach_of(s, me), macro_id))


def _manageable(s: Session, reach: Reach, macro_id: int) -> Macro:
    macro = _usable(s, reach, macro_id)
    if not reach.may_manage(macro):
        who = ("admins and the team's supervisors, lead and manager" if macro.scope == "team"
               else "supervisors and admins")
        raise ApiError("Forbidden", f"macro {macro_id} is a {macro.scope} macro: {who} manage it")
    return macro


def _check_template(source: str) -> None:
    found = rendering.problems(source)
    if not source.strip():
        found = [rendering.Problem(1, "must not be blank")]
    if found:
        raise ApiError("ValidationError", "body: " + "; ".join(str(p) for p in found),
                       [{"field": "body", "message": str(p)} for p in found])


def _check_name(s: Session, key: str, name: str, but: int | None = None) -> None:
    if store.name_taken(s, key, name, but=but):
        raise _invalid("name", f"a macro named {name!r} exists in this scope already")


def _flush(s: Session, name: str) -> None:
    try:
        s.flush()
    except IntegrityError:  # the same name saved at the same moment by another request
        raise _invalid("name", f"a macro named {name!r} exists in this scope already") from None


def _invalid(field: str, message: str) -> ApiError:
    return ApiError("ValidationError", f"{field}: {message}", [{"field": field, "message": message}])


# --- on a ticket -------------------------------------------------------------------------


def placeholders(view: m.TicketView, me: Principal) -> dict[str, dict[str, Any]]:
    """The values of a macro's placeholders for this ticket and agent (rendering.PLACEHOLDERS)."""
    t = view.ticket
    return {"requester": {"name": t.requester_name or t.requester_email, "email": t.requester_email},
            "ticket": {"number": t.number, "subject": t.subject, "status": t.status, "priority": t.priority},
            "agent": {"name": me.name or me.email, "email": me.email}}


def render_for_ticket(macro: MacroOut, view: m.TicketView, me: Principal) -> str:
    """The macro's reply for this ticket and agent; 422 if it cannot be a reply."""
    where = f"macro {macro.id} on ticket {view.ticket.number}"
    try:
        text = rendering.render(macro.body, placeholders(view, me))
    except Exception as err:  # a template saved before a rule it breaks: refused, never a 500
        raise ApiError("InvalidAction", f"body: {where} does not render: {err}",
                       [{"field": "body", "message": f"does not render: {err}"}]) from None
    if not text.strip() or len(text) > m.MAX_BODY_CHARS:
        problem = "is empty" if not text.strip() else f"is longer than {m.MAX_BODY_CHARS} characters"
        raise ApiError("InvalidAction", f"body: {where} {problem} once rendered",
                       [{"field": "body", "message": f"{problem} once rendered"}])
    return text


def action_for(macro: MacroOut, body: str, me: Principal) -> m.MacroReply:
    return m.MacroReply(actor=me.actor(), macro=macro.name, macro_id=macro.id, body=body, status=macro.status,
                        priority=macro.priority, add=list(macro.add_tags), remove=list(macro.remove_tags))


async def _macro_and_view(sessions: sessionmaker[Session], gateway: TicketGateway, me: Principal, macro_id: int,
                          number: int) -> tuple[MacroOut, m.TicketView]:
    def load() -> MacroOut:
        with sessions() as s:
            return get_macro(s, me, macro_id)

    macro = await run_in_threadpool(load)
    view = await gateway.view(number)
    if view is None:
        raise ApiError("TicketNotFound", f"ticket {number} does not exist (or its history is no longer kept)")
    return macro, view


async def preview(sessions: sessionmaker[Session], gateway: TicketGateway, me: Principal, macro_id: int,
                  number: int) -> MacroPreview:
    """What applying the macro to the ticket would do now, without doing it."""
    macro, view = await _macro_and_view(sessions, gateway, me, macro_id, number)
    return MacroPreview(macro=macro.id, number=number, body=render_for_ticket(macro, view, me), status=macro.status,
                        priority=macro.priority, add_tags=macro.add_tags, remove_tags=macro.remove_tags)


async def apply(sessions: sessionmaker[Session], gateway: TicketGateway, me: Principal, macro_id: int, number: int,
                idempotency_key: str | None = None, if_last_seq: int | None = None,
                text: str | None = None) -> m.TicketView:
    """Reply with the macro and set what it sets, as one update of the ticket's workflow (the
    `macro` action): all of it or, refused, nothing. A retry with the same Idempotency-Key
    answers with the first outcome instead of applying it twice; the same key with another
    ticket or macro is refused. With `if_last_seq` (the API's If-Match), only if that is still
    the ticket's last event: else 409 StaleView naming what happened since (docs/console.md).
    With `text`, that is the reply instead of the macro's rendering (the console's preview,
    edited by the agent: plain text, no template)."""
    macro, view = await _macro_and_view(sessions, gateway, me, macro_id, number)
    if view.ticket.status == Status.CLOSED:  # the workflow would refuse it too; no key is claimed for it
        raise ApiError("TicketClosed", f"ticket {number} is closed; nothing can change it")
    action = action_for(macro, render_for_ticket(macro, view, me) if text is None else _own_text(text), me)
    request = {"macro": macro_id} if text is None else {"macro": macro_id, "body": text}
    return await acting.send(sessions, gateway, me, number, action, request=request,
                             idempotency_key=idempotency_key, if_last_seq=if_last_seq)


def _own_text(text: str) -> str:
    """The agent's own text for a macro's reply: what a reply may be."""
    problem = ("must not be blank" if not text.strip() else
               f"at most {m.MAX_BODY_CHARS} characters" if len(text) > m.MAX_BODY_CHARS else
               "must not contain a NUL character" if "\x00" in text else None)
    if problem:
        raise _invalid("body", problem)
    return text
