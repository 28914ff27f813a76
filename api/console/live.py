"""The ticket page's live part. GET /console/tickets/{n}/live is a server-sent event stream that
tells the page when the ticket has a new event (`ticket`, with its last seq) and who else has
it open or is writing on it (`presence`); GET /console/tickets/{n}/fragment is the page's live
region (conversation, clocks, timeline) drawn again, for the page's script to put in place;
POST /console/tickets/{n}/presence says the agent started or stopped writing.

While the stream is open the agent counts as present (it notes so every few seconds); when
the page goes, so does the agent, at once or after models/presence.PRESENT_FOR. The stream
reads the read model, which follows the ticket within moments, once a second."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from api.console.pages import HEADERS, render
from api.console.ticket import page_context, signed_in_and_visible
from api.deps import SessionsDep
from api.signin import session as web
from models import presence
from models.tables import TicketRow

router = APIRouter(prefix="/console/tickets", include_in_schema=False)
POLL_SECONDS = 1.0
TOUCH_EVERY = 10  # polls between two notes that the agent is still here
KEEPALIVE_EVERY = 15  # polls between two comments that keep proxies from closing an idle stream


def _snapshot(sessions: sessionmaker[Session], number: int, agent_id: int, touch: bool) -> tuple[int | None, list[dict]]:
    now = datetime.now(timezone.utc)
    with sessions.begin() as s:
        if touch:
            presence.touch(s, number, agent_id, now)
        last_seq = s.scalar(select(TicketRow.last_seq).where(TicketRow.number == number))
        people = [{"name": p.name, "email": p.email, "state": p.state}
                  for p in presence.present(s, number, now, but=agent_id)]
    return last_seq, people


def _leave(sessions: sessionmaker[Session], number: int, agent_id: int) -> None:
    with sessions.begin() as s:
        presence.leave(s, number, agent_id)


def event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


@router.get("/{number}/live")
async def live(number: int, request: Request, sessions: SessionsDep) -> Response:
    user = await signed_in_and_visible(request, sessions, number)
    if isinstance(user, Response):
        return user
    agent_id = user.me.agent_id

    async def stream() -> AsyncIterator[str]:
        last: tuple[int | None, list[dict]] | None = None
        polls = 0
        try:
            yield "retry: 3000\n\n"
            while not await request.is_disconnected():
                seq, people = await run_in_threadpool(_snapshot, sessions, number, agent_id, polls % TOUCH_EVERY == 0)
                if last is None or seq != last[0]:
                    yield event("ticket", {"last_seq": seq})
                if last is None or people != last[1]:
                    yield event("presence", people)
                elif polls % KEEPALIVE_EVERY == 0:
                    yield ": still here\n\n"
                last = (seq, people)
                polls += 1
                await asyncio.sleep(POLL_SECONDS)
        finally:
            await run_in_threadpool(_leave, sessions, number, agent_id)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/{number}/fragment")
async def fragment(number: int, request: Request, sessions: SessionsDep) -> Response:
    user = await signed_in_and_visible(request, sessions, number)
    if isinstance(user, Response):
        return user
    now = datetime.now(timezone.utc)
    view = await request.app.state.gateway.view(number)
    extra = await run_in_threadpool(page_context, sessions, number, user, now)
    ticket = view.ticket if view is not None else extra["row"]
    if ticket is None:
        return Response(status_code=404, headers=HEADERS)
    return render("_ticket_live.html", user=user, view=view, ticket=ticket, now=now, **extra)


@router.post("/{number}/presence")
async def say_presence(number: int, request: Request, sessions: SessionsDep) -> Response:
    user = await signed_in_and_visible(request, sessions, number)
    if isinstance(user, Response):
        return user
    form = await request.form()
    if not web.form_allowed(request, user, form.get("csrf")):
        return Response(status_code=403, headers=HEADERS)
    state = str(form.get("state") or "")
    if state not in presence.STATES:
        return Response(f"state: one of {', '.join(presence.STATES)}", status_code=422, headers=HEADERS)

    def note() -> None:
        with sessions.begin() as s:
            presence.note(s, number, user.me.agent_id, state, datetime.now(timezone.utc))

    await run_in_threadpool(note)
    return Response(status_code=204, headers=HEADERS)
