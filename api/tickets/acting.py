"""Taking an agent action on a ticket: the one way to do it, for the API's
`POST /tickets/{number}/actions` and the console's forms alike. What the workflow cannot know
is checked here first (an assignee or team that exists, a merge target the agent may see, files
uploaded to this ticket, sub-tickets' numbers reserved), then the action goes to the ticket's
`act` update through the gateway, under the agent's Idempotency-Key if given.

A stale view (the ticket's last event moved on from the one the agent saw) is refused by the
ticket itself (workflows/stale_view.py); the refusal is told here with what happened since,
from the read model."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.deps import Principal
from api.errors import ApiError
from api.tickets.actions import ActionBody
from api.tickets.gateway import TicketGateway
from api.tickets.intake import Intake
from api.tickets.links import check_merge_target, split_action
from api.tickets.scope import check_visible, ticket_team
from models import action_keys, queries
from models.mail import get_attachment
from models.tables import TicketEventRow
from models.team_scope import Scope, assignment_problem
from workflows import messages as m


def etag(last_seq: int) -> str:
    """A ticket's ETag: its last event's seq, which every change moves on."""
    return f'"{last_seq}"'


def if_match_seq(header: str | None) -> int | None:
    """The seq an If-Match header names (`"12"`, `W/"12"` or `12`); None for none or `*`."""
    if header is None or header.strip() == "*":
        return None
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or int(value) < 1:
        raise ApiError("ValidationError", f"If-Match: expected the ticket's ETag (its last event, like \"12\"), got {header!r}",
                       [{"field": "header If-Match", "message": "not a ticket ETag"}])
    return int(value)


@dataclass(frozen=True)
class Acting:
    """Who acts, and what the action needs to reach its ticket."""

    request: Request
    sessions: sessionmaker[Session]
    scope: Scope
    tickets: TicketGateway
    intake: Intake
    me: Principal


async def take(ctx: Acting, number: int, body: ActionBody, idempotency_key: str | None = None,
               if_last_seq: int | None = None) -> m.TicketView:
    """Take the action `body` on ticket `number`: the ticket as it is after it, or ApiError."""
    me, sessions, tickets = ctx.me, ctx.sessions, ctx.tickets
    if body.kind == "split":  # type: ignore[attr-defined]  # every action body has its kind
        action = await split_action(number, body, me, tickets, ctx.intake, idempotency_key)
    else:
        action = body.to_action(me.actor())
    if isinstance(action, m.Merge):
        await check_visible(ctx.request, sessions, ctx.scope, action.into)
        await check_merge_target(number, action, tickets)
    if isinstance(action, m.Assign) and action.assignee is not None and action.team is None:
        # Assigned within its team: the assignee must be one of that team's members.
        action_team = await ticket_team(ctx.request, sessions, number)
    else:
        action_team = action.team if isinstance(action, m.Assign) else None
    await run_in_threadpool(_check_references, sessions, action, action_team)
    if attachment_ids := getattr(body, "attachments", None):  # a reply's or a note's files
        action = await run_in_threadpool(_with_attachments, sessions, number, action, attachment_ids)
    return await send(sessions, tickets, me, number, action, request=body.model_dump(mode="json"),
                      idempotency_key=idempotency_key, if_last_seq=if_last_seq)


async def send(sessions: sessionmaker[Session], tickets: TicketGateway, me: Principal, number: int, action: Any, *,
               request: dict[str, Any], idempotency_key: str | None, if_last_seq: int | None) -> m.TicketView:
    """Send a checked action to its ticket: under the agent's Idempotency-Key if given (claimed
    for `request`, what the caller asked, and freed again when the ticket refuses), refused with
    what happened since when the view it came from is stale."""
    try:
        if not idempotency_key:
            return await tickets.act(number, action, if_last_seq=if_last_seq)
        await run_in_threadpool(_claim_key, sessions, me, idempotency_key, number, request)
        try:
            return await tickets.act(number, action, update_id=f"{me.agent_id}:{idempotency_key}",
                                     if_last_seq=if_last_seq)
        except ApiError as err:
            if err.status < 500:  # refused: nothing applied under the key, which is free again
                await run_in_threadpool(_release_key, sessions, me, idempotency_key)
            raise
    except ApiError as err:
        if err.type == "StaleView" and if_last_seq is not None:
            raise await run_in_threadpool(stale_refusal, sessions, number, if_last_seq, err) from err
        raise


def stale_refusal(sessions: sessionmaker[Session], number: int, seen: int, err: ApiError) -> ApiError:
    """The StaleView refusal with what happened since the agent's view, as far as the read
    model has it yet (it follows the ticket within moments)."""
    with sessions() as s:
        since = list(s.scalars(select(TicketEventRow).where(TicketEventRow.number == number, TicketEventRow.seq > seen)
                               .order_by(TicketEventRow.seq)))
    told = "; ".join(describe(e) for e in since[-5:])
    more = f" ({len(since) - 5} earlier not listed)" if len(since) > 5 else ""
    message = f"{err.message}. Since then: {told}{more}" if since else err.message
    return ApiError("StaleView", message + ". Reload the ticket, or send the action again to do it anyway.",
                    [{"field": "header If-Match", "message": f"the ticket's last event is no longer {seen}"}])


def describe(event: TicketEventRow) -> str:
    """One event in a few words: what, by whom, and the status it led to."""
    kind = event.kind.replace("_", " ")
    who = event.actor_id
    moved = f", {event.status_from} → {event.status_to}" if event.status_to and event.status_to != event.status_from else ""
    return f"{kind} by {who}{moved}"


def _claim_key(sessions: sessionmaker[Session], me: Principal, key: str, number: int, request: dict[str, Any]) -> None:
    """A key names one action: a retry of it goes on (the update id answers it once); the same
    key with another ticket or request is refused, as `POST /tickets` refuses it."""
    with sessions.begin() as s:
        first = action_keys.claim(s, me.agent_id, key, number, action_keys.request_hash(number, request))
    if first is not None:
        raise ApiError("IdempotencyKeyReused",
                       f"Idempotency-Key {key!r} was already used for another action (on ticket {first.number})",
                       [{"field": "header Idempotency-Key", "message": "reused with a different request body"}])


def _release_key(sessions: sessionmaker[Session], me: Principal, key: str) -> None:
    with sessions.begin() as s:
        action_keys.release(s, me.agent_id, key)


def _with_attachments(sessions: sessionmaker[Session], number: int, action: Any, ids: list[int]) -> Any:
    """A reply or note names files uploaded to this ticket; the workflow gets their references."""
    refs = []
    with sessions() as s:
        for i, attachment_id in enumerate(dict.fromkeys(ids)):
            row = get_attachment(s, number, attachment_id)
            if row is None:
                raise ApiError("UnknownAttachment", f"attachments[{i}]: ticket {number} has no attachment {attachment_id}",
                               [{"field": f"attachments[{i}]", "message": "no such attachment on this ticket"}])
            refs.append(m.AttachmentRef(id=row.id, filename=row.filename, content_type=row.content_type, size=row.size))
    return dataclasses.replace(action, attachments=refs)


def _check_references(sessions: sessionmaker[Session], action: Any, team: str | None = None) -> None:
    """An assignee or team must exist, so a typo is a 422 here and not a ticket owned by nobody;
    and an assignee must be someone who may be given a ticket of `team`, the team it will be in
    (models/team_scope.assignment_problem)."""
    if isinstance(action, m.Split):
        with sessions() as s:
            for i, child in enumerate(action.children):
                if child.team is not None and queries.team_by_slug(s, child.team) is None:
                    raise ApiError("UnknownTeam", f"children[{i}].team: no team {child.team!r}",
                                   [{"field": f"children[{i}].team", "message": "no such team"}])
        return
    if not isinstance(action, m.Assign):
        return
    with sessions() as s:
        if action.team is not None and queries.team_by_slug(s, action.team) is None:
            raise ApiError("UnknownTeam", f"team: no team {action.team!r}", [{"field": "team", "message": "no such team"}])
        if action.assignee is not None and (problem := assignment_problem(s, action.assignee, team)) is not None:
            raise ApiError("UnknownAgent", f"assignee: {problem}", [{"field": "assignee", "message": problem}])
