"""A signed-in customer's pages (docs/portal.md, "Signed in"): all their requests
(/portal/requests, newest first, paged), each request's page without a signed link
(/portal/requests/{n}: the ticket page of api/portal/ticket_page.py, its reply and files),
and the time zone their pages show times in (POST /portal/time-zone).

A customer sees only tickets whose requester is their address: any other number is "not
found", as a number that does not exist is, so the pages tell nothing about other tickets."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.portal import customer
from api.portal.customer import SignedIn
from api.portal.pages import HEADERS, refusal, render
from api.portal.service import STATUS_WORDS, Portal, get_portal
from api.portal.ticket_page import NOTICES, public_file, send_reply, ticket_html
from api.signin.session import local_path
from models import customer_sessions
from workflows.messages import TicketView

router = APIRouter(prefix="/portal", include_in_schema=False)
PortalDep = Annotated[Portal, Depends(get_portal)]
PER_PAGE = 20


@router.get("/requests", response_class=HTMLResponse)
async def my_requests(request: Request, portal: PortalDep, page: str = "1") -> Response:
    who = await customer.signed_in(request)
    if isinstance(who, Response):
        return who
    number = int(page) if page.isdigit() and 0 < len(page) < 6 else 1
    number = max(number, 1)

    def load() -> tuple[list[customer_sessions.RequestLine], int]:
        with portal.sessions() as s:
            return customer_sessions.requests_of(s, who.email, number, PER_PAGE)

    lines, total = await run_in_threadpool(load)
    return render("requests.html", who=who, tz=who.timezone, lines=lines, total=total, page=number,
                  pages=max(1, math.ceil(total / PER_PAGE)), status_words=STATUS_WORDS, errors={}, values={},
                  notice=None, zones=customer.zones(), here=request.url.path + (f"?{request.url.query}" if request.url.query else ""))


async def _own(portal: Portal, who: SignedIn, number: int) -> TicketView:
    """The ticket if its requester is the signed-in customer; "not found" otherwise, like a missing one."""
    view = await portal.gateway.view(number) if number > 0 else None
    if view is None or view.ticket.requester_email.strip().lower() != who.email:
        raise ApiError("TicketNotFound", f"You have no request #{number}. See the list of your requests.")
    return view


def _base(number: int) -> str:
    return f"/portal/requests/{number}"


@router.get("/requests/{number}", response_class=HTMLResponse)
async def my_request(number: int, request: Request, portal: PortalDep, sent: str = "") -> Response:
    who = await customer.signed_in(request)
    if isinstance(who, Response):
        return who
    try:
        view = await _own(portal, who, number)
    except ApiError as err:
        return refusal(err)
    return ticket_html(_base(number), "view", view, notice=NOTICES.get(sent), who=who)


@router.post("/requests/{number}/reply", response_class=HTMLResponse)
async def my_reply(number: int, request: Request, portal: PortalDep) -> Response:
    got = await customer.signed_in_form(request)
    if isinstance(got, Response):
        return got
    who, form = got
    try:
        view = await _own(portal, who, number)
    except ApiError as err:
        return refusal(err)
    return await send_reply(portal, view, form, _base(number), who=who)


@router.get("/requests/{number}/files/{attachment_id}")
async def my_file(number: int, attachment_id: str, request: Request, portal: PortalDep) -> Response:
    who = await customer.signed_in(request)
    if isinstance(who, Response):
        return who
    try:
        return await public_file(portal, await _own(portal, who, number), attachment_id)
    except ApiError as err:
        return refusal(err)


@router.post("/time-zone", response_class=HTMLResponse)
async def time_zone(request: Request, portal: PortalDep) -> Response:
    got = await customer.signed_in_form(request)
    if isinstance(got, Response):
        return got
    who, form = got
    zone = str(form.get("timezone") or "").strip()
    back = local_path(str(form.get("next") or ""), "/portal/requests")
    if not back.startswith("/portal/"):
        back = "/portal/requests"
    if not customer_sessions.valid_zone(zone):
        return render("refusal.html", status=422, title="Unknown time zone",
                      message=f"“{zone[:64]}” is not a time zone we know. Type one like Europe/Berlin or "
                              "America/New_York (the field suggests them), or UTC. Nothing was changed.",
                      kind="ValidationError")

    def save() -> None:
        with portal.sessions.begin() as s:
            customer_sessions.set_timezone(s, who.sid, zone)

    await run_in_threadpool(save)
    return RedirectResponse(back, status_code=303, headers=HEADERS)
